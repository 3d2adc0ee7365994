"""Choosing between candidates scored on the same rows, robustly.

The search ranks candidates by their out-of-sample loss, but the smallest mean loss
among several is partly luck: on a few thousand rows two configurations a fraction of
a standard error apart are equally good, and picking the lower one on validation noise
buys a worse model half of the time. So a challenger replaces the reference (LightGBM's
defaults for `balanced`, `balanced`'s choice for `high_accuracy`) only when

- its mean per-row loss is lower by more than `z` standard errors of the paired per-row
  differences (the same rows, so the noise both share cancels), and
- for classification, its out-of-sample error rate is lower by more than `z` standard
  errors of the paired per-row error differences too: a log-loss gain that is only
  calibration (fewer rounds, less confident) changes no prediction a user reads, and
  the loss and the metric users read must agree before the reference is abandoned.

`z` grows with the number of challengers the best one was picked from (a one-sided
Bonferroni bound at family-wise level `ALPHA`): the more configurations are tried, the
larger the gain the luckiest of them shows by chance alone. One challenger: z = 1.28;
five: 2.05; fifteen: 2.47.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

__all__ = ["ALPHA", "noise_z", "row_losses", "Gain", "gain", "prefer_reference"]

ALPHA = 0.1  # chance that noise alone replaces the reference, over all challengers


def noise_z(challengers: int) -> float:
    """Standard errors the best of `challengers` must win by."""
    return NormalDist().inv_cdf(1.0 - ALPHA / max(1, challengers))


def row_losses(task: str, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-row log-loss (classification, `pred` = class probabilities) or squared error."""
    losses: np.ndarray
    if task == "regression":
        losses = (np.asarray(pred, dtype=np.float64) - y) ** 2
        return losses
    p = np.clip(pred[np.arange(len(y)), y], 1e-15, 1.0)
    losses = -np.log(p)
    return losses


@dataclass
class Gain:
    """How much better a challenger is than the reference on the shared rows."""

    loss_gain: float  # mean per-row loss of the reference minus the challenger's (> 0: challenger better)
    standard_error: float  # of that mean, from the paired per-row differences
    error_gain: float = 0.0  # classification: reference error rate minus the challenger's
    error_se: float = 0.0  # of that difference, paired
    classification: bool = False

    def significant(self, z: float) -> bool:
        if not self.loss_gain > z * self.standard_error:
            return False
        return not self.classification or self.error_gain > z * self.error_se


def gain(task: str, y: np.ndarray, reference: np.ndarray, challenger: np.ndarray) -> Gain:
    """Compare two out-of-sample predictions of the same rows `y`."""
    diff = row_losses(task, y, reference) - row_losses(task, y, challenger)
    if len(diff) < 2:
        return Gain(0.0, math.inf)
    if task == "regression":
        return Gain(float(np.mean(diff)), _se(diff))
    errors = (np.argmax(reference, axis=1) != y).astype(float) - (np.argmax(challenger, axis=1) != y)
    return Gain(float(np.mean(diff)), _se(diff), float(np.mean(errors)), _se(errors), classification=True)


def _se(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1) / math.sqrt(len(values)))


def prefer_reference(
    task: str, y: np.ndarray, reference: np.ndarray, challenger: np.ndarray, challengers: int = 1
) -> bool:
    """True when the challenger's advantage (the best of `challengers`) is within the
    noise: keep the reference."""
    return not gain(task, y, reference, challenger).significant(noise_z(challengers))
