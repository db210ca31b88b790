"""The browser assets the map needs, served by the app itself so it works with no internet.

``scripts/vendor_assets.sh`` copies them from npm packages into ``static/vendor/``; Streamlit
serves that folder at ``<base>/app/static/vendor/`` (``enableStaticServing = true`` in
``.streamlit/config.toml``). folium and streamlit-folium would otherwise load Leaflet, jQuery
and Bootstrap from public CDNs, and the map would stay blank offline.

:data:`PLUGINS` is the one list of what the map loads: Leaflet, each vendored plugin, and the
app's own map tools (``static/zones/``, not vendored). Adding a plugin is an entry in
``scripts/vendor_assets.sh``'s ``PACKAGES`` and one here; a folium plugin element that brings
its own CDN links goes through :func:`without_cdn`. A plugin only editors use (Leaflet.draw) is
marked ``editing``: only the map of a signed-in editor or reviewer loads it, so a viewer's map
loads exactly what it did before.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from zones.io.atomic import atomic_write
from zones.settings import ROOT

#: Folder Streamlit serves at /app/static/ (next to app.py).
STATIC_DIR = ROOT / "static"
#: URL path of STATIC_DIR when the app runs at the server root.
STATIC_URL = "/app/static"
#: Where :func:`publish` writes data files for the map (served at ``<static>/cache/``).
CACHE_DIR = STATIC_DIR / "cache"
#: Files of one kind kept in :data:`CACHE_DIR` (the newest): older store revisions go.
KEEP = 48
LEAFLET_VERSION = "1.9.4"

_log = logging.getLogger(__name__)
_unwritable: set[Path] = set()  # cache folders already reported as not writable


@dataclass(frozen=True)
class Plugin:
    """Browser files the map loads: scripts and stylesheets (paths under ``static/``).

    ``vendored``: copied from its npm package by ``scripts/vendor_assets.sh`` (and listed with
    its version and hashes in ``static/vendor/SOURCES.md``); else the app's own code.
    ``editing``: loaded only by the map of a signed-in editor or reviewer (the drawing tools).
    """

    name: str
    js: tuple[str, ...] = ()
    css: tuple[str, ...] = ()
    vendored: bool = True
    editing: bool = False


#: Everything the map loads, in load order: Leaflet, its plugins, then the app's map tools.
PLUGINS: tuple[Plugin, ...] = (
    Plugin("leaflet", js=("vendor/leaflet/leaflet.js",), css=("vendor/leaflet/leaflet.css",)),
    Plugin(
        "leaflet.fullscreen",
        js=("vendor/leaflet.fullscreen/Control.FullScreen.umd.js",),
        css=("vendor/leaflet.fullscreen/Control.FullScreen.css",),
    ),
    Plugin(
        "leaflet-draw",
        js=("vendor/leaflet-draw/leaflet.draw.js",),
        css=("vendor/leaflet-draw/leaflet.draw.css",),
        editing=True,
    ),
    Plugin(
        "zones",
        js=("zones/map-tools.js", "zones/many-parks.js"),
        css=("zones/map-tools.css",),
        vendored=False,
    ),
)


def _names(kind: str, editing: bool = True) -> tuple[tuple[str, str], ...]:
    out = []
    for plugin in PLUGINS:
        if plugin.editing and not editing:
            continue
        paths = plugin.js if kind == "js" else plugin.css
        for n, path in enumerate(paths):
            # Leaflet keeps folium's own names ("leaflet", "leaflet_css").
            name = plugin.name if kind == "js" else f"{plugin.name}_css"
            out.append((name if n == 0 else f"{name}{n}", path))
    return tuple(out)


#: (name, path under static/) of every script and stylesheet (an editor's map loads them
#: all), in load order.
JS: tuple[tuple[str, str], ...] = _names("js")
CSS: tuple[tuple[str, str], ...] = _names("css")


def static_url(base_url_path: str = "") -> str:
    """URL path of the static folder for Streamlit's ``server.baseUrlPath`` (``""`` or ``"x"``)."""
    base = base_url_path.strip("/")
    return f"/{base}{STATIC_URL}" if base else STATIC_URL


