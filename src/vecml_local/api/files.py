"""files routes (filled in by the files work; registered in the app already)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["files"])
