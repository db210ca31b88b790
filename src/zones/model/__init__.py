"""The data model: the dataset's layers and fields, the input tables and their
rules, plan citations, and the park filters.

Imports: zones.errors, zones.settings, zones.geo, zones.text.
"""
