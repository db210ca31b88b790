"""WGS84 <-> GCJ-02 <-> BD-09, vectorised with numpy (the obfuscated datums of Chinese web maps).

WGS84 -> GCJ-02 is the published closed formula (Krasovsky 1940 ellipsoid constants).
GCJ-02 -> WGS84 has no closed form; :func:`gcj02_to_wgs84` inverts the formula exactly by
fixed-point iteration. Points outside China's bounding box are left as they are, as every
implementation of the formula does.

BD-09 (Baidu Maps, and the coordinate picker most Chinese users copy points from) is a further
closed-form shift of GCJ-02 (:func:`gcj02_to_bd09`). The usual inverse formula is itself only
approximate (off by up to a few centimetres); :func:`bd09_to_gcj02` starts from it and then
iterates to the exact inverse, as :func:`gcj02_to_wgs84` does.

GCJ-02 coordinates are for drawing on GCJ-02 basemaps (AMap/Gaode, Tencent, GeoQ) only:
GeoJSON and every other export of zones is WGS84.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from zones.errors import ZonesError

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "gdf_to_gcj02",
    "shift_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = NDArray[np.float64]

#: Semi-major axis and first eccentricity squared of the Krasovsky 1940 ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323
#: China's bounding box as the formula's reference implementations define it.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271


def _in_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    return (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS84 in degrees at WGS84 ``lon``, ``lat`` (zero outside China)."""
    x = lon - 105.0
    y = lat - 35.0
    px, py = x * np.pi, y * np.pi
    common = (20.0 * np.sin(6.0 * px) + 20.0 * np.sin(2.0 * px)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(py) + 40.0 * np.sin(py / 3.0)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(py / 12.0) + 320.0 * np.sin(py / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(px) + 40.0 * np.sin(px / 3.0)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(px / 12.0) + 300.0 * np.sin(px / 30.0)) * 2.0 / 3.0

    radlat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _as_float(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_a, lat_a = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lon_a, lat_a


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS84 longitude/latitude (degrees) to GCJ-02 with the closed formula.

    Parameters
    ----------
    lon, lat
        Scalars or arrays (broadcast together). Points outside China's bounding box and NaN
        are returned unchanged.

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude, as float64 arrays of the broadcast shape.
    """
    lon_a, lat_a = _as_float(lon, lat)
    dlon, dlat = _offset(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    target_lon: FloatArray,
    target_lat: FloatArray,
    start: tuple[FloatArray, FloatArray],
    *,
    tol_deg: float,
    max_iter: int,
    name: str,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x) == target`` by fixed-point iteration from ``start``.

    Each step moves the estimate by the residual ``forward(estimate) - target``; the shifts
    vary so slowly with position that this converges geometrically. Raises ZonesError when
    some point has not converged to ``tol_deg`` after ``max_iter`` steps.
    """
    lon, lat = start[0].copy(), start[1].copy()
    for _ in range(max_iter):
        flon, flat = forward(lon, lat)
        step_lon, step_lat = flon - target_lon, flat - target_lat
        lon -= step_lon
        lat -= step_lat
        # NaN compares False, so NaN input does not stall the loop.
        if not np.any((np.abs(step_lon) > tol_deg) | (np.abs(step_lat) > tol_deg)):
            return lon, lat
    raise ZonesError(f"{name} did not converge to tol_deg={tol_deg} in max_iter={max_iter} steps")


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10, max_iter: int = 20
) -> tuple[FloatArray, FloatArray]:
    """Invert :func:`wgs84_to_gcj02` exactly by fixed-point iteration.

    Starting from the GCJ-02 point itself, each step moves the WGS84 estimate by the
    residual ``wgs84_to_gcj02(estimate) - target``; the offset varies so slowly that this
    converges geometrically (a handful of steps to 1e-10°, about 0.01 mm).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees, scalars or arrays (broadcast together).
    tol_deg
        Stop when every point's last step is at most this, in degrees.
    max_iter
        Give up after this many steps.

    Returns
    -------
    tuple of ndarray
        WGS84 longitude and latitude, float64 arrays of the broadcast shape.

    Raises
    ------
    ZonesError
        When some point has not converged after ``max_iter`` steps.
    """
    target_lon, target_lat = _as_float(lon, lat)
    return _invert(
        wgs84_to_gcj02,
        target_lon,
        target_lat,
        (target_lon, target_lat),
        tol_deg=tol_deg,
        max_iter=max_iter,
        name="gcj02_to_wgs84",
    )


#: Baidu's constant: pi * 3000 / 180.
_X_PI = np.pi * 3000.0 / 180.0
#: Baidu's fixed offset of BD-09 from GCJ-02, in degrees.
_BD_DLON, _BD_DLAT = 0.0065, 0.006


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift GCJ-02 longitude/latitude (degrees) to BD-09 with Baidu's closed formula.

    Scalars or arrays, broadcast together; NaN stays NaN.
    """
    x, y = _as_float(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd09_to_gcj02_approx(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The usual one-step inverse of :func:`gcj02_to_bd09` (off by up to a few centimetres)."""
    x, y = lon - _BD_DLON, lat - _BD_DLAT
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(
    lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10, max_iter: int = 20
) -> tuple[FloatArray, FloatArray]:
    """Invert :func:`gcj02_to_bd09` exactly: the one-step formula, then fixed-point iteration.

    Parameters and errors as :func:`gcj02_to_wgs84`; input is BD-09 degrees.
    """
    target_lon, target_lat = _as_float(lon, lat)
    return _invert(
        gcj02_to_bd09,
        target_lon,
        target_lat,
        _bd09_to_gcj02_approx(target_lon, target_lat),
        tol_deg=tol_deg,
        max_iter=max_iter,
        name="bd09_to_gcj02",
    )


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS84 to BD-09 (through GCJ-02), for drawing on Baidu tiles or checking a picked point."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """A point copied from Baidu Maps (BD-09) in WGS84 (through GCJ-02, both steps exact)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def shift_geometries(geoms: ArrayLike, *, to: Literal["gcj02", "wgs84"]) -> NDArray[np.object_]:
    """Shift every vertex of shapely geometries from one datum to the other.

    One vectorised call through :func:`shapely.transform`: vertex counts, ring closure,
    Z values, empty and missing geometries are kept.

    Parameters
    ----------
    geoms
        A shapely geometry or an array-like of them (lon/lat degrees).
    to
        ``"gcj02"`` to shift WGS84 geometries to GCJ-02, ``"wgs84"`` for the inverse.

    Returns
    -------
    ndarray
        The shifted geometries (a scalar geometry for a scalar input).
    """
    if to not in ("gcj02", "wgs84"):
        raise ZonesError(f"shift_geometries: to must be 'gcj02' or 'wgs84', got {to!r}")
    convert = wgs84_to_gcj02 if to == "gcj02" else gcj02_to_wgs84

    def _shift(coords: FloatArray) -> FloatArray:
        out = coords.copy()
        out[:, 0], out[:, 1] = convert(coords[:, 0], coords[:, 1])
        return out

    result: NDArray[np.object_] = shapely.transform(geoms, _shift, include_z=True)
    return result


def gdf_to_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` shifted to GCJ-02, only to draw on GCJ-02 tiles (AMap, Tencent, GeoQ).

    Never export the result: GeoJSON and the GeoPackage are WGS84 by definition, and the
    copy keeps the EPSG:4326 label (web maps read lon/lat) while its coordinates are
    shifted by hundreds of metres. ``result.attrs["datum"]`` is set to ``"GCJ-02"`` so that
    writers can refuse it. Input in another CRS is first reprojected to EPSG:4326.
    """
    if gdf.attrs.get("datum") == "GCJ-02":
        raise ZonesError("gdf_to_gcj02: the GeoDataFrame is already shifted to GCJ-02")
    out = gdf.copy() if gdf.crs is None or gdf.crs.equals("EPSG:4326") else gdf.to_crs(4326)
    out[out.geometry.name] = gpd.GeoSeries(
        shift_geometries(out.geometry.values, to="gcj02"), index=out.index, crs=out.crs
    )
    out.attrs["datum"] = "GCJ-02"
    return out
