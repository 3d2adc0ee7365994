"""`time_budget_seconds` (extension) on train_automl_model, and the training's progress."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.test_automl import cancer, train  # noqa: F401  (cancer: a fixture)


@pytest.mark.usefixtures("cancer")
@pytest.mark.parametrize("value", ["abc", 0, -1, "1e9", [3]])
def test_bad_time_budget_is_a_400_naming_the_field(api: Api, value: object) -> None:
    status, body = api.call(
        "train_automl_model",
        project_name="P",
        collection_name="train",
        model_name="m",
        training_mode="high_speed",
        task_type="classification",
        label_attribute="label",
        time_budget_seconds=value,
    )
    assert status == 400 and "time_budget_seconds" in body["error_message"], body


@pytest.mark.usefixtures("cancer")
def test_time_budget_is_kept_and_progress_ends_at_one(api: Api) -> None:
    _, status = train(api, training_mode="balanced", time_budget_seconds="4")
    assert status["status"] == "finished", status
    assert status["progress"] == 1.0 and status["eta_seconds"] in (0, 0.0, None)
    infos = api.ok("list_automl_model_infos", project_name="P", collection_name="train")
    assert infos  # the model is listed
