"""Requests of the AutoML endpoints. Field names are exactly the documented ones
(seed 000), plus seed 001's spellings. Values are typed `Any` and checked by the
service, which names the field in its 400."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .common import CollectionRequest
from .files import FileFields, Payload
from .types import LenientFloat

__all__ = ["TrainAutomlModelRequest", "AutomlModelRequest", "AutomlPredictRequest"]


class TrainAutomlModelRequest(CollectionRequest):
    model_name: Any = None
    training_mode: Any = None
    task_type: Any = None
    label_attribute: Any = None
    train_categorical_features: Any = None  # seed 000
    categorical_features: Any = None  # seed 001
    validation_dataset: Any = None
    data_augmentation: Any = None
    random_seed: Any = None  # extension
    num_threads: Any = None  # extension
    time_budget_seconds: LenientFloat | None = Field(
        None,
        ge=1,
        le=86_400,
        description="Extension: the training's wall-clock budget in seconds, replacing the training mode's "
        "time model (docs/automl-modes.md); the best model found in that time is kept.",
    )

    def categoricals(self) -> Any:
        if self.train_categorical_features is not None:
            return self.train_categorical_features
        return self.categorical_features


class AutomlModelRequest(CollectionRequest):
    """`get_feature_importance`, `get_model_validation_metric`, `delete_automl_model`."""

    model_name: Any = None


class AutomlPredictRequest(AutomlModelRequest, FileFields):
    prediction_dataset: Any = None
    file_data: Payload = None
    X: Payload = None
    return_probabilities: Any = None  # extension

    def payload_and_field(self) -> tuple[Any, str]:
        if self.file_data not in (None, "", b""):
            return self.file_data, "file_data"
        if self.X not in (None, "", b""):
            return self.X, "X"
        return None, "file_data"
