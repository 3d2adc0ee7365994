"""vecml-local: a self-hosted server that speaks the VecML cloud REST API."""

__version__ = "0.1.0"
__all__ = ["__version__"]
