"""vecml-local: a self-hosted server that speaks the VecML cloud REST API."""

import os as _os

# OpenMP libraries (LightGBM, scikit-learn) spin idle threads by default; in a server
# that also runs numba kernels and uvicorn on few cores that spinning starved the
# other work (LightGBM up to ~100x slower on a busy 2-core host). Must be set before
# the first OpenMP library loads; a user's own setting wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
__all__ = ["__version__"]
