"""Kept for code written before the import moved into stages: ``zones.importer`` is
:mod:`zones.importing` (import from there). Nothing is defined here."""

from zones.importing import *  # noqa: F403
from zones.importing import __all__ as __all__
