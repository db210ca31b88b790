"""The shared store: the dataset's layers and the log of corrections, in one place.

``open_store()`` gives the store ZONES_STORE names: a GeoPackage file (the default,
``build/zones.gpkg``, nothing to install) or a PostGIS database (``postgresql://…``, for a
bureau). Both offer the same :class:`Store`: `zones build` writes its base layers, readers get
``store.dataset()`` (the base with every accepted change applied), and corrections go through
the append-only log (:mod:`zones.store.log`) in transactions.
"""

from zones.store.backends import EmbeddedStore, PostgisStore, Store, StoreStatus, open_store
from zones.store.log import (
    KINDS,
    STATUSES,
    Change,
    ChangeError,
    NewChange,
    StaleChangeError,
)

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
