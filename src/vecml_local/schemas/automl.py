"""Requests and answers of the AutoML endpoints. Field names are exactly the documented ones
(the current VecML documentation), plus the older version's spellings (`categorical_features`).

Enumerations are normalised once here (any case, documented aliases), so the service and
`ml/automl` receive only canonical values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from .common import CollectionRequest, VecmlResponse
from .files import FileFields, Payload
from .models import OptionalName
from .types import SEED_MAX, AttributeName, LenientBool, LenientFloat, LenientInt, Name, NameList, choice

__all__ = [
    "TrainAutomlModelRequest",
    "TrainAutomlModelResponse",
    "AutomlModelRequest",
    "ListAutomlModelInfosRequest",
    "AutomlPredictRequest",
    "AutomlPredictResponse",
    "GetFeatureImportanceResponse",
    "GetModelValidationMetricResponse",
    "ListAutomlModelInfosResponse",
    "DeleteAutomlModelResponse",
]

_WHERE = {"user_api_key": "your_api_key", "project_name": "MLProject", "collection_name": "customer_data"}

TRAINING_MODES = ("auto", "linear_model", "high_speed", "balanced", "high_accuracy")
_AUGMENTATION = {
    "off": "off",
    "none": "off",
    "false": "off",
    "no": "off",
    "0": "off",
    "low": "low",
    "true": "low",
    "on": "low",
    "yes": "low",
    "1": "low",
    "high": "high",
}


def _augmentation(value: Any) -> str:
    """off / low / high; booleans and their spellings mean off / low; absent means off."""
    if value is None or value is False or value == "":
        return "off"
    if value is True:
        return "low"
    if isinstance(value, str) and value.strip().lower() in _AUGMENTATION:
        return _AUGMENTATION[value.strip().lower()]
    raise PydanticCustomError("vecml_value", "must be 'off', 'low' or 'high', not {value}", {"value": repr(value)})


class TrainAutomlModelRequest(CollectionRequest):
    """Train a classification or regression model on a dataset (asynchronous: poll
    `get_automl_training_status`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "model_name": "customer_segmentation_v1",
                    "training_mode": "balanced",
                    "task_type": "classification",
                    "label_attribute": "category",
                    "train_categorical_features": ["region"],
                    "data_augmentation": "off",
                }
            ]
        }
    )
    model_name: Name = Field(description="The new model's name, unique in the dataset.")
    training_mode: Annotated[
        Literal["auto", "linear_model", "high_speed", "balanced", "high_accuracy"] | None,
        BeforeValidator(
            choice(TRAINING_MODES, "unsupported value {value} (expected one of " + ", ".join(TRAINING_MODES) + ")")
        ),
    ] = Field(
        None,
        description="How hard to search: linear_model (fastest), high_speed, balanced or high_accuracy (slowest); "
        "auto and absent mean balanced.",
    )
    task_type: Annotated[
        Literal["classification", "regression"],
        BeforeValidator(
            choice(("classification", "regression"), "must be 'classification' or 'regression', not {value}")
        ),
    ] = Field(description="classification (predict a class) or regression (predict a number).")
    label_attribute: AttributeName = Field(min_length=1, description="The attribute holding the target to learn.")
    train_categorical_features: NameList | None = Field(
        None,
        description="Attributes to use as categorical features; absent: those declared when the data was uploaded.",
    )
    categorical_features: NameList | None = Field(
        None, description="The older documentation's name for train_categorical_features."
    )
    validation_dataset: OptionalName = Field(
        None,
        description="A dataset of the same project (same vector dimension) to validate on; absent: cross-validation.",
    )
    data_augmentation: Annotated[Literal["off", "low", "high"], BeforeValidator(_augmentation)] = Field(
        "off", description="Add perturbed copies of the training rows: off, low or high (slower, often better)."
    )
    random_seed: LenientInt = Field(0, ge=0, le=SEED_MAX, description="Extension: seed of the random choices.")
    num_threads: LenientInt = Field(0, ge=0, le=1024, description="Extension: worker threads; 0 means all cores.")
    time_budget_seconds: LenientFloat | None = Field(
        None,
        ge=1,
        le=86_400,
        description="Extension: the training's wall-clock budget in seconds, replacing the training mode's "
        "time model (docs/automl-modes.md); the best model found in that time is kept.",
    )

    def categoricals(self) -> tuple[list[str] | None, str]:
        """(the requested categorical features without repeats or None, the field they came in)."""
        if self.train_categorical_features is not None:
            return list(dict.fromkeys(self.train_categorical_features)), "train_categorical_features"
        if self.categorical_features is not None:
            return list(dict.fromkeys(self.categorical_features)), "categorical_features"
        return None, "train_categorical_features"


