"""automl routes (filled in by the automl work; registered in the app already)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["automl"])
