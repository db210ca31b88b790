"""Realistic synthetic parks at any scale, for benchmarks and the tests that check correctness
at scale (every park clickable, filters exact).

Parks are drawn the way Ningbo's are laid out: clustered around the real parks and the district
seats (most enterprise parks sit in or next to a development zone), with areas log-normally
spread (median 0.6 km², from 0.02 km² micro-parks to 40 km² zones), as irregular polygons
(8-14 vertices) inside Ningbo's land, valid, each with the district and belts holding its point,
industries and a level taken from a real park of its district. Seeded: the same ``n`` and
``seed`` give the same parks.

    synthetic_dataset(base, 50_000)          # a Dataset, as the app and exports read it
    write_synthetic_inputs(root, 50_000)     # geo/ and data/ for `zones build` at that scale
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zones.geo import geometry as geo
from zones.model.dataset import Dataset
from zones.present.analysis import connectivity
from zones.settings import DATA_DIR, GEO_DIR

#: Log-normal park areas: median and spread (km²), clipped to this range.
AREA_MEDIAN_KM2, AREA_SIGMA = 0.6, 1.2
AREA_MIN_KM2, AREA_MAX_KM2 = 0.02, 40.0
#: Spread of parks around their cluster seed (degrees, ~5 km).
SCATTER_DEG = 0.045


def _seeds(base: Dataset, rng: np.random.Generator) -> np.ndarray:
    """Cluster seeds: the real parks' points and a representative point of every district."""
    parks = base.parks[["lon", "lat"]].to_numpy(dtype=float)
    districts = np.array(
        [[p.x, p.y] for p in base.districts.geometry.representative_point()], dtype=float
    )
    seeds = np.vstack([parks, districts])
    return seeds[rng.permutation(len(seeds))]


def _polygon(lon: float, lat: float, area_km2: float, rng: np.random.Generator) -> shapely.Polygon:
    """An irregular star-shaped polygon of about ``area_km2`` around (lon, lat)."""
    k = int(rng.integers(8, 15))
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radii = rng.uniform(0.7, 1.3, k)
    # A polygon of these radii has area 0.5 * sum(r_i r_{i+1} sin(da)); scale it to area_km2.
    dangles = np.diff(np.append(angles, angles[0] + 2 * np.pi))
    unit = 0.5 * np.sum(radii * np.roll(radii, -1) * np.sin(dangles))
    r_m = np.sqrt(area_km2 * 1e6 / max(unit, 1e-6)) * radii
    dlat = r_m * np.sin(angles) / 111_320.0
    dlon = r_m * np.cos(angles) / (111_320.0 * np.cos(np.radians(lat)))
    return shapely.Polygon(np.column_stack([lon + dlon, lat + dlat]))


