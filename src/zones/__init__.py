"""zones: Ningbo's manufacturing layout (一圈三带多园, 一园一业) as sourced geodata.

The public face is small and loads nothing heavy until it is used (so the `zones` command can
answer Ctrl-C at any moment): the dataset (:class:`Dataset`, :func:`load_dataset`), the store
(:func:`open_store`) and the error vocabulary.
"""

from __future__ import annotations

from typing import Any

from zones.errors import DataError, Problem, ValidationError, ZonesError

__all__ = [
    "DataError",
    "Dataset",
    "Problem",
    "ValidationError",
    "ZonesError",
    "load_dataset",
    "open_store",
]
__version__ = "0.1.0"

_LAZY = {
    "Dataset": "zones.model.dataset",
    "load_dataset": "zones.model.dataset",
    "open_store": "zones.store",
}


def __getattr__(name: str) -> Any:
    """Import the heavy public names on first use (PEP 562)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'zones' has no attribute {name!r}")
