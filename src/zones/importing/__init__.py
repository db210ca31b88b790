"""Import surveyed park boundaries from a GIS team, in stages, into the store's log.

The same for the command line (`zones import`) and the app (an upload):

1. **stage** (:mod:`~zones.importing.stage`): the file into a private folder; a zip or KMZ
   checked, then unpacked; the one dataset picked, its sidecars found. The file's format is
   decided here, once, from the registry (:data:`zones.io.formats.FORMATS`), and every later
   stage is given the resulting :class:`~zones.importing.stage.Source`.
2. **read** (:mod:`~zones.importing.read`): the format's reader checks the content, chooses
   the layers, reads them in their CRS (or the one named for a file without), guesses a
   Shapefile's encoding; geometries are reprojected to WGS84 and cleaned.
3. **match** (:mod:`~zones.importing.match`, :mod:`~zones.importing.parks`): each feature to a
   park, by id, else by name; checked against Ningbo's land and the park's records.
4. **preview** (:mod:`~zones.importing.preview`, :mod:`~zones.importing.pipeline`): an
   :class:`ImportPreview` (matched, unmatched, new, problems) with a ``text(lang)``
   rendering, and the versions of the parks it matched. Nothing is written.
5. **apply** (:mod:`~zones.importing.apply`): one batch of ``footprint`` changes in the
   store's log, in one transaction, refused whole when a park moved on since the preview;
   :func:`undo_import` reverts the author's last import.

The user's choices travel as one :class:`~zones.importing.options.ImportOptions`; what the
import says, in English and Chinese, is :mod:`~zones.importing.messages`.
"""

from zones.importing.apply import (
    IMPORT_NOTE,
    ImportBatch,
    ImportResult,
    UndoResult,
    apply_import,
    import_batches,
    undo_import,
)
from zones.importing.match import (
    AREA_RATIO,
    ID_FIELDS,
    LAND_BUFFER_M,
    MISMATCH_DISTANCE_M,
    NAME_FIELDS,
)
from zones.importing.messages import (
    ImportProblem,
    ImportRefused,
    error_message,
    problem_text,
    safe_file_name,
)
from zones.importing.options import DEFAULT_LIMITS, ImportOptions, Limits
from zones.importing.parks import Target, load_parks
from zones.importing.pipeline import preferred_layer, preview_file, preview_upload, upload_layers
from zones.importing.preview import ImportPreview, MatchedFeature, UnmatchedFeature
from zones.importing.stage import Source

__all__ = [
    "AREA_RATIO",
    "DEFAULT_LIMITS",
    "ID_FIELDS",
    "IMPORT_NOTE",
    "LAND_BUFFER_M",
    "MISMATCH_DISTANCE_M",
    "NAME_FIELDS",
    "ImportBatch",
    "ImportOptions",
    "ImportPreview",
    "ImportProblem",
    "ImportRefused",
    "ImportResult",
    "Limits",
    "MatchedFeature",
    "Source",
    "Target",
    "UndoResult",
    "UnmatchedFeature",
    "apply_import",
    "error_message",
    "import_batches",
    "load_parks",
    "preferred_layer",
    "preview_file",
    "preview_upload",
    "problem_text",
    "safe_file_name",
    "undo_import",
    "upload_layers",
]
