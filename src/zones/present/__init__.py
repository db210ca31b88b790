"""What people read: park details, the analysis, the briefing (HTML and PDF),
the app's views and its URL state (no Streamlit here).

Imports: zones.model, zones.geo, zones.text, zones.io, zones.map, zones.store,
zones.importing.
"""