def js_links(base_url_path: str = "", *, editing: bool = False) -> list[tuple[str, str]]:
    """folium-style ``default_js``: (name, URL) of every script, served by the app; the
    ``editing`` plugins only for an editor's map."""
    root = static_url(base_url_path)
    return [(name, f"{root}/{path}") for name, path in _names("js", editing)]


def css_links(base_url_path: str = "", *, editing: bool = False) -> list[tuple[str, str]]:
    """folium-style ``default_css``: (name, URL) of every stylesheet, served by the app; the
    ``editing`` plugins only for an editor's map."""
    root = static_url(base_url_path)
    return [(name, f"{root}/{path}") for name, path in _names("css", editing)]


def publish(data: bytes, kind: str, folder: Path | None = None) -> str | None:
    """Write ``data`` as ``<kind>-<hash>.json`` in ``folder`` (default :data:`CACHE_DIR`; once:
    the name is its content's hash, so every app server on the machine shares it, and an
    unchanged file keeps its date, so browsers keep their copy) and return the file's name, to
    fetch at ``<static_url>/cache/<name>``. Keeps the :data:`KEEP` newest files of ``kind``.
    ``None`` when the folder cannot be written (a checkout the app's user may only read):
    logged once per folder, nothing half-written."""
    folder = CACHE_DIR if folder is None else folder
    name = f"{kind}-{hashlib.sha256(data).hexdigest()[:20]}.json"
    path = folder / name
    if path.is_file():
        return name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        if folder not in _unwritable:
            _unwritable.add(folder)
            _log.warning(
                "cannot write the map's data files to %s (%s): the map gets them in its "
                "messages instead (make the folder writable for the app's user)",
                folder,
                exc,
            )
        return None
    old = sorted(folder.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime)[:-KEEP]
    for stale in old:
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    return name


def cache_url(name: str, base_url_path: str = "") -> str:
    """URL path of a file :func:`publish` wrote."""
    return f"{static_url(base_url_path)}/cache/{name}"


def data_url(data: bytes) -> str:
    """``data`` (JSON) as a ``data:`` URL: the map fetches it as it would a served file."""
    return "data:application/json;base64," + base64.b64encode(data).decode("ascii")


def fetch_url(data: bytes, kind: str, base_url_path: str = "") -> str:
    """Where the map fetches ``data``: the file :func:`publish` wrote, served by the app (the
    browser caches it, a rerun's message carries only its URL), or, when the cache folder
    cannot be written, a ``data:`` URL holding it (slower: every rerun sends it, but the map
    still draws)."""
    name = publish(data, kind)
    return cache_url(name, base_url_path) if name else data_url(data)


def without_cdn(element: Any) -> Any:
    """``element`` (a folium plugin) without the CDN scripts and stylesheets it would load:
    the map loads every plugin's vendored copy (:data:`PLUGINS`) instead."""
    element.default_js = []
    element.default_css = []
    return element


def missing_assets(static_dir: Path = STATIC_DIR) -> list[str]:
    """Paths (under ``static/``) of vendored files that are not there; empty when all are."""
    return [path for _, path in JS + CSS if not (static_dir / path).is_file()]


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(("script", values["src"] or ""))
        elif tag == "link" and values.get("href"):
            self.urls.append(("link", values["href"] or ""))


def is_off_host(url: str) -> bool:
    """True when ``url`` would be fetched from another host (has a scheme or starts ``//``)."""
    parts = urlsplit(url.strip())
    return bool(parts.scheme or parts.netloc) or url.strip().startswith("//")


def off_host_links(html: str) -> list[str]:
    """Every ``<script src>`` and ``<link href>`` in ``html`` that points off this host.

    Also catches ``@import url(...)`` in inline styles. An empty list means the page loads
    no script or stylesheet from the internet.
    """
    parser = _LinkCollector()
    parser.feed(html)
    urls = [url for _, url in parser.urls]
    urls += re.findall(r"@import\s+(?:url\()?[\"']?([^\"')\s;]+)", html)
    return [u for u in urls if is_off_host(u)]
