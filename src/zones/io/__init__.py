"""Files out: the format registry, one layer preparation, the writers (GeoJSON,
CSV, GeoPackage, KML, File Geodatabase, the GIS bundle), QGIS styles and atomic
writes.

Imports: zones.model, zones.geo, zones.text, zones.map.styles.
"""
