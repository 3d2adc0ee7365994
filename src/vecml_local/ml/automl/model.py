"""A trained AutoML model: encoders, label codec and a weighted set of members.

Members are LightGBM boosters, linear models (coefficients) or a constant (when
the training labels hold a single class). The prediction of the model is the
weighted average of its members' probabilities (classification) or values
(regression).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .encoding import LinearEncoder, TreeEncoder
from .labels import LabelCodec
from .lgbm import predict_booster
from .linear import predict_linear
from .table import FeatureTable, align_table, check_table

__all__ = ["LgbmMember", "LinearMember", "ConstantMember", "TrainedModel", "MAX_IMPORTANCE_FEATURES"]

MAX_IMPORTANCE_FEATURES = 50


@dataclass
class LgbmMember:
    booster: Any
    params: dict[str, Any]
    kind: str = "lightgbm"

    def predict(self, model: TrainedModel, x_tree: np.ndarray, table: FeatureTable) -> np.ndarray:
        return predict_booster(self.booster, x_tree, model.task_type, model.n_classes)

    def importance(self, model: TrainedModel) -> np.ndarray:
        gain = np.asarray(self.booster.feature_importance(importance_type="gain"), dtype=np.float64)
        return np.nan_to_num(gain)


@dataclass
class LinearMember:
    encoder: LinearEncoder
    coef: np.ndarray
    intercept: np.ndarray
    strength: float
    kind: str = "linear"

    def predict(self, model: TrainedModel, x_tree: np.ndarray, table: FeatureTable) -> np.ndarray:
        x = self.encoder.transform(table)
        return predict_linear(self.coef, self.intercept, x, model.task_type, model.n_classes)

    def importance(self, model: TrainedModel) -> np.ndarray:
        """|coefficient| x spread of the encoded column, summed per original feature.

        Numerics are standardised (spread 1); a one-hot column's spread is the
        standard deviation of the indicator, sqrt(p (1 - p)), with p its training
        frequency (recorded in the encoder as `onehot_std`).
        """
        weights = np.abs(self.coef).sum(axis=0)
        spread = np.ones(self.encoder.width)
        if self.encoder.onehot_std is not None:
            spread[len(self.encoder.means) :] = self.encoder.onehot_std
        contrib = weights * spread
        names = model.tree_encoder.feature_names
        groups = dict(self.encoder.column_groups(model.tree_encoder.numeric_names))
        return np.array([contrib[groups[name]].sum() for name in names], dtype=np.float64)


@dataclass
class ConstantMember:
    value: np.ndarray  # class probabilities (K,) or a (1,) regression value
    kind: str = "constant"

    def predict(self, model: TrainedModel, x_tree: np.ndarray, table: FeatureTable) -> np.ndarray:
        n = table.n_rows
        if model.task_type == "regression":
            return np.full(n, float(self.value[0]))
        return np.tile(self.value, (n, 1))

    def importance(self, model: TrainedModel) -> np.ndarray:
        return np.zeros(len(model.tree_encoder.feature_names))


@dataclass
class TrainedModel:
    task_type: str
    training_mode: str
    data_augmentation: str
    tree_encoder: TreeEncoder
    codec: LabelCodec | None
    members: list[Any]
    weights: list[float]
    validation_metric: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def numeric_names(self) -> list[str]:
        return self.tree_encoder.numeric_names

    @property
    def categorical_names(self) -> list[str]:
        return list(self.tree_encoder.categories)

    @property
    def n_classes(self) -> int:
        return len(self.codec.classes) if self.codec is not None else 0

    @property
    def classes(self) -> list[Any] | None:
        """The class label values, in the order of `predict_proba` columns."""
        return list(self.codec.values) if self.codec is not None else None

    def _prepare(self, table: FeatureTable) -> tuple[FeatureTable, np.ndarray]:
        table = align_table(check_table(table, "prediction data"), self.numeric_names, self.categorical_names)
        return table, self.tree_encoder.transform(table)

    def _raw(self, table: FeatureTable) -> np.ndarray:
        table, x_tree = self._prepare(table)
        total: np.ndarray | None = None
        for member, w in zip(self.members, self.weights):
            part = member.predict(self, x_tree, table) * w
            total = part if total is None else total + part
        assert total is not None
        raw: np.ndarray = total / float(sum(self.weights))
        return raw

    def predict_proba(self, table: FeatureTable) -> np.ndarray:
        """(n, K) class probabilities, columns in the order of `classes`."""
        if self.task_type != "classification":
            raise ValueError("predict_proba is for classification models")
        p = np.clip(self._raw(table), 0.0, 1.0)
        s = p.sum(axis=1, keepdims=True)
        probabilities: np.ndarray = p / np.where(s > 0, s, 1.0)
        return probabilities

    def predict(self, table: FeatureTable) -> list[Any]:
        """One prediction per row: label values (classification) or floats."""
        if self.task_type == "regression":
            values = np.nan_to_num(self._raw(table), nan=0.0, posinf=1e300, neginf=-1e300)
            return [float(v) for v in values]
        assert self.codec is not None
        return self.codec.decode(np.argmax(self.predict_proba(table), axis=1))

    def predict_with_proba(self, table: FeatureTable) -> tuple[list[Any], np.ndarray | None]:
        if self.task_type == "regression":
            return self.predict(table), None
        assert self.codec is not None
        proba = self.predict_proba(table)
        return self.codec.decode(np.argmax(proba, axis=1)), proba

    def feature_importance(self, limit: int = MAX_IMPORTANCE_FEATURES) -> list[tuple[str, float]]:
        """(feature, importance) sorted descending, top feature 1.0, at most `limit`."""
        names = self.tree_encoder.feature_names
        total = np.zeros(len(names))
        for member, w in zip(self.members, self.weights):
            imp = member.importance(self)
            if imp.max(initial=0.0) > 0:
                total += w * imp / imp.sum()
        top = total.max(initial=0.0)
        scaled = total / top if top > 0 else total
        order = sorted(range(len(names)), key=lambda j: (-scaled[j], j))[:limit]
        return [(names[j], float(round(scaled[j], 6))) for j in order]
