"""`automl_predict` never answers confidently from columns it could not match: missing training
features and extra columns are listed in `warnings` (and counted); no match at all, or unnamed
columns of the wrong number, is a 400 naming the expected columns. Files and datasets alike."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from tests.api.conftest import Api
from tests.api.test_automl import _add, train

WHERE = {"project_name": "P", "collection_name": "train", "model_name": "m"}


@pytest.fixture
def model(api: Api) -> np.ndarray:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 4))
    attrs = [{"label": "a" if row[0] + row[1] > 0 else "b"} for row in x]
    api.ok("create_project", project_name="P", application="test")
    _add(api, "train", x, attrs)
    assert train(api, training_mode="linear_model")[1]["status"] == "finished"
    return x


def _csv(rows: list[list[object]]) -> str:
    return base64.b64encode("\n".join(",".join(str(v) for v in row) for row in rows).encode()).decode()


def _predict(api: Api, rows: list[list[object]], header: bool = True):  # type: ignore[no-untyped-def]
    return api.call("automl_predict", **WHERE, file_data=_csv(rows), file_format="csv", has_field_names=header)


def test_misspelled_and_extra_columns_are_listed_in_warnings(api: Api, model: np.ndarray) -> None:
    header = ["colunm 1", "column 2", "column 3", "Column 4", "notes"]
    status, body = _predict(api, [header, *[[*row, 1] for row in model[:5].tolist()]])
    assert status == 200 and len(body["predictions"]) == 5, body
    assert body["missing_features"] == ["column 1", "column 4"]
    assert body["extra_columns"] == ["colunm 1", "Column 4", "notes"]
    assert any("2 of the model's 4 training features" in w and "'column 1'" in w for w in body["warnings"])
    assert any("'notes'" in w for w in body["warnings"])


def test_matching_columns_get_no_warnings(api: Api, model: np.ndarray) -> None:
    header = ["column 4", "column 3", "column 2", "column 1"]  # any order, by name
    status, body = _predict(api, [header, *[row[::-1] for row in model[:5].tolist()]])
    assert status == 200 and "warnings" not in body and "missing_features" not in body, body


def test_no_matching_column_is_refused_naming_the_expected_ones(api: Api, model: np.ndarray) -> None:
    status, body = _predict(api, [["a", "b"], [1, 2], [3, 4]])
    assert status == 400 and "expected 'column 1', 'column 2', 'column 3', 'column 4'" in body["error_message"], body


def test_header_less_file_with_the_wrong_width_is_refused(api: Api, model: np.ndarray) -> None:
    status, body = _predict(api, [[1, 2], [3, 4]], header=False)
    assert status == 400 and "2 unnamed columns" in body["error_message"] and "'column 4'" in body["error_message"]
    status, body = _predict(api, model[:3].tolist(), header=False)
    assert status == 200 and len(body["predictions"]) == 3 and "warnings" not in body, body


def test_prediction_dataset_of_another_width_is_refused(api: Api, model: np.ndarray) -> None:
    _add(api, "narrow", model[:10, :2], [{}] * 10)
    status, body = api.call("automl_predict", **WHERE, prediction_dataset="narrow")
    assert status == 400 and "prediction_dataset 'narrow' has 2 unnamed columns" in body["error_message"], body
    _add(api, "same", model[:10], [{}] * 10)
    status, body = api.call("automl_predict", **WHERE, prediction_dataset="same")
    assert status == 200 and len(body["predictions"]) == 10 and "warnings" not in body, body
