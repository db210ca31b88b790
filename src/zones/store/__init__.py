"""The shared store: the dataset's layers and the log of corrections, in one place.

``open_store()`` gives the store ZONES_STORE names: a GeoPackage file (the default,
``build/zones.gpkg``, nothing to install) or a PostGIS database (``postgresql://…``, for a
bureau). Both offer the same :class:`Store`: `zones build` writes its base layers, readers get
``store.dataset()`` (the base with every accepted change applied), and corrections go through
the append-only log (:mod:`zones.store.log`) in transactions.

The names below load on first use (PEP 562), so that :mod:`zones.store.embedded` reads a
GeoPackage without importing SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zones.store.backends import (
        EmbeddedStore,
        PostgisStore,
        Store,
        StoreStatus,
        open_store,
    )
    from zones.store.log import (
        KINDS,
        STATUSES,
        Change,
        ChangeError,
        NewChange,
        StaleChangeError,
    )

_LAZY = {
    **dict.fromkeys(
        ("EmbeddedStore", "PostgisStore", "Store", "StoreStatus", "open_store"),
        "zones.store.backends",
    ),
    **dict.fromkeys(
        ("KINDS", "STATUSES", "Change", "ChangeError", "NewChange", "StaleChangeError"),
        "zones.store.log",
    ),
}

__all__ = [
    "KINDS",
    "STATUSES",
    "Change",
    "ChangeError",
    "EmbeddedStore",
    "NewChange",
    "PostgisStore",
    "StaleChangeError",
    "Store",
    "StoreStatus",
    "open_store",
]


def __getattr__(name: str) -> Any:
    """Import the names above on first use (PEP 562)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # found here from now on
        return value
    raise AttributeError(f"module 'zones.store' has no attribute {name!r}")
