"""Emulator controls under /_local (never under /api)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["emulator"])
