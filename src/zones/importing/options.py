"""What an import is asked to do, as typed values: the bounds it enforces and the user's choices.

Every stage takes the one :class:`ImportOptions` the command line or the app made, instead of a
dict of options unpacked by string keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Bounds an import enforces before doing any work.

    Attributes
    ----------
    max_file_bytes
        Size of the file or upload.
    max_unpacked_bytes
        Total size of the members of a zip (as declared, and as really extracted).
    max_members
        Number of members in a zip.
    max_features
        Features read from the file.
    max_entities
        Entities read from a CAD drawing (DXF): lines, texts, hatches... of which only the
        closed shapes become features (at most ``max_features`` of them).
    """

    max_file_bytes: int = 100 * 2**20
    max_unpacked_bytes: int = 200 * 2**20
    max_members: int = 1000
    max_features: int = 10_000
    max_entities: int = 200_000


#: The bounds every import enforces unless told otherwise (read when an import runs).
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class ImportOptions:
    """The user's choices for one import.

    Attributes
    ----------
    source_crs
        The CRS of a file that has none (``EPSG:4549``...). A file declaring another CRS is
        refused rather than silently re-read.
    gcj02
        The coordinates are GCJ-02 (from a Chinese web map): convert them to WGS84.
    layer
        Layer of a GeoPackage, or dataset of a zip (``MEMBER`` or ``MEMBER:LAYER``), when it
        holds several.
    id_field, name_field
        Attribute holding the park id / name (default: the first of
        :data:`zones.importing.match.ID_FIELDS` / ``NAME_FIELDS`` present).
    encoding
        Encoding of a Shapefile's text when it has no .cpg, or of a DXF's layer names and texts
        when its code page is wrong (guessed otherwise).
    assign
        Explicit matches: feature label, id, or ``#n`` (feature number) -> park id. This is how
        a proposed close match is taken.
    limits
        Size bounds; None: :data:`DEFAULT_LIMITS` as it is when the import runs.
    """

    source_crs: str | None = None
    gcj02: bool = False
    layer: str | None = None
    id_field: str | None = None
    name_field: str | None = None
    encoding: str | None = None
    assign: Mapping[str, str] = field(default_factory=dict)
    limits: Limits | None = None

    @property
    def bounds(self) -> Limits:
        """The limits in force: :attr:`limits`, else :data:`DEFAULT_LIMITS`."""
        return self.limits or DEFAULT_LIMITS
