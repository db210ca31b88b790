"""Coordinates: CRS choices and precision, WGS84/GCJ-02/BD-09 datums, measuring
and drawing geometry.

Imports: zones.errors, zones.text.
"""
