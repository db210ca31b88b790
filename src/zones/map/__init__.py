"""The map: folium layers, styles and colourings, labels, search keys, and the
browser assets the app serves itself.

Imports: zones.model, zones.geo, zones.text.
"""
