"""Planner's views of a Dataset: belt × industry matrix, belt overlap, park comparison, distances.

Pure functions over the layers of :class:`zones.model.dataset.Dataset`; nothing here draws or
writes.
Distances are geodesic on the WGS84 ellipsoid (pyproj.Geod), in kilometres.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pyproj import Geod

from zones.model.dataset import Dataset
from zones.model.filters import industry_ancestors

_GEOD = Geod(ellps="WGS84")

#: Transport node kinds that count for each connectivity column.
SEAPORT, AIRPORT, RAIL = ("seaport",), ("airport",), ("rail",)
#: How many belts may share a focus industry before it is flagged as a risk to 特色错位.
CROWDED_AT = 3


def geodesic_km(lon1, lat1, lon2, lat2) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Geodesic distance in km between WGS84 points (arrays broadcast together)."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    )
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres, dtype=float) / 1000.0


def nearest(
    lon: Sequence[float], lat: Sequence[float], nodes: pd.DataFrame, kinds: Sequence[str]
) -> tuple[list[float], list[str]]:
    """For each point, the distance (km) to and id of the nearest node of ``kinds``.

    Nodes without a coordinate are left out. With no usable node, distance is NaN and id "".
    """
    usable = nodes[nodes["kind"].isin(kinds) & nodes["lon"].notna() & nodes["lat"].notna()]
    if usable.empty:
        return [math.nan] * len(lon), [""] * len(lon)
    km = geodesic_km(
        np.asarray(lon, dtype=float)[:, None],
        np.asarray(lat, dtype=float)[:, None],
        usable["lon"].to_numpy(dtype=float)[None, :],
        usable["lat"].to_numpy(dtype=float)[None, :],
    )
    best = km.argmin(axis=1)
    ids = usable["id"].to_numpy()
    return [round(float(km[i, j]), 2) for i, j in enumerate(best)], [str(ids[j]) for j in best]


def connectivity(parks: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Per park: nearest seaport area, Lishe airport and nearest railway station, in km."""
    lon, lat = parks["lon"].tolist(), parks["lat"].tolist()
    port_km, port = nearest(lon, lat, nodes, SEAPORT)
    air_km, _ = nearest(lon, lat, nodes, AIRPORT)
    rail_km, rail = nearest(lon, lat, nodes, RAIL)
    return pd.DataFrame(
        {
            "nearest_port_km": port_km,
            "nearest_port": port,
            "airport_km": air_km,
            "nearest_rail_km": rail_km,
            "nearest_rail": rail,
        },
        index=parks.index,
    )


def _park_links(ds: Dataset, bases: Sequence[str]) -> pd.DataFrame:
    """One row per (belt, industry, basis, park): each link counted in every belt of the park.

    A link to a sub-industry also counts for every industry that includes it
    (:func:`zones.model.filters.industry_ancestors`), the rule the park filter follows: the parks of
    a cell are those the filter selects for that belt and industry.
    """
    return pd.DataFrame(
        _park_link_rows(ds, bases), columns=["belt_id", "industry_id", "basis", "park_id"]
    )


