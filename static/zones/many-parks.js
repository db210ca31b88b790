/*
 * zones many parks: every park drawn on one canvas, for datasets of thousands of parks.
 *
 * With a few dozen parks the map draws each one as its own Leaflet polygon (SVG, map-tools.js
 * finds them). With thousands, that costs seconds per filter change and freezes pans, so the
 * server (zones.map.many) writes the parks once per store revision as one compact file that
 * the app serves statically, and each rerun sends only what changed: which parks the filter
 * shows (a bitmask) and their fill colours (one byte each). This script:
 *
 *   - fetches the file once per page (kept across reruns) and indexes the parks on a grid;
 *   - draws on one canvas only the parks in view: a dot for a park smaller than ``minPx`` on
 *     screen (one per pixel), its polygon otherwise (the MAX_POLYGONS largest in view at most),
 *     outlines by footprint kind (as the SVG map), the selected park outlined, names from
 *     ``labelZoom`` on (MAX_LABELS at most, overlapping ones left out), so that no frame
 *     draws more than a pan can wait for;
 *   - answers hover (a tooltip with the name and the caveats, and the park's outline drawn
 *     thicker on a canvas of its own, as the SVG map thickens it) and click (the park under the
 *     pointer, smallest first, or the nearest dot) by looking in the grid, and tells
 *     streamlit-folium of the click as its own GeoJSON layers do (``last_active_drawing``).
 *
 *   ZonesMap.many(group, config)  called from the park group the server swaps in (each rerun).
 *
 * Names reach the page only through textContent and the canvas, never as HTML.
 */
