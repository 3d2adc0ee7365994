"""Label handling: class keys, decoding predictions to the label values as given,
regression label parsing.

Classification labels arrive as strings. Two spellings of the same number
("1" and "1.0") are the same class. Predictions are decoded as the label values:
if every class is integer-like they come back as Python ints, else if every class
is numeric as floats, else as the (stripped) strings.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vecml_local.errors import BadRequest

__all__ = [
    "MAX_CLASSES",
    "LabelCodec",
    "is_missing_label",
    "label_key",
    "parse_regression_labels",
]

MAX_CLASSES = 500


def is_missing_label(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def label_key(value: Any) -> str:
    """The canonical class key of a label value ("1", "1.0", 1 -> "1")."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    text = str(value).strip()
    try:
        f = float(text)
    except ValueError:
        return text
    if not math.isfinite(f):
        return text
    if f.is_integer() and abs(f) < 2**53:
        return str(int(f))
    return repr(f)


def _as_number(key: str) -> float | None:
    try:
        f = float(key)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


class LabelCodec:
    """Maps class keys to indices 0..K-1 and back to the label values."""

    def __init__(self, classes: list[str]) -> None:
        self.classes = list(classes)
        self.index = {c: i for i, c in enumerate(self.classes)}
        numbers = [_as_number(c) for c in self.classes]
        if self.classes and all(x is not None for x in numbers):
            if all(float(x).is_integer() for x in numbers):  # type: ignore[arg-type]  # no None: checked above
                self.kind = "int"
                self.values: list[Any] = [int(x) for x in numbers]  # type: ignore[arg-type]  # (no None)
            else:
                self.kind = "float"
                self.values = [float(x) for x in numbers]  # type: ignore[arg-type]  # (no None)
        else:
            self.kind = "str"
            self.values = list(self.classes)

    @classmethod
    def fit(cls, labels: np.ndarray) -> LabelCodec:
        keys = sorted({label_key(v) for v in labels})
        numbers = [_as_number(k) for k in keys]
        if keys and all(x is not None for x in numbers):
            keys = [k for _, k in sorted(zip(numbers, keys))]
        if len(keys) > MAX_CLASSES:
            raise BadRequest(
                f"label_attribute has {len(keys)} distinct values; classification supports at "
                f"most {MAX_CLASSES} classes (use task_type 'regression' for a numeric target)"
            )
        return cls(keys)

    def encode(self, labels: np.ndarray) -> np.ndarray:
        """Class indices; -1 for a label that is not one of the classes."""
        return np.array([self.index.get(label_key(v), -1) for v in labels], dtype=np.int64)

    def decode(self, codes: np.ndarray) -> list[Any]:
        return [self.values[int(c)] for c in codes]

    def to_json(self) -> dict[str, Any]:
        return {"classes": self.classes}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabelCodec:
        return cls(list(data["classes"]))


def parse_regression_labels(labels: np.ndarray, what: str = "label_attribute") -> np.ndarray:
    """Float targets; a non-numeric value is refused naming its row and value."""
    out = np.empty(len(labels), dtype=np.float64)
    for i, v in enumerate(labels):
        try:
            f = float(str(v).strip()) if not isinstance(v, (int, float)) else float(v)
        except ValueError:
            raise BadRequest(
                f"{what}: regression needs numeric labels, row {i + 1} has the value {str(v)[:64]!r}"
            ) from None
        if not math.isfinite(f):
            raise BadRequest(f"{what}: row {i + 1} has the non-finite label {str(v)[:64]!r}")
        out[i] = f
    return out
