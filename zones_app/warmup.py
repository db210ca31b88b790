"""The app server's start, before its first visitor (``serve.py``, through ``st.App``'s
lifespan): import the libraries the map's first run needs, load pypinyin's dictionaries (the
search keys) and matplotlib's font list (the PDF button), read the store's dataset into
:func:`zones_app.loaders.load`'s cache and fill what the default view reads
(:func:`zones_app.loaders.warm_default_view`), so the first visit after a start does not wait
for them (benchmarks/RESULTS.md, "first visit").

Nothing imported here may declare a Streamlit component: outside a script run Streamlit does
not register it, and a module is imported only once, so the map would answer 404 for the rest
of the server's life. Hence the loaders, not the map tab (``streamlit_folium``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

#: Streamlit's warning when a cached function runs outside a script run, as here on purpose.
_NO_RUN_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


@contextmanager
def _outside_a_run() -> Iterator[None]:
    logger = logging.getLogger(_NO_RUN_CONTEXT_LOGGER)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def warm_up(store: str | None = None) -> bool:
    """Import, load the dictionaries, cache the dataset of ``store`` (default: the settings'
    store) and its default view; True once they are cached. A store that cannot be read is
    logged and left to the first run, which shows the visitor why; the server starts either
    way."""
    began = time.perf_counter()
    from zones import settings
    from zones.map.search import pinyin
    from zones_app import loaders

    pinyin("宁波")
    with _outside_a_run():
        loaders.has_cjk_font()  # the PDF button asks: matplotlib and its font list
    store = store or settings.current().store
    name = "the store"  # what the log may show: a PostGIS URL without its password
    try:
        name = loaders.display_name(store)
        with _outside_a_run():
            revision = loaders.revision(store)
            loaders.load(store, revision)
            loaders.warm_default_view(store, revision)
    except Exception as exc:  # the first run reports it to the visitor; the server must start
        log.warning("warm-up: %s not loaded (%s); the first visit will load it", name, exc)
        return False
    log.info("warm-up: %s loaded in %.2f s", name, time.perf_counter() - began)
    return True
