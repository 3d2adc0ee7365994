"""AutoML: pure functions over numpy arrays (no storage, services or HTTP).

lightgbm and scikit-learn estimators are imported lazily inside the functions,
so importing this package is cheap.
"""

from __future__ import annotations

from .augment import AUGMENTATION_LEVELS, normalize_augmentation
from .labels import LabelCodec, label_key
from .metrics import CLASSIFICATION_METRICS, REGRESSION_METRICS, compute_metrics
from .model import MAX_IMPORTANCE_FEATURES, TrainedModel
from .modes import TRAINING_MODES, normalize_training_mode
from .persist import load_model, save_model
from .table import FeatureTable, align_table
from .trainer import normalize_task_type, train_model

__all__ = [
    "AUGMENTATION_LEVELS",
    "CLASSIFICATION_METRICS",
    "MAX_IMPORTANCE_FEATURES",
    "REGRESSION_METRICS",
    "TRAINING_MODES",
    "FeatureTable",
    "LabelCodec",
    "TrainedModel",
    "align_table",
    "compute_metrics",
    "label_key",
    "load_model",
    "normalize_augmentation",
    "normalize_task_type",
    "normalize_training_mode",
    "save_model",
    "train_model",
]