def synthetic_parks(base: Dataset, n: int, *, seed: int = 7) -> gpd.GeoDataFrame:
    """``n`` synthetic parks shaped like ``base.parks`` (same columns), inside Ningbo's land."""
    rng = np.random.default_rng(seed)
    land = shapely.union_all(list(base.districts.geometry))
    shapely.prepare(land)
    seeds = _seeds(base, rng)
    weights = rng.pareto(1.2, len(seeds)) + 1  # a few big clusters, many small ones
    weights /= weights.sum()
    points: list[tuple[float, float]] = []
    while len(points) < n:
        want = (n - len(points)) * 2
        which = rng.choice(len(seeds), size=want, p=weights)
        xy = seeds[which] + rng.normal(0, SCATTER_DEG, (want, 2)) * [1.15, 1.0]
        inside = shapely.contains_xy(land, xy[:, 0], xy[:, 1])
        points.extend(map(tuple, xy[inside][: n - len(points)]))
    xy = np.array(points)
    areas = np.clip(
        rng.lognormal(np.log(AREA_MEDIAN_KM2), AREA_SIGMA, n), AREA_MIN_KM2, AREA_MAX_KM2
    )
    shapes = [_polygon(x, y, a, rng) for (x, y), a in zip(xy, areas, strict=True)]
    shapes_a = shapely.make_valid(np.array(shapes, dtype=object))
    clipped = shapely.set_precision(shapes_a, geo.GRID_DEG)
    crossing = ~shapely.contains(land, shapes_a)  # clip only the parks that reach the sea
    clipped[crossing] = shapely.intersection(shapes_a[crossing], land, grid_size=geo.GRID_DEG)
    clipped = shapely.make_valid(clipped)
    footprints = [_largest_polygon(g, s) for g, s in zip(clipped, shapes, strict=True)]

    districts = base.districts.reset_index(drop=True)
    tree = shapely.STRtree(districts.geometry.to_numpy())
    hit_point, hit_geom = tree.query(shapely.points(xy), predicate="intersects")
    district_of = np.zeros(n, dtype=int)
    district_of[hit_point] = hit_geom
    belts = base.belts.reset_index(drop=True)
    belt_tree = shapely.STRtree(belts.geometry.to_numpy())
    in_belt = belt_tree.query(shapely.points(xy), predicate="intersects")
    belt_ids: list[list[str]] = [[] for _ in range(n)]
    belt_at = [str(b) for b in belts["id"]]
    for p, b in zip(*in_belt, strict=True):
        belt_ids[p].append(belt_at[b])
    belt_name = dict(zip(belts["id"], belts["name_zh"], strict=True))

    like_rows = base.parks.reset_index(drop=True).to_dict("records")
    adcodes = [str(a) for a in districts["adcode"]]
    names = [str(a) for a in districts["name_zh"]]
    by_district = {
        a: [j for j, r in enumerate(like_rows) if a in map(str, r["district_adcodes"])]
        for a in adcodes
    }
    rows = []
    for i in range(n):
        adcode = adcodes[district_of[i]]
        pool = by_district.get(adcode) or range(len(like_rows))
        row = dict(like_rows[int(rng.choice(pool))])
        row.update(
            id=f"syn-{i:05d}",
            name_zh=f"合成园区{i:05d}",
            name_en=f"Synthetic park {i:05d}",
            district_adcodes=[adcode],
            districts=[names[district_of[i]]],
            belt_ids=belt_ids[i],
            belts=[belt_name[b] for b in belt_ids[i]],
            platform_belt_ids=[],
            lon=round(float(xy[i, 0]), 6),
            lat=round(float(xy[i, 1]), 6),
            location_basis="estimated",
            location_precision_m=500,
            location_note="Synthetic park (benchmarks/synthetic.py): not a real place.",
            area_km2=round(float(areas[i]), 3),
            area_source="synthetic",
            footprint="indicative" if i % 5 else "surveyed",
            footprint_area_km2=round(geo.area_km2(footprints[i]), 3),
            sources=["synthetic"],
            notes="Synthetic: for benchmarks and scale tests only.",
            geometry=footprints[i],
        )
        rows.append(row)
    parks = gpd.GeoDataFrame(
        rows, columns=base.parks.columns, geometry="geometry", crs=base.parks.crs
    )
    fresh = connectivity(parks, base.transport_nodes)
    for column in fresh.columns:
        parks[column] = fresh[column].to_numpy()
    return parks


def _largest_polygon(geom: shapely.Geometry, fallback: shapely.Polygon) -> shapely.Geometry:
    """The largest polygon of ``geom`` (clipping may leave slivers or collections)."""
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not polys:
        return shapely.set_precision(fallback.buffer(0), geo.GRID_DEG)
    return max(polys, key=lambda g: g.area)


def synthetic_dataset(base: Dataset, n: int, *, seed: int = 7) -> Dataset:
    """``base`` with its parks replaced by ``n`` synthetic ones (links follow the parks'
    industry lists, basis ``source``)."""
    parks = synthetic_parks(base, n, seed=seed)
    links = pd.DataFrame(
        [
            {
                "park_id": pid,
                "industry_id": ind,
                "basis": "source",
                "source": "synthetic",
                "note": "",
            }
            for pid, inds in zip(parks["id"], parks["industry_ids"], strict=True)
            for ind in inds
        ],
        columns=base.park_industries.columns,
    )
    return dataclasses.replace(base, parks=parks, park_industries=links)


def write_synthetic_inputs(root: Path, n: int, *, seed: int = 7) -> tuple[Path, Path]:
    """A copy of geo/ and data/ under ``root`` whose data/parks.csv holds ``n`` more synthetic
    parks (a point, an area, a district; links to industries): the input of `zones build` at
    that scale. Returns (geo_dir, data_dir)."""
    from zones.store import open_store

    geo_dir, data_dir = root / "geo", root / "data"
    for src, dst in ((GEO_DIR, geo_dir), (DATA_DIR, data_dir)):
        shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.lock"))
    (geo_dir / "surveyed_footprints.geojson").unlink(missing_ok=True)
    base = open_store(_built(root)).dataset()
    parks = synthetic_parks(base, n, seed=seed)
    with (data_dir / "parks.csv").open("a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in parks.itertuples():
            writer.writerow(
                [row.id, row.name_zh, row.name_en, "unknown", "", row.type, "",
                 row.district_adcodes[0], row.lon, row.lat, "estimated", 500, "",
                 "Synthetic park: not a real place.", row.area_km2, "synthetic", "",
                 "synthetic", ""]
            )  # fmt: skip
    with (data_dir / "park_industries.csv").open("a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for pid, inds in zip(parks["id"], parks["industry_ids"], strict=True):
            for ind in inds[:3]:
                writer.writerow([pid, ind, "source", "synthetic", ""])
    return geo_dir, data_dir


def _built(root: Path) -> Path:
    """The real data built once under ``root`` (the template of the synthetic parks)."""
    from zones.build.assemble import build

    out = root / "real.gpkg"
    if not out.exists():
        build(out)
    return out
