"""The app as a server runs it: ``streamlit run serve.py`` (``./dev app``).

``app.py`` stays the script every visit runs (and what AppTest runs); this file wraps it in
``st.App`` so that the server, before it takes its first visitor, imports the map's libraries
and reads the dataset (:func:`zones_app.warmup.warm_up`). ``streamlit run app.py`` works too,
only with a slower first visit after each start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from streamlit.logger import get_logger

from zones_app.warmup import warm_up

# The app's log lines (the warm-up's) in the server's log, formatted and filtered as Streamlit's.
get_logger("zones_app")


@asynccontextmanager
async def lifespan(app: st.App) -> AsyncIterator[None]:
    warm_up()
    yield


app = st.App("app.py", lifespan=lifespan)
