"""`automl_predict`: match the prediction data's columns to the model's training features,
and never answer confidently from columns that were not there.

- Named columns (a file with a header, a collection whose columns have names) are matched
  by name. Training features missing from the data are listed in `warnings` and counted in
  `missing_features` (they are predicted as missing values); columns the model does not
  use are listed too (`extra_columns`). When no training feature is found at all: 400
  naming the expected columns.
- Unnamed columns ("column 1".."column N": a header-less file, vectors sent without names)
  are matched by position, and only when their number is the model's: else 400 naming the
  expected columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import BadRequest
from ..ml.automl import FeatureTable

__all__ = ["ColumnCheck", "check_prediction_columns"]

_SHOWN = 20  # names listed in one message


@dataclass
class ColumnCheck:
    table: FeatureTable
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


def _unnamed(names: list[str]) -> bool:
    return names == [f"column {i + 1}" for i in range(len(names))]


def _listing(names: list[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def check_prediction_columns(
    table: FeatureTable, numeric_names: list[str], categorical_names: list[str], label: str, what: str
) -> ColumnCheck:
    """`table` ready for `align_table` (renamed when matched by position), with the warnings
    to add to the answer; raises BadRequest when nothing can be matched."""
    expected = list(numeric_names) + [name for name in categorical_names if name not in numeric_names]
    width = table.numeric.shape[1] if table.numeric.ndim == 2 else 0
    if width and _unnamed(table.numeric_names):
        if width != len(numeric_names):
            raise BadRequest(
                f"{what} has {width} unnamed columns but the model was trained on {len(numeric_names)}: "
                f"{_listing(list(numeric_names))}; send a header row naming them (or exactly "
                f"{len(numeric_names)} columns in that order)"
            )
        table = FeatureTable(table.numeric, list(numeric_names), table.categorical)
    present = set(table.numeric_names) | set(table.categorical)
    found = [name for name in expected if name in present]
    if expected and not found:
        if _unnamed(list(numeric_names)) and width == len(numeric_names):
            # The model's own columns had no names: the data's are taken in order.
            renamed = FeatureTable(table.numeric, list(numeric_names), table.categorical)
            return ColumnCheck(
                renamed, [f"the model's columns have no names; {what}'s {width} columns were matched by position"]
            )
        raise BadRequest(
            f"none of the model's training features is in {what}: expected {_listing(expected)}; "
            f"got {_listing(sorted(present - {label}))}"
        )
    check = ColumnCheck(table)
    check.missing = [name for name in expected if name not in present]
    check.extra = [name for name in table.numeric_names + list(table.categorical) if name not in expected]
    check.extra = [name for name in check.extra if name != label]
    if check.missing:
        check.warnings.append(
            f"{len(check.missing)} of the model's {len(expected)} training features are not in {what}: "
            f"{_listing(check.missing)}; they were predicted as missing values"
        )
    if check.extra:
        check.warnings.append(
            f"{len(check.extra)} columns of {what} are not training features and were ignored: {_listing(check.extra)}"
        )
    return check
