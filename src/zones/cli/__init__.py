"""The `zones` command line: thin wrappers over the library.

Imports: anything in zones.
"""
