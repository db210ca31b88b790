"""The Streamlit rendering of the map app (``app.py`` composes it), beside the library.

Kept out of ``src/zones`` because the library never imports Streamlit. One job per module:
:mod:`~zones_app.context` (what a rerun hands to the tabs), :mod:`~zones_app.loaders` (cached
loaders), :mod:`~zones_app.state` (session state and the link), :mod:`~zones_app.header`,
:mod:`~zones_app.sidebar`, :mod:`~zones_app.map_tab`, :mod:`~zones_app.analysis_tab`,
:mod:`~zones_app.gis_tab` and :mod:`~zones_app.export` (the download buttons).

Modules are imported once per process and run again at every rerun through their functions, so
nothing here keeps per-run state at module level (``st.session_state`` is a proxy).
"""
