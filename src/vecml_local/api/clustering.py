"""clustering routes (filled in by the clustering work; registered in the app already)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["clustering"])
