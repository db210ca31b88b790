"""Stage five of an import: record the previewed footprints in the store's log, or undo that.

:func:`apply_import` records the matched features of a preview as one batch of ``footprint``
changes (:mod:`zones.store.log`), in one transaction, each made against the version of its
park the preview saw: a park that moved on since refuses the whole batch, naming who changed
it and when, and nothing is written. Readers see accepted changes at once (the store overlays
them on the built layers), so nothing is rebuilt.

:func:`undo_import` reverts, in one transaction, the changes of the last import by the same
author that are still accepted (never somebody else's); each undo goes one import further
back. The log keeps everything: nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from zones.geo.geometry import for_export
from zones.importing.messages import MESSAGES, ImportRefused, problem_text, refused
from zones.importing.preview import ImportPreview, MatchedFeature
from zones.io.geojson import geometry_json
from zones.store.log import ChangeError, NewChange, StaleChangeError

if TYPE_CHECKING:
    from zones.store import Change, Store

#: How every note of an import starts (what :func:`import_batches` recognises).
IMPORT_NOTE = "Surveyed boundary imported from"


@dataclass(frozen=True)
class ImportResult:
    """What :func:`apply_import` recorded: the store, the batch, its changes (one per park
    imported, in the preview's order), and whether they were accepted at once."""

    store: str
    batch: str
    change_ids: tuple[int, ...]
    imported: tuple[str, ...]
    accepted: bool


@dataclass(frozen=True)
class ImportBatch:
    """One import in the log: its batch, file, author, when, and the changes of it still in
    force (accepted) with their parks."""

    batch: str
    source: str
    author: str
    created_at: str
    change_ids: tuple[int, ...]
    parks: tuple[str, ...]


@dataclass(frozen=True)
class UndoResult:
    """What :func:`undo_import` reverted: the import (its batch) and the changes of it that
    were still accepted."""

    store: str
    undone: ImportBatch
    reverted: tuple[int, ...]


def apply_import(
    preview: ImportPreview,
    store: Store,
    *,
    author: str,
    accept: bool = True,
    confirm_mismatch: bool = False,
    imported_on: date | None = None,
) -> ImportResult:
    """Record the matched features of ``preview`` in ``store``'s log as one batch.

    Each becomes a ``footprint`` change of its park (new value: the polygon as RFC 7946
    GeoJSON, WGS84 on the 1e-7 degree grid; old value: the footprint it replaces) with the
    file's name as its source and a note saying where it came from (the feature, the date,
    the file's own note, and any mismatch confirmed), made against the park's version in the
    preview. ``accept`` accepts them at once (the command line of the server, the app's GIS
    tab); otherwise they wait, proposed, for a reviewer (`zones changes accept`).

    Raises
    ------
    ImportRefused
        When the preview has nothing to import, has mismatches and ``confirm_mismatch`` is
        false, was not made against this store, or a park moved on since (nothing written).
    ChangeError, StoreError
        When the store refuses a change (it checks every value) or cannot be written.
    """
    if not preview.can_apply:
        raise refused("nothing_to_import", file=preview.file)
    if preview.needs_confirmation and not confirm_mismatch:
        raise _unconfirmed(preview)
    if preview.store != store.url or any(
        m.park_id not in preview.versions for m in preview.matched
    ):
        made = preview.store or "a table of parks"
        raise refused("other_store", file=preview.file, made=made, store=store.url)
    when = (imported_on or date.today()).isoformat()
    changes = [
        NewChange(
            park_id=m.park_id,
            kind="footprint",
            new_value={"geometry": geometry_json(for_export(m.geometry))},
            source=preview.source,
            note=_note(preview, m, when),
            old_value=_old_value(m),
            base_version=preview.versions[m.park_id],
        )
        for m in preview.matched
    ]
    try:
        ids = store.propose(changes, author=author, accept=accept, comment="accepted on import")
    except StaleChangeError as exc:
        now = exc.now
        raise refused(
            "stale",
            park=exc.park_id,
            seen=exc.seen,
            now=now.version,
            change=now.change_id,
            by=now.by,
            at=now.at,
            file=preview.file,
        ) from exc
    batch = store.change(ids[0]).batch
    parks = tuple(m.park_id for m in preview.matched)
    return ImportResult(store.url, batch, tuple(ids), parks, accept)


def _unconfirmed(preview: ImportPreview) -> ImportRefused:
    en, zh = MESSAGES["unconfirmed"]
    n = len({p.row for p in preview.mismatches})
    return ImportRefused(
        en.format(n=n, details="\n".join(f"  {problem_text(p, 'en')}" for p in preview.mismatches)),
        zh.format(n=n, details="\n".join(f"  {problem_text(p, 'zh')}" for p in preview.mismatches)),
    )


def _note(preview: ImportPreview, match: MatchedFeature, when: str) -> str:
    """The change's note: where the footprint came from, and any mismatch confirmed."""
    which = (
        f"features {', '.join(str(n) for n in match.parts)}"
        if match.parts
        else f"feature {match.feature}"
    )
    note = f"{IMPORT_NOTE} {preview.source} ({which}) on {when}."
    if match.note:
        note += f" Note in the file: {match.note}"
    confirmed = [p.message for p in preview.mismatches if p.row == match.feature]
    if confirmed:
        note += MESSAGES["confirmed_note"][0].format(what="; ".join(confirmed))
    return note


def _old_value(match: MatchedFeature) -> dict[str, object]:
    """What the change replaces: the kind of footprint, and its polygon when known."""
    old: dict[str, object] = {"footprint": match.replaces}
    if match.previous is not None and not match.previous.is_empty:
        old["geometry"] = geometry_json(for_export(match.previous))
    return old


def import_batches(store: Store, author: str) -> list[ImportBatch]:
    """The imports by ``author`` with changes still in force, oldest first."""
    found: dict[str, list[Change]] = {}
    for change in store.changes(status="accepted"):
        if (
            change.author == author
            and change.kind == "footprint"
            and change.note.startswith(IMPORT_NOTE)
        ):
            found.setdefault(change.batch, []).append(change)
    batches = [
        ImportBatch(
            batch=batch,
            source=group[0].source,
            author=author,
            created_at=group[0].created_at,
            change_ids=tuple(c.id for c in group),
            parks=tuple(c.park_id for c in group),
        )
        for batch, group in found.items()
    ]
    return sorted(batches, key=lambda b: b.change_ids[0])


def undo_import(store: Store, *, author: str, comment: str = "") -> UndoResult:
    """Revert, in one transaction, the changes of ``author``'s last import still accepted.

    Raises
    ------
    ImportRefused
        When ``author`` has no import in force, or it changed while being undone (someone
        reverted one of its changes meanwhile): nothing is undone.
    """
    batches = import_batches(store, author)
    if not batches:
        raise refused("nothing_to_undo", store=store.url, author=author)
    last = batches[-1]
    why = comment or f"undo of the import of {last.source} ({last.created_at})"
    try:
        done = store.revert_all(last.change_ids, by=author, comment=why)
    except ChangeError as exc:
        raise refused("undo_conflict", source=last.source, reason=exc) from exc
    return UndoResult(store.url, last, tuple(c.id for c in done))