def _park_link_rows(ds: Dataset, bases: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """:func:`_park_links` as a list of (belt_id, industry_id, basis, park_id) tuples, built
    from plain lists (no per-row pandas)."""
    links = ds.park_industries[ds.park_industries["basis"].isin(bases)]
    belts_of = dict(zip(ds.parks["id"].tolist(), ds.parks["belt_ids"].tolist(), strict=True))
    ancestors = industry_ancestors(ds)
    return [
        (belt_id, counted, basis, park_id)
        for park_id, industry_id, basis in zip(
            links["park_id"].tolist(),
            links["industry_id"].tolist(),
            links["basis"].tolist(),
            strict=True,
        )
        for counted in ancestors.get(industry_id, (industry_id,))
        for belt_id in belts_of.get(park_id, [])
    ]


def belt_industry_pairs(ds: Dataset, column: str) -> set[tuple[str, str]]:
    """(belt id, industry id) for every industry in the belts' list ``column``."""
    return {
        (belt_id, industry_id)
        for belt_id, ids in zip(ds.belts["id"], ds.belts[column], strict=True)
        for industry_id in ids
    }


def belt_industry_matrix(
    ds: Dataset, *, bases: Sequence[str] = ("park", "belt", "source")
) -> pd.DataFrame:
    """Parks per industry per belt, by basis: one row per (belt, industry, basis) with parks > 0.

    A park counts in every belt of its ``belt_ids``, and for an industry when it is linked to
    it or to one of its sub-industries (a parent includes its sub-industries). Columns:
    belt_id, industry_id, basis, parks (count of distinct parks), focus (the plan names the
    industry a focus of the belt), cultivate (the plan says the belt cultivates it). Rows in
    plan order of industry, then belt order, then basis park / belt / source.
    """
    frame = _park_links(ds, bases)
    counts = (
        frame.groupby(["belt_id", "industry_id", "basis"])["park_id"]
        .nunique()
        .rename("parks")
        .reset_index()
    )
    pairs = list(zip(counts["belt_id"], counts["industry_id"], strict=True))
    focus, cultivate = (
        belt_industry_pairs(ds, "focus_industry_ids"),
        belt_industry_pairs(ds, "cultivate_industry_ids"),
    )
    counts["focus"] = [p in focus for p in pairs]
    counts["cultivate"] = [p in cultivate for p in pairs]
    rank = pd.DataFrame(
        {
            "i": counts["industry_id"].map({v: n for n, v in enumerate(ds.industries["id"])}),
            "b": counts["belt_id"].map({v: n for n, v in enumerate(ds.belts["id"])}),
            "k": counts["basis"].map({"park": 0, "belt": 1, "source": 2}),
        }
    )
    order = rank.sort_values(["i", "b", "k"]).index
    return counts.loc[order].reset_index(drop=True)


def matrix_table(ds: Dataset, *, bases: Sequence[str] = ("park", "belt", "source")) -> pd.DataFrame:
    """The matrix as a wide table: one row per industry (plan order), one column per belt id.

    Each cell is the number of distinct parks in that belt linked to that industry, or to one
    of its sub-industries, through any of ``bases``: with every basis, the count of
    ``apply_filter(ds, ParkFilter(belts=[belt], industries=[industry]))``; with ``("park",)``,
    the same with ``designated_only``. Industries no park is linked to are left out.
    """
    # The rule of _park_links as 0/1 matrices, so that no step goes link by link in Python:
    # linked (park x linked industry) @ counts_for (linked industry x industry it counts for)
    # gives the industries each park counts for; that, transposed, @ in_belt (park x belt)
    # gives the distinct parks of each cell.
    links = ds.park_industries[ds.park_industries["basis"].isin(bases)]
    industries, belts = ds.industries["id"].tolist(), ds.belts["id"].tolist()
    industry_col = {ident: n for n, ident in enumerate(dict.fromkeys(industries))}
    belt_col = {ident: n for n, ident in enumerate(dict.fromkeys(belts))}
    park_row = {ident: n for n, ident in enumerate(ds.parks["id"].tolist())}
    belt_lists = ds.parks["belt_ids"].tolist()

    park_codes, park_uniques = pd.factorize(links["park_id"])
    industry_codes, industry_uniques = pd.factorize(links["industry_id"])
    row_of = np.array([park_row.get(p, -1) for p in park_uniques.tolist()] + [-1], dtype=np.intp)
    rows = row_of[park_codes]  # a missing id (code -1) picks the trailing -1
    known = (rows >= 0) & (industry_codes >= 0)
    linked = np.zeros((len(belt_lists), len(industry_uniques)))
    linked[rows[known], industry_codes[known]] = 1.0

    ancestors = industry_ancestors(ds)
    counts_for = np.zeros((len(industry_uniques), len(industry_col)))
    for n, industry_id in enumerate(industry_uniques.tolist()):
        for counted in ancestors.get(industry_id, (industry_id,)):
            if counted in industry_col:
                counts_for[n, industry_col[counted]] = 1.0
    counted = (linked @ counts_for) > 0  # park x industry

    in_belt = np.zeros((len(belt_lists), len(belt_col)))
    in_some_belt = np.zeros(len(belt_lists), dtype=bool)  # any belt id, known or not
    for n in np.flatnonzero(linked.any(axis=1)).tolist():  # parks that have links
        for belt_id in belt_lists[n]:
            in_some_belt[n] = True
            if belt_id in belt_col:
                in_belt[n, belt_col[belt_id]] = 1.0
    # Listed: the industries some park of some belt counts for.
    listed = (counted & in_some_belt[:, None]).any(axis=0).tolist()
    cells = np.rint(counted.T.astype(float) @ in_belt).astype(np.int64).tolist()
    shown = [i for i in industries if listed[industry_col[i]]]
    return pd.DataFrame(
        [[cells[industry_col[i]][belt_col[b]] for b in belts] for i in shown],
        index=pd.Index(shown, name="industry_id"),
        columns=belts,
    )


def belt_overlap(ds: Dataset) -> pd.DataFrame:
    """For each pair of belts: the focus industries they share and their Jaccard similarity.

    Columns: belt_a, belt_b, shared (industry ids, plan order), jaccard (|A∩B| / |A∪B| of the
    two belts' focus industry sets, 0 when both are empty).
    """
    focus = dict(zip(ds.belts["id"], ds.belts["focus_industry_ids"], strict=True))
    order = {i: n for n, i in enumerate(ds.industries["id"])}
    rows = []
    for a, b in itertools.combinations(ds.belts["id"], 2):
        sa, sb = set(focus[a]), set(focus[b])
        union = sa | sb
        shared = sorted(sa & sb, key=lambda i: order.get(i, len(order)))
        jaccard = len(sa & sb) / len(union) if union else 0.0
        rows.append((a, b, shared, round(jaccard, 4)))
    return pd.DataFrame(rows, columns=["belt_a", "belt_b", "shared", "jaccard"])


def crowded_industries(ds: Dataset, at_least: int = CROWDED_AT) -> pd.DataFrame:
    """Industries that are a focus of ``at_least`` belts or more: a risk to 特色错位.

    Columns: industry_id, belts (belt ids), count; most-shared first, then plan order.
    """
    order = {i: n for n, i in enumerate(ds.industries["id"])}
    belts_by_industry: dict[str, list[str]] = {}
    for belt_id, ids in zip(ds.belts["id"], ds.belts["focus_industry_ids"], strict=True):
        for industry_id in ids:
            belts_by_industry.setdefault(industry_id, []).append(belt_id)
    rows = [(i, b, len(b)) for i, b in belts_by_industry.items() if len(b) >= at_least]
    rows.sort(key=lambda r: (-r[2], order.get(r[0], len(order))))
    return pd.DataFrame(rows, columns=["industry_id", "belts", "count"])


def park_distances(ds: Dataset, park_ids: Sequence[str]) -> pd.DataFrame:
    """Geodesic distances in km between the locations of ``park_ids`` (a square table)."""
    parks = ds.parks.set_index("id").loc[list(park_ids)]
    lon, lat = parks["lon"].to_numpy(float), parks["lat"].to_numpy(float)
    km = geodesic_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    return pd.DataFrame(np.round(km, 2), index=list(park_ids), columns=list(park_ids))


def compare_parks(ds: Dataset, park_ids: Sequence[str]) -> pd.DataFrame:
    """Two to four parks side by side: one column per park, one row per attribute.

    Raises ValueError for fewer than two or more than four ids, or an unknown id.
    """
    if not 2 <= len(park_ids) <= 4:
        raise ValueError(f"compare 2 to 4 parks, got {len(park_ids)}")
    parks = ds.parks.set_index("id")
    unknown = [p for p in park_ids if p not in parks.index]
    if unknown:
        raise ValueError(f"unknown park id(s): {', '.join(unknown)}")
    names = ds.industries.set_index("id")["name_zh"]
    tiers = ds.tiers.set_index("id")["name_zh"]
    tier_of = ds.industries.set_index("id")["tier_id"]
    links = ds.park_industries
    rows: dict[str, list[object]] = {}
    for pid in park_ids:
        park = parks.loc[pid]
        mine = links[links["park_id"] == pid]

        def by_basis(basis: str, mine: pd.DataFrame = mine) -> str:
            ids = list(dict.fromkeys(mine.loc[mine["basis"] == basis, "industry_id"]))
            return "、".join(
                f"{names[i]}（{tiers[tier_of[i]]}）" if tier_of[i] else str(names[i]) for i in ids
            )

        column = {
            "name_zh": park["name_zh"],
            "name_en": park["name_en"],
            "level": park["level"],
            "districts": "、".join(park["districts"]),
            "belts": "、".join(park["belts"]),
            "designated": by_basis("park"),
            "belt_focus": by_basis("belt"),
            "other_sources": by_basis("source"),
            "tiers": "、".join(park["tiers"]),
            "area_km2": park["area_km2"],
            "footprint": park["footprint"],
            "location_precision_m": park["location_precision_m"],
        }
        for col in ("nearest_port_km", "airport_km", "nearest_rail_km"):
            if col in parks.columns:
                column[col] = park[col]
        for key, value in column.items():
            rows.setdefault(key, []).append(value)
    return pd.DataFrame(rows, index=list(park_ids)).T
