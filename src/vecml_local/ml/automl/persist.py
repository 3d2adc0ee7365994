"""Saving and loading a `TrainedModel` without pickle.

Directory layout:
- `model.json`: format version, task, mode, augmentation, encoders, classes,
  members (kind, weight, parameters), validation metric, info;
- `member_<i>.txt`: a LightGBM member in LightGBM's own text format;
- `member_<i>.npz`: a linear member's coefficients and intercept (numpy, no
  object arrays; loaded with `allow_pickle=False`).
Files are written under temporary names and renamed, `model.json` last, so a
directory with a `model.json` is complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from vecml_local.errors import BadRequest

from .encoding import LinearEncoder, TreeEncoder
from .labels import LabelCodec
from .lgbm import booster_from_string
from .model import ConstantMember, LgbmMember, LinearMember, TrainedModel

__all__ = ["save_model", "load_model", "FORMAT_VERSION"]

FORMAT_VERSION = 1


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def save_model(model: TrainedModel, directory: Path) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    members: list[dict[str, Any]] = []
    for i, (member, weight) in enumerate(zip(model.members, model.weights)):
        entry: dict[str, Any] = {"kind": member.kind, "weight": float(weight)}
        if isinstance(member, LgbmMember):
            entry["file"] = f"member_{i}.txt"
            entry["params"] = {k: v for k, v in member.params.items() if _jsonable(v)}
            _write(directory / entry["file"], member.booster.model_to_string().encode())
        elif isinstance(member, LinearMember):
            entry["file"] = f"member_{i}.npz"
            entry["encoder"] = member.encoder.to_json()
            entry["strength"] = float(member.strength)
            tmp = directory / f"member_{i}.tmp.npz"
            np.savez(
                tmp,
                coef=np.asarray(member.coef, dtype=np.float64),
                intercept=np.asarray(member.intercept, dtype=np.float64),
            )
            os.replace(tmp, directory / entry["file"])
        else:
            entry["value"] = [float(v) for v in member.value]
        members.append(entry)
    meta = {
        "format_version": FORMAT_VERSION,
        "task_type": model.task_type,
        "training_mode": model.training_mode,
        "data_augmentation": model.data_augmentation,
        "tree_encoder": model.tree_encoder.to_json(),
        "codec": model.codec.to_json() if model.codec is not None else None,
        "members": members,
        "validation_metric": model.validation_metric,
        "info": model.info,
    }
    _write(directory / "model.json", json.dumps(meta, allow_nan=False).encode())


def _jsonable(v: Any) -> bool:
    return isinstance(v, (str, int, float, bool)) or v is None


def load_model(directory: Path) -> TrainedModel:
    directory = Path(directory)
    try:
        meta = json.loads((directory / "model.json").read_text())
    except FileNotFoundError:
        raise BadRequest(f"model files are missing in {directory.name}") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise BadRequest(f"unsupported model format version {meta.get('format_version')!r}")
    members: list[Any] = []
    weights: list[float] = []
    for entry in meta["members"]:
        kind = entry["kind"]
        if kind == "lightgbm":
            booster = booster_from_string((directory / entry["file"]).read_text())
            members.append(LgbmMember(booster, entry.get("params", {})))
        elif kind == "linear":
            with np.load(directory / entry["file"], allow_pickle=False) as data:
                coef, intercept = data["coef"], data["intercept"]
            members.append(LinearMember(LinearEncoder.from_json(entry["encoder"]), coef, intercept, entry["strength"]))
        else:
            members.append(ConstantMember(np.asarray(entry["value"], dtype=np.float64)))
        weights.append(float(entry["weight"]))
    codec = LabelCodec.from_json(meta["codec"]) if meta["codec"] is not None else None
    return TrainedModel(
        task_type=meta["task_type"],
        training_mode=meta["training_mode"],
        data_augmentation=meta["data_augmentation"],
        tree_encoder=TreeEncoder.from_json(meta["tree_encoder"]),
        codec=codec,
        members=members,
        weights=weights,
        validation_metric=meta["validation_metric"],
        info=meta.get("info", {}),
    )