(function () {
    "use strict";

    var Z = (window.ZonesMap = window.ZonesMap || {});
    var tables = {};  // url -> Promise of the decoded table (fetched once per page)
    var CELL = 0.02;  // grid cell, degrees
    var MAX_POLYGONS = 800;  // drawn as polygons per frame at most (the largest); the rest dots
    var MAX_LABELS = 150;  // names per frame at most
    var LABEL_CELL = 64;  // pixels: the cells of the labels' collision index

    // ----------------------------------------------------------------------------------------
    // The table: decoded once

    function mercX(lon) { return (lon + 180) / 360; }
    function mercY(lat) {
        var s = Math.sin(Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI / 180);
        return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }

    /** Rings of every park as Web Mercator unit coordinates, boxes, points and a grid index. */
    function decode(raw) {
        var n = raw.ids.length, k = 1 / raw.scale;
        var rings = new Array(n), box = new Float64Array(4 * n), merc = new Float64Array(4 * n);
        var pt = new Float64Array(2 * n), mpt = new Float64Array(2 * n), grid = new Map();
        var size = new Float64Array(n);
        for (var i = 0; i < n; i++) {
            var w = Infinity, s = Infinity, e = -Infinity, no = -Infinity;
            rings[i] = raw.rings[i].map(function (deltas) {
                var out = new Float64Array(deltas.length), x = 0, y = 0;
                for (var j = 0; j < deltas.length; j += 2) {
                    x += deltas[j];
                    y += deltas[j + 1];
                    var lon = x * k, lat = y * k;
                    out[j] = mercX(lon);
                    out[j + 1] = mercY(lat);
                    if (lon < w) { w = lon; }
                    if (lon > e) { e = lon; }
                    if (lat < s) { s = lat; }
                    if (lat > no) { no = lat; }
                }
                return out;
            });
            pt[2 * i] = raw.pt[2 * i] * k;
            pt[2 * i + 1] = raw.pt[2 * i + 1] * k;
            if (!isFinite(w)) { w = e = pt[2 * i]; s = no = pt[2 * i + 1]; }
            box[4 * i] = w; box[4 * i + 1] = s; box[4 * i + 2] = e; box[4 * i + 3] = no;
            merc[4 * i] = mercX(w); merc[4 * i + 1] = mercY(s);
            merc[4 * i + 2] = mercX(e); merc[4 * i + 3] = mercY(no);
            size[i] = Math.max(merc[4 * i + 2] - merc[4 * i], merc[4 * i + 1] - merc[4 * i + 3]);
            mpt[2 * i] = mercX(pt[2 * i]);
            mpt[2 * i + 1] = mercY(pt[2 * i + 1]);
            for (var cx = Math.floor(w / CELL); cx <= Math.floor(e / CELL); cx++) {
                for (var cy = Math.floor(s / CELL); cy <= Math.floor(no / CELL); cy++) {
                    var key = cx * 100000 + cy, list = grid.get(key);
                    if (list) { list.push(i); } else { grid.set(key, [i]); }
                }
            }
        }
        var index = new Map();
        raw.ids.forEach(function (id, i) { index.set(id, i); });
        return {raw: raw, n: n, rings: rings, box: box, merc: merc, size: size, pt: pt, mpt: mpt,
            grid: grid, index: index};
    }

    function load(url) {
        if (!tables[url]) {
            var began = performance.now(), fetched;
            tables[url] = fetch(url, {credentials: "same-origin"})
                .then(function (r) {
                    if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
                    return r.json();
                })
                .then(function (raw) {
                    fetched = performance.now();
                    var t = decode(raw);
                    t.timing = {fetchMs: fetched - began, decodeMs: performance.now() - fetched};
                    return t;
                });
            tables[url].catch(function () { delete tables[url]; });
        }
        return tables[url];
    }

    /** Parks whose box meets the rectangle (degrees), each once. */
    function query(t, w, s, e, n) {
        var out = [], seen = new Uint8Array(t.n);
        for (var cx = Math.floor(w / CELL); cx <= Math.floor(e / CELL); cx++) {
            for (var cy = Math.floor(s / CELL); cy <= Math.floor(n / CELL); cy++) {
                var list = t.grid.get(cx * 100000 + cy);
                if (!list) { continue; }
                for (var j = 0; j < list.length; j++) {
                    var i = list[j];
                    if (seen[i]) { continue; }
                    seen[i] = 1;
                    var b = t.box;
                    if (b[4 * i] <= e && b[4 * i + 2] >= w && b[4 * i + 1] <= n && b[4 * i + 3] >= s) {
                        out.push(i);
                    }
                }
            }
        }
        return out;
    }

    function bits(b64, n) {
        var bin = atob(b64 || ""), out = new Uint8Array(n);
        for (var i = 0; i < n; i++) {
            out[i] = (bin.charCodeAt(i >> 3) >> (i & 7)) & 1;
        }
        return out;
    }

    function bytes(b64) {
        var bin = atob(b64 || ""), out = new Uint8Array(bin.length);
        for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
        return out;
    }

    /** Add ``rings`` (Mercator units) to ctx's path, at (mercator * scale - ox, ... - oy). */
    function trace(ctx, rings, scale, ox, oy) {
        rings.forEach(function (ring) {
            for (var j = 0; j < ring.length; j += 2) {
                var px = ring[j] * scale - ox, py = ring[j + 1] * scale - oy;
                if (j) { ctx.lineTo(px, py); } else { ctx.moveTo(px, py); }
            }
            ctx.closePath();
        });
    }

    function dashes(dash) {
        return dash ? String(dash).split(/[ ,]+/).map(Number).filter(isFinite) : [];
    }

    // ----------------------------------------------------------------------------------------
    // The layer

    var Parks = L.Layer.extend({
        options: {pane: "zonesParks", padding: 0.1},

        initialize: function (config) {
            this.config = config;
            this.table = null;
            this.drawn = 0;
        },

        onAdd: function (map) {
            if (!map.getPane(this.options.pane)) {
                var pane = map.createPane(this.options.pane);
                pane.style.zIndex = 450;  // over the districts and belts, under markers
                pane.style.pointerEvents = "none";
            }
            var canvas = (this._canvas = L.DomUtil.create("canvas", "zones-parks-canvas"));
            canvas.classList.add("leaflet-zoom-animated");
            map.getPane(this.options.pane).appendChild(canvas);
            // The hovered park's outline: its own canvas, so that a hover never redraws the rest.
            this._hoverCanvas = L.DomUtil.create("canvas", "zones-parks-hover leaflet-zoom-animated");
            map.getPane(this.options.pane).appendChild(this._hoverCanvas);
            this.hovered = -1;
            this._tip = L.tooltip({sticky: true, direction: "top", className: "zones-tip"});
            this.drawn = 0;
            var self = this, cfg = this.config, key = [cfg.url, cfg.shown, cfg.fill].join("|");
            load(cfg.url).then(function (t) {
                if (!self._map) { return; }
                if (self.table !== t || self._key !== key) {  // else kept from the last rerun
                    self.table = t;
                    self._key = key;
                    self.shown = bits(cfg.shown, t.n);
                    self.fills = bytes(cfg.fill);
                    self.shownCount = self.shown.reduce(function (a, b) { return a + b; }, 0);
                }
                self.selected = t.index.has(cfg.selected) ? t.index.get(cfg.selected) : -1;
                self._reset();
            }, function (err) {
                if (window.console) { window.console.error("zones: parks not loaded", err); }
            });
        },

        onRemove: function () {
            L.DomUtil.remove(this._canvas);
            L.DomUtil.remove(this._hoverCanvas);
            if (this._map) { this._map.closeTooltip(this._tip); }
            this._map.getContainer().style.cursor = "";
        },

        getEvents: function () {
            return {
                moveend: this._reset,
                viewreset: this._reset,
                zoomanim: this._animateZoom,
                resize: this._reset,
                click: this._click,
                mousemove: this._hover,
                mouseout: this._leave
            };
        },

        // -- drawing -----------------------------------------------------------------------

        _reset: function () {
            var map = this._map;
            if (!map || !this.table) { return; }
            var size = map.getSize(), p = this.options.padding;
            var min = map.containerPointToLayerPoint(size.multiplyBy(-p)).round();
            var full = size.multiplyBy(1 + 2 * p).round();
            var ratio = window.devicePixelRatio || 1, canvas = this._canvas;
            [canvas, this._hoverCanvas].forEach(function (c) {
                c.width = full.x * ratio;
                c.height = full.y * ratio;
                c.style.width = full.x + "px";
                c.style.height = full.y + "px";
                L.DomUtil.setPosition(c, min);
            });
            this._bounds = L.latLngBounds(map.layerPointToLatLng(min),
                map.layerPointToLatLng(min.add(full)));
            this._zoom = map.getZoom();
            var origin = map.getPixelOrigin().add(min);
            var ctx = canvas.getContext("2d");
            ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
            ctx.clearRect(0, 0, full.x, full.y);
            var began = performance.now();
            var scale = map.options.crs.scale(this._zoom);
            this._minPx = this.drawTo(ctx, scale, origin.x, origin.y, 1, this._bounds, this._zoom);
            this.drawMs = performance.now() - began;
            this._frame = {scale: scale, ox: origin.x, oy: origin.y, w: full.x, h: full.y, ratio: ratio};
            this._drawHover();
            this._zonesDrawn();
        },

        _zonesDrawn: function () {
            this.drawn = this.shownCount;
            var s = this._map._zones;
            if (s) { s.manyDrawn = (s.manyDrawn || 0) + 1; }
        },

        _animateZoom: function (e) {
            if (!this._bounds) { return; }
            var map = this._map, scale = map.getZoomScale(e.zoom);
            var offset = map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
            L.DomUtil.setTransform(this._canvas, offset, scale);
            L.DomUtil.setTransform(this._hoverCanvas, offset, scale);
        },

        /** Pixel size of park ``i`` at ``scale`` (pixels per Mercator unit). */
        _pixels: function (i, scale) {
            return this.table.size[i] * scale;
        },

        /** The parks shown inside ``bounds``, the selected one last. */
        _visible: function (bounds) {
            var t = this.table, shown = this.shown;
            return query(t, bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth())
                .filter(function (i) { return shown[i]; });
        },

        /**
         * Draw the parks shown within ``bounds`` on ``ctx``: a point's pixel is
         * (mercator * scale - ox, mercator * scale - oy); ``k`` scales lines, dots and text (the
         * PNG is drawn larger than the screen).
         */
        drawTo: function (ctx, scale, ox, oy, k, bounds, zoom) {
            var cfg = this.config, t = this.table, self = this;
            if (!t) { return cfg.minPx; }
            var visible = this._visible(bounds);
            var minPx = this._polygonPx(visible, scale, cfg.minPx * k);
            var groups = new Map();
            for (var n = 0; n < visible.length; n++) {
                var i = visible[n], cls = t.raw.cls[i], fill = this.fills[i];
                var dot = t.size[i] * scale < minPx;
                var key = (cls * 256 + fill) * 2 + (dot ? 1 : 0), g = groups.get(key);
                if (!g) { groups.set(key, (g = {dot: dot, cls: cls, fill: fill, parks: []})); }
                g.parks.push(i);
            }
            groups.forEach(function (g) {
                var style = cfg.styles[g.cls];
                var color = cfg.palette[g.fill] || style.fillColor;
                if (g.dot) {
                    self._dots(ctx, g.parks, self._sprite(style, color, k), scale, ox, oy);
                    return;
                }
                ctx.beginPath();
                g.parks.forEach(function (i) { trace(ctx, t.rings[i], scale, ox, oy); });
                ctx.globalAlpha = cfg.opacity === null || cfg.opacity === undefined
                    ? style.fillOpacity : cfg.opacity;
                ctx.fillStyle = color;
                ctx.fill();
                ctx.globalAlpha = style.opacity === undefined ? 1 : style.opacity;
                ctx.strokeStyle = style.color;
                ctx.lineWidth = style.weight * k;
                ctx.setLineDash(dashes(style.dashArray).map(function (d) { return d * k; }));
                ctx.stroke();
            });
            ctx.setLineDash([]);
            ctx.globalAlpha = 1;
            if (this.selected >= 0 && this.shown[this.selected]) {
                this._outline(ctx, this.selected, scale, ox, oy, k, minPx);
            }
            if (zoom >= cfg.labelZoom) { this._labels(ctx, visible, scale, ox, oy, k); }
            return minPx;
        },

        /**
         * The smallest on-screen size (pixels) drawn as a polygon: ``minPx``, or larger when
         * more than MAX_POLYGONS parks in view reach it (only the largest are polygons then),
         * so no frame draws more than that many outlines.
         */
        _polygonPx: function (visible, scale, minPx) {
            var sizes = [];
            for (var n = 0; n < visible.length; n++) {
                var px = this._pixels(visible[n], scale);
                if (px >= minPx) { sizes.push(px); }
            }
            if (sizes.length <= MAX_POLYGONS) { return minPx; }
            sizes.sort(function (a, b) { return b - a; });
            return Math.max(minPx, sizes[MAX_POLYGONS - 1] + 1e-9);
        },

        /** A park's dot, drawn once per style, colour and scale (a canvas copied per park is
         * far cheaper to paint than thousands of round paths). */
        _sprite: function (style, color, k) {
            var key = [style.color, color, k].join("|"), cfg = this.config;
            this._sprites = this._sprites || {};
            if (!this._sprites[key]) {
                var r = cfg.radius * k, w = Math.ceil(2 * r + 2 * k + 2), c = document.createElement("canvas");
                c.width = c.height = w;
                var g = c.getContext("2d");
                g.beginPath();
                g.arc(w / 2, w / 2, r, 0, 2 * Math.PI);
                g.globalAlpha = Math.max(0.75, cfg.opacity || style.fillOpacity || 0);
                g.fillStyle = color;
                g.fill();
                g.globalAlpha = style.opacity === undefined ? 1 : style.opacity;
                g.strokeStyle = style.color;
                g.lineWidth = 2 * k;
                // As the SVG map's markers: dotted for an estimated location, dashed for an
                // indicative footprint.
                var dash = dashes(style.dashArray);
                g.setLineDash(dash.length ? (dash[0] <= 1 ? [1 * k, 3 * k] : [3 * k, 2 * k]) : []);
                g.stroke();
                this._sprites[key] = c;
            }
            return this._sprites[key];
        },

        /** The dots of ``parks``: one per pixel (dots on the same pixel look the same), the
         * pixels marked in a grid kept across draws (a new mark per call: no clearing). */
        _dots: function (ctx, parks, sprite, scale, ox, oy) {
            var t = this.table, half = sprite.width / 2, w = 2048, h = 2048;
            if (!this._marks) { this._marks = new Uint16Array(w * h); this._mark = 0; }
            if (++this._mark > 65535) { this._marks.fill(0); this._mark = 1; }
            var marks = this._marks, mark = this._mark;
            for (var n = 0; n < parks.length; n++) {
                var i = parks[n];
                var x = Math.round(t.mpt[2 * i] * scale - ox), y = Math.round(t.mpt[2 * i + 1] * scale - oy);
                if (x >= 0 && y >= 0 && x < w && y < h) {
                    if (marks[y * w + x] === mark) { continue; }
                    marks[y * w + x] = mark;
                }
                ctx.drawImage(sprite, x - half, y - half);
            }
        },

        /** The hovered park's outline (its class's line, two pixels wider), or nothing. */
        _drawHover: function () {
            var f = this._frame, c = this._hoverCanvas, i = this.hovered;
            if (!f || !c) { return; }
            var ctx = c.getContext("2d");
            ctx.setTransform(f.ratio, 0, 0, f.ratio, 0, 0);
            ctx.clearRect(0, 0, f.w, f.h);
            if (i < 0 || !this.table || !this.shown[i]) { return; }
            var style = this.config.styles[this.table.raw.cls[i]];
            this._outline(ctx, i, f.scale, f.ox, f.oy, 1, this._minPx,
                {color: style.color, weight: style.weight + 2});
        },

        _outline: function (ctx, i, scale, ox, oy, k, minPx, lineStyle) {
            var t = this.table, style = lineStyle || this.config.selectedStyle;
            ctx.beginPath();
            if (this._pixels(i, scale) < minPx) {
                var x = t.mpt[2 * i] * scale - ox, y = t.mpt[2 * i + 1] * scale - oy;
                ctx.arc(x, y, (this.config.radius + 3) * k, 0, 2 * Math.PI);
            } else {
                trace(ctx, t.rings[i], scale, ox, oy);
            }
            ctx.strokeStyle = style.color;
            ctx.lineWidth = style.weight * k;
            ctx.stroke();
        },

        /** Names of the larger parks first (the selected one before all), none over another,
         * at most MAX_LABELS (a grid of LABEL_CELL px finds the ones already placed nearby). */
        _labels: function (ctx, visible, scale, ox, oy, k) {
            var t = this.table, sel = this.selected, taken = new Map(), placed = 0;
            var size = t.size, order = visible.slice().sort(function (a, b) {
                return (b === sel) - (a === sel) || size[b] - size[a];
            });
            ctx.font = "bold " + Math.round(12 * k) + "px sans-serif";
            ctx.textAlign = "center";
            ctx.textBaseline = "middle";
            var cell = LABEL_CELL * k;
            function cells(r, each) {
                for (var cx = Math.floor(r.l / cell); cx <= Math.floor(r.r / cell); cx++) {
                    for (var cy = Math.floor(r.t / cell); cy <= Math.floor(r.b / cell); cy++) {
                        if (each(cx * 65536 + cy) === false) { return false; }
                    }
                }
                return true;
            }
            for (var n = 0; n < order.length && placed < MAX_LABELS && n < 20 * MAX_LABELS; n++) {
                var i = order[n], name = t.raw.names[i] || t.raw.ids[i];
                var x = t.mpt[2 * i] * scale - ox, y = t.mpt[2 * i + 1] * scale - oy;
                var half = ctx.measureText(name).width / 2 + 3 * k;
                var r = {l: x - half, r: x + half, t: y - 9 * k, b: y + 9 * k};
                var free = cells(r, function (key) {
                    var list = taken.get(key) || [];
                    return !list.some(function (o) {
                        return r.l < o.r && r.r > o.l && r.t < o.b && r.b > o.t;
                    });
                });
                if (!free) { continue; }
                cells(r, function (key) {
                    var list = taken.get(key);
                    if (list) { list.push(r); } else { taken.set(key, [r]); }
                });
                placed += 1;
                ctx.lineWidth = 3 * k;
                ctx.strokeStyle = "rgba(255,255,255,0.9)";
                ctx.strokeText(name, x, y);
                ctx.fillStyle = "#212121";
                ctx.fillText(name, x, y);
            }
            ctx.textAlign = "left";
        },

        // -- pointing ----------------------------------------------------------------------

        /** The park under container point ``p`` (latlng ``ll``): the smallest polygon holding
         * it, else the nearest dot within its radius; -1 when none. */
        parkAt: function (p, ll) {
            var map = this._map, t = this.table;
            if (!t) { return -1; }
            var zoom = map.getZoom(), scale = map.options.crs.scale(zoom), cfg = this.config;
            var reach = cfg.radius + 3, minPx = this._minPx || cfg.minPx;
            var a = map.containerPointToLatLng(p.subtract([reach, reach]));
            var b = map.containerPointToLatLng(p.add([reach, reach]));
            var mx = mercX(ll.lng), my = mercY(ll.lat), best = -1, bestScore = Infinity;
            var self = this;
            query(t, a.lng, b.lat, b.lng, a.lat).forEach(function (i) {
                if (!self.shown[i]) { return; }
                var score;
                if (self._pixels(i, scale) < minPx) {
                    var dx = (t.mpt[2 * i] - mx) * scale, dy = (t.mpt[2 * i + 1] - my) * scale;
                    var d = Math.sqrt(dx * dx + dy * dy);
                    if (d > reach) { return; }
                    score = d;  // pixels: a dot wins over the polygon around it
                } else if (inside(t.rings[i], mx, my)) {
                    score = reach + self._pixels(i, scale);  // the smaller polygon first
                } else {
                    return;
                }
                if (score < bestScore) { best = i; bestScore = score; }
            });
            return best;
        },

        _click: function (e) {
            var i = this.parkAt(e.containerPoint, e.latlng);
            if (i >= 0) { this.select(i, e.latlng); }
        },

        /** Select park ``i`` as a click on an SVG park would, and tell the app at once. */
        select: function (i, latlng) {
            var t = this.table, id = t.raw.ids[i], data = window.__GLOBAL_DATA__;
            this.selected = i;
            this._reset();
            if (!data) { return; }
            data.last_object_clicked = latlng || L.latLng(t.pt[2 * i + 1], t.pt[2 * i]);
            data.last_active_drawing = {type: "Feature", id: id, properties: {id: id}, geometry: null};
            if (Z.flush) { Z.flush(); }
        },

        _hover: function (e) {
            var self = this;
            if (this._pending) { this._pendingEvent = e; return; }
            this._pending = true;
            this._pendingEvent = e;
            window.requestAnimationFrame(function () {
                self._pending = false;
                if (!self._map || !self.table) { return; }
                var ev = self._pendingEvent, i = self.parkAt(ev.containerPoint, ev.latlng);
                self._map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
                if (i !== self.hovered) {
                    self.hovered = i;
                    self._drawHover();
                }
                if (i < 0) { self._map.closeTooltip(self._tip); return; }
                self._tip.setContent(self._tipContent(i)).setLatLng(ev.latlng);
                if (!self._map.hasLayer(self._tip)) { self._tip.openOn(self._map); }
            });
        },

        _leave: function () {
            this.hovered = -1;
            this._drawHover();
            if (this._map) {
                this._map.closeTooltip(this._tip);
                this._map.getContainer().style.cursor = "";
            }
        },

        _tipContent: function (i) {
            var t = this.table, cfg = this.config, box = document.createElement("div");
            var title = document.createElement("b"), est = t.raw.est[i];
            title.textContent = (est ? "\u2248 " : "") + (t.raw.names[i] || t.raw.ids[i]);
            box.appendChild(title);
            if (t.raw.ind[i]) {
                var ind = document.createElement("div");
                ind.textContent = cfg.text.ind;
                box.appendChild(ind);
            }
            if (est) {
                var line = document.createElement("div");
                line.textContent = cfg.text.est.replace("{m}", est > 1 ? String(est) : "?");
                box.appendChild(line);
            }
            return box;
        },

        // -- for search, tests and benchmarks ----------------------------------------------

        /** Ids and names of the parks shown, with their search keys. */
        entries: function () {
            var t = this.table, out = [];
            if (!t) { return out; }
            for (var i = 0; i < t.n; i++) {
                if (this.shown[i]) {
                    out.push({id: t.raw.ids[i], name: t.raw.names[i], q: t.raw.q[i] || [], i: i});
                }
            }
            return out;
        },

        boundsOf: function (i) {
            var b = this.table.box;
            return L.latLngBounds([b[4 * i + 1], b[4 * i]], [b[4 * i + 3], b[4 * i + 2]]);
        },

        pointOf: function (i) {
            return L.latLng(this.table.pt[2 * i + 1], this.table.pt[2 * i]);
        },

        /** Where a click selects park ``i`` (a container point), or null: at city scale its dot
         * may lie under another's. */
        clickPointOf: function (i) {
            var ll = this.pointOf(i), p = this._map.latLngToContainerPoint(ll);
            return this.parkAt(p, ll) === i ? p : null;
        }
    });

    /** Whether Mercator point (x, y) is inside ``rings`` (even-odd over every ring). */
    function inside(rings, x, y) {
        var odd = false;
        rings.forEach(function (r) {
            for (var j = 0, k = r.length - 2; j < r.length; k = j, j += 2) {
                var xj = r[j], yj = r[j + 1], xk = r[k], yk = r[k + 1];
                if ((yj > y) !== (yk > y) && x < (xk - xj) * (y - yj) / (yk - yj) + xj) { odd = !odd; }
            }
        });
        return odd;
    }

    Z.ManyParks = Parks;
    /** The canvas layer for this rerun's ``config``: the last one again when only what needs
     * no decoding changed (the selection, the legend), else a new one. */
    Z.many = function (group, config) {
        var last = Z._many, layer;
        if (last && last.config.url === config.url && !last._map) {
            last.config = config;
            layer = last;
        } else {
            layer = Z._many = new Parks(config);
        }
        group.addLayer(layer);
        return layer;
    };
})();
