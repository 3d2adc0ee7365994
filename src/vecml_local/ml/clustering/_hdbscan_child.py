"""`python -m vecml_local.ml.clustering._hdbscan_child DIR`: one HDBSCAN fit in its own
process, so that a cancel can end it at once (`hdbscan.HDBSCAN.fit` is one library call
with no way to stop it from inside). Reads `DIR/data.npy` and `DIR/params.json`, writes
`DIR/labels.npy` and `DIR/probabilities.npy` (plain arrays: no pickle either way)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def main(work: Path) -> int:
    import hdbscan

    data = np.load(work / "data.npy", allow_pickle=False)
    params = json.loads((work / "params.json").read_text())
    model = hdbscan.HDBSCAN(**params).fit(data)
    np.save(work / "labels.npy", np.asarray(model.labels_, dtype=np.int64), allow_pickle=False)
    np.save(work / "probabilities.npy", np.asarray(model.probabilities_, dtype=np.float64), allow_pickle=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
