"""Map app of Ningbo's manufacturing layout: `streamlit run app.py` (or `./dev app`).

Thin on purpose: it sets up the page, takes the settings, and calls the rendering in
``zones_app/`` (beside this file, so Streamlit's script folder on ``sys.path`` finds it), which
composes the zones library. Three tabs: the map (always run, so the map keeps its zoom), the
plan analysis and the GIS exchange (each run only while open). The settings
(:func:`zones.settings.current`) are taken at every run, so tests point the app, and the
imports it records, at stores and copies of their own.
"""

from __future__ import annotations

import streamlit as st

from zones import settings
from zones.errors import ZonesError
from zones.map import mapping
from zones.model.filters import apply_filter
from zones.present import views
from zones_app import loaders, state
from zones_app.analysis_tab import render_analysis_tab
from zones_app.context import Context, Paths
from zones_app.corrections import render_review_queue
from zones_app.export import render_downloads
from zones_app.gis_tab import render_gis_tab
from zones_app.header import render_header, render_load_error, render_page_css
from zones_app.map_tab import render_map_tab
from zones_app.sidebar import prepare_sidebar, render_sidebar
from zones_app.signin import current_user, render_signin


def tianditu_token(config: settings.Settings) -> str | None:
    """The Tianditu token: the environment (through settings), else Streamlit's secrets.toml."""
    try:
        return config.tianditu_token or st.secrets.get("TIANDITU_TOKEN")
    except Exception:  # no secrets.toml: not an error
        return None


st.set_page_config(page_title="宁波制造业布局 · Ningbo zones", page_icon="🏭", layout="wide")
query = state.read_query()

config = settings.current()
paths = Paths(store=config.store, geo_dir=config.geo_dir, data_dir=config.data_dir)
try:
    revision = loaders.revision(paths.store)
    ds = loaders.load(paths.store, revision)
except ZonesError as exc:
    render_load_error(loaders.display_name(paths.store), exc, state.first_lang(query))
    st.stop()

token = tianditu_token(config)
basemaps = mapping.available_basemaps(token)
state.init_session(ds, query, basemaps)  # first run of a session: the link's view
lang = st.session_state["lang"]
choices = loaders.filter_choices(paths.store, revision, lang)
basemap = prepare_sidebar(choices, basemaps)  # the widgets' values, valid before the map
user = current_user(paths.store)  # editors and reviewers; viewers need none
park_filter = state.current_filter(ds)
shown = apply_filter(ds, park_filter)
ctx = Context(
    ds=ds,
    paths=paths,
    revision=revision,
    lang=lang,
    basemap=basemap,
    token=token,
    park_filter=park_filter,
    shown=shown,
    shown_ids=frozenset(shown["id"]),
    user=user,
)

# The map is drawn first (the browser starts loading it while the rest follows); each part
# keeps its place on the page through the containers made before it.
render_page_css()
top = st.container()
labels = views.tab_labels(lang)
tab_map, tab_analysis, tab_gis = st.tabs(
    labels, key=state.TAB_KEY, on_change="rerun", default=labels[0]
)
with tab_map:
    render_map_tab(ctx)
with top:
    render_header(lang)
with tab_map:
    render_downloads(ctx)
if tab_analysis.open:
    with tab_analysis:
        render_analysis_tab(ctx)
if tab_gis.open:
    with tab_gis:
        render_review_queue(ctx, user)
        render_gis_tab(ctx)
render_sidebar(choices, lang, basemaps)
render_signin(paths.store, lang, user)

state.write_query(query, lang, basemap)
