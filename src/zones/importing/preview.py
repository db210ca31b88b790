"""Stage four of an import: the preview, what it would do, as data and as text.

An :class:`ImportPreview` lists the features matched to a park (:class:`MatchedFeature`: these
are imported), those that resemble a park without matching one, those that resemble none
(:class:`UnmatchedFeature`), and every problem, each naming the file and feature. It remembers
the store and the versions of the parks it matched, which the apply stage checks. Attribute
text is shown as it is, minus control characters: never interpreted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from zones.errors import Problem
from zones.importing.messages import PREVIEW_TEXT, printable, problem_text


@dataclass(frozen=True)
class MatchedFeature:
    """A feature matched to a park.

    Attributes
    ----------
    feature
        1-based feature number in the file (across layers for KML).
    label
        What the file calls it (id or name), as plain text.
    park_id, park_name
        The park it is matched to.
    how
        ``id``, ``id (normalised)``, ``name``, ``name (normalised)`` or ``assigned``.
    geometry
        The polygon in WGS84, repaired and on the 1e-7 degree grid.
    area_km2
        Its area, measured in EPSG:4549.
    replaces
        ``indicative`` or ``surveyed``: what the park's footprint is now.
    note
        The feature's note attribute (plain text, maybe empty).
    previous
        The park's footprint it replaces (WGS84), when known.
    parts
        The features merged into this one (the shapes of one DXF layer), when several;
        ``feature`` is the first of them.
    """

    feature: int
    label: str
    park_id: str
    park_name: str
    how: str
    geometry: BaseGeometry
    area_km2: float
    replaces: str
    note: str = ""
    previous: BaseGeometry | None = None
    parts: tuple[int, ...] = ()


@dataclass(frozen=True)
class UnmatchedFeature:
    """A feature no park was matched to, with the parks it resembles ((id, name) pairs)."""

    feature: int
    label: str
    suggestions: tuple[tuple[str, str], ...] = ()


@dataclass
class ImportPreview:
    """What an import would do; nothing is written until
    :func:`~zones.importing.apply.apply_import`.

    Attributes
    ----------
    file
        The file as the user named it (a path, or ``upload.zip/parks.shp`` inside a zip).
    source
        The original file name recorded as each footprint's ``source``.
    crs
        The CRS the coordinates were read in.
    gcj02
        True when coordinates were converted from GCJ-02.
    features
        Features read.
    matched
        Features matched to a park, with usable polygons: these are imported.
    unmatched
        Features that resemble a park (see ``suggestions``) but match none exactly.
    new
        Features that resemble no park: zones does not know them (add them to data/parks.csv
        first). Neither unmatched nor new features are imported.
    problems
        Everything worth knowing, each naming the file and feature: errors (the feature is
        not imported), mismatches (a matched feature whose area or position is far from its
        park's records: imported only when confirmed) and notes (repairs, conversions).
    parks
        Number of parks known.
    store
        The store the parks were read from (its URL, a password hidden); None for a preview
        against a table of parks, which cannot be applied.
    versions
        The version of each matched park in that store when the preview was made: applying
        refuses the whole import when one of them has moved on since.
    revision
        The store's revision the preview was made at.
    """

    file: str
    source: str
    crs: str
    gcj02: bool
    features: int
    matched: list[MatchedFeature] = field(default_factory=list)
    unmatched: list[UnmatchedFeature] = field(default_factory=list)
    new: list[UnmatchedFeature] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    parks: int = 0
    store: str | None = None
    versions: dict[str, int] = field(default_factory=dict)
    revision: str | None = None

    @property
    def can_apply(self) -> bool:
        """True when at least one feature would be imported."""
        return bool(self.matched)

    @property
    def errors(self) -> list[Problem]:
        """The problems that kept a feature out."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def mismatches(self) -> list[Problem]:
        """Matched features far from their park's recorded area or location."""
        return [p for p in self.problems if p.severity == "mismatch"]

    @property
    def needs_confirmation(self) -> bool:
        """True when applying needs ``confirm_mismatch`` (see :attr:`mismatches`)."""
        return bool(self.mismatches)

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per feature (for a table in the app): status, feature, label, park,
        how, area, replaces, suggestions."""
        out: list[dict[str, Any]] = []
        for m in self.matched:
            out.append(
                {
                    "status": "matched",
                    "feature": m.feature,
                    "label": m.label,
                    "park_id": m.park_id,
                    "park_name": m.park_name,
                    "how": m.how,
                    "area_km2": round(m.area_km2, 3),
                    "replaces": m.replaces,
                    "suggestions": "",
                }
            )
        for status, items in (("unmatched", self.unmatched), ("new", self.new)):
            for u in items:
                out.append(
                    {
                        "status": status,
                        "feature": u.feature,
                        "label": u.label,
                        "park_id": "",
                        "park_name": "",
                        "how": "",
                        "area_km2": math.nan,
                        "replaces": "",
                        "suggestions": "; ".join(f"{i} {n}" for i, n in u.suggestions),
                    }
                )
        return sorted(out, key=lambda r: r["feature"])

    def text(self, lang: str = "zh", problem_lang: str | None = None) -> str:
        """The preview as plain text in ``zh`` or ``en`` (attribute text shown as it is, minus
        control characters: never interpreted); problems in ``problem_lang`` (default
        ``lang``)."""
        s = PREVIEW_TEXT["en" if lang == "en" else "zh"]
        lines = [
            s["head"].format(
                file=self.file,
                n=self.features,
                crs=self.crs + (" GCJ-02" if self.gcj02 else ""),
            )
        ]
        lines.append(
            s["summary"].format(
                matched=len(self.matched),
                unmatched=len(self.unmatched),
                new=len(self.new),
                errors=len(self.errors),
                mismatches=len(self.mismatches),
                notes=len(self.problems) - len(self.errors) - len(self.mismatches),
            )
        )
        if self.matched:
            lines.append(s["matched"].format(n=len(self.matched)))
        for m in self.matched:
            replaces = s["replaces_" + m.replaces]
            lines.append(
                s["matched_row"].format(
                    feature=m.feature,
                    label=m.label,
                    park=m.park_id,
                    name=m.park_name,
                    how=s["how"].get(m.how, m.how),
                    km2=f"{m.area_km2:.3f}",
                    replaces=replaces,
                )
            )
        if self.unmatched:
            lines.append(s["unmatched"].format(n=len(self.unmatched)))
        for u in self.unmatched:
            maybe = ", ".join(f"{i} {n}" for i, n in u.suggestions)
            lines.append(s["unmatched_row"].format(feature=u.feature, label=u.label, maybe=maybe))
        if self.new:
            lines.append(s["new"].format(n=len(self.new)))
        for u in self.new:
            lines.append(s["new_row"].format(feature=u.feature, label=u.label))
        if self.problems:
            lines.append(s["problems"].format(n=len(self.problems)))
            shown = problem_lang or lang
            lines += [
                f"  {problem_text(p, shown)}" for p in sorted(self.problems, key=Problem.sort_key)
            ]
        lines.append(s["ok"].format(n=len(self.matched)) if self.can_apply else s["nothing"])
        if self.can_apply and self.mismatches:
            rows = {p.row for p in self.mismatches}
            lines.append(s["confirm"].format(n=len(rows)))
        return "\n".join(printable(line) for line in lines)