class AutomlModelRequest(CollectionRequest):
    """`get_feature_importance`, `get_model_validation_metric`, `delete_automl_model`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_WHERE, "model_name": "customer_segmentation_v1"}]})
    model_name: Name = Field(description="The AutoML model.")


class ListAutomlModelInfosRequest(CollectionRequest):
    """The AutoML models of a dataset."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_WHERE}]})


class AutomlPredictRequest(AutomlModelRequest, FileFields):
    """Predict with a trained model, from a dataset of the project or from a file sent inline."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "model_name": "customer_segmentation_v1",
                    "file_data": "BASE64_ENCODED_CSV==",
                    "file_format": "csv",
                    "has_field_names": True,
                },
                {**_WHERE, "model_name": "customer_segmentation_v1", "prediction_dataset": "new_customers"},
            ]
        }
    )
    prediction_dataset: OptionalName = Field(None, description="A dataset of the same project to predict for.")
    file_data: Payload = Field(None, description="Or an inline file (csv, json, libsvm or binary), Base64-encoded.")
    X: Payload = Field(None, description="Accepted in place of file_data.")
    return_probabilities: LenientBool = Field(
        False, description="Extension, classification: add the classes and each row's class probabilities."
    )

    def payload_and_field(self) -> tuple[Any, str]:
        if self.file_data not in (None, "", b""):
            return self.file_data, "file_data"
        if self.X not in (None, "", b""):
            return self.X, "X"
        return None, "file_data"


# -- answers --------------------------------------------------------------------------

_METRIC = {
    "anyOf": [
        {"type": "object", "additionalProperties": {"type": "number"}},
        {"type": "number"},
    ],
    "description": "classification: accuracy, micro/macro precision, recall and F1, auc; regression: mse and mae",
}


class TrainAutomlModelResponse(VecmlResponse):
    job_id: str = Field(description="The training job: poll get_automl_training_status with it.")


class AutomlPredictResponse(VecmlResponse):
    num_samples: int | None = Field(
        None, description="Rows with a true label, over which prediction_metric is computed."
    )
    prediction_metric: Annotated[Any, WithJsonSchema(_METRIC)] = Field(
        None, description="Scores against the true labels, when the prediction data has some."
    )
    predictions: Annotated[
        Any, WithJsonSchema({"type": "array", "items": {"anyOf": [{"type": "number"}, {"type": "string"}]}})
    ] = Field(description="One prediction per row: the class label as given in training, or a number.")
    classes: Annotated[Any, WithJsonSchema({"type": "array", "items": {}})] = Field(
        None, description="Extension (return_probabilities): the classes, in the order of each probability row."
    )
    probabilities: Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "array"}})] = Field(
        None, description="Extension (return_probabilities): one row of class probabilities per prediction."
    )
    warnings: list[str] | None = Field(
        None, description="Extension: what in the prediction data was not read (missing or unused columns)."
    )
    missing_features: list[str] | None = Field(
        None, description="Extension: training features absent from the prediction data (predicted as missing)."
    )
    extra_columns: list[str] | None = Field(
        None, description="Extension: columns of the prediction data the model does not use (ignored)."
    )


class GetFeatureImportanceResponse(VecmlResponse):
    feature_importance: Annotated[
        list[Any],
        WithJsonSchema(
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"feature": {"type": "string"}, "importance": {"type": "number"}},
                },
            }
        ),
    ] = Field(description="The most important features first (at most 50), with importances in [0, 1].")


class GetModelValidationMetricResponse(VecmlResponse):
    validation_metric: Annotated[Any, WithJsonSchema(_METRIC)] = Field(
        description="The model's scores on its validation data."
    )


_MODEL_INFO = {
    "type": "object",
    "properties": {
        "model_name": {"type": "string"},
        "task_type": {"type": "string"},
        "training_mode": {"type": "string"},
        "label_attribute": {"type": "string"},
        "data_augmentation": {"type": "string", "description": '"true" or "false"'},
        "validation_dataset": {"type": "string"},
        "create_time": {"type": "string", "description": "YYYY/MM/DD, HH:MM"},
        "status": {"type": "string", "description": "Extension: finished, in_progress or failed"},
    },
}


class ListAutomlModelInfosResponse(VecmlResponse):
    model_infos: Annotated[list[Any], WithJsonSchema({"type": "array", "items": _MODEL_INFO})] = Field(
        description="One object per model, oldest first."
    )


class DeleteAutomlModelResponse(VecmlResponse):
    pass
