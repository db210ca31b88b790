/*
 * zones map tools: what the app's Leaflet map does beyond drawing its layers.
 *
 * Served by the app itself (static/zones/, listed in zones.assets.PLUGINS), like Leaflet.
 * zones.mapping calls two functions with JSON made on the server:
 *
 *   ZonesMap.init(map, config)    once per map (the base map): scale bar, full screen, measure,
 *                                 PNG export, park search, the map's height and legend size;
 *   ZonesMap.update(map, config)  whenever the parks are swapped in (filter, colours, selection):
 *                                 markers for parks too small to see, name labels from a zoom
 *                                 level on, the search index, the legend's park colours and the
 *                                 map's text alternative;
 *   ZonesMap.edit(map, control, drawn)
 *                                 on the map of a signed-in editor or reviewer only: the drawing
 *                                 tools (Leaflet.draw's control and the layer of shapes drawn),
 *                                 shown while a park is selected, one boundary and one point at
 *                                 a time, the point draggable once placed, cleared when the park
 *                                 or the correction changes (``update``'s ``edit.key``).
 *
 * Text from the data (park names) only ever reaches the page through textContent or the canvas,
 * never as HTML. Distances are geodesic on the WGS 84 ellipsoid (Vincenty), areas on the
 * authalic sphere (within 0.1 % of the ellipsoid for a park-sized polygon).
 */
(function () {
    "use strict";

    var Z = (window.ZonesMap = window.ZonesMap || {});

    // ----------------------------------------------------------------------------------------
    // Small helpers

    function el(tag, className, parent, text) {
        var node = document.createElement(tag);
        if (className) { node.className = className; }
        if (text !== undefined && text !== null) { node.textContent = String(text); }
        if (parent) { parent.appendChild(node); }
        return node;
    }

    function fill(template, values) {
        return String(template).replace(/\{(\w+)\}/g, function (m, name) {
            return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
        });
    }

    function today() {
        var d = new Date();
        function two(n) { return (n < 10 ? "0" : "") + n; }
        return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
    }

    /** What search keys and queries are compared as (zones.search.normalize). */
    function normalize(text) {
        return String(text || "").normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
    }
    Z.normalize = normalize;

    function stateOf(map) { return map._zones; }

    function parkId(layer) { return layer.feature && layer.feature.id; }

    // ----------------------------------------------------------------------------------------
    // Geodesy

    var WGS84_A = 6378137.0;
    var WGS84_F = 1 / 298.257223563;
    var WGS84_B = WGS84_A * (1 - WGS84_F);
    /** Radius of the sphere with the WGS 84 ellipsoid's area. */
    var AUTHALIC_R = 6371007.181;
    var RAD = Math.PI / 180;

    /** Geodesic distance in metres between two LatLngs on WGS 84 (Vincenty's inverse). */
    function distance(p, q) {
        var L = (q.lng - p.lng) * RAD;
        var U1 = Math.atan((1 - WGS84_F) * Math.tan(p.lat * RAD));
        var U2 = Math.atan((1 - WGS84_F) * Math.tan(q.lat * RAD));
        var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
        var lambda = L, lambdaP, iter = 0;
        var sinSigma, cosSigma, sigma, sinAlpha, cos2Alpha, cos2SigmaM, C;
        do {
            var sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
            sinSigma = Math.sqrt(Math.pow(cosU2 * sinLambda, 2) +
                Math.pow(cosU1 * sinU2 - sinU1 * cosU2 * cosLambda, 2));
            if (sinSigma === 0) { return 0; }
            cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
            sigma = Math.atan2(sinSigma, cosSigma);
            sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
            cos2Alpha = 1 - sinAlpha * sinAlpha;
            cos2SigmaM = cos2Alpha ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
            C = WGS84_F / 16 * cos2Alpha * (4 + WGS84_F * (4 - 3 * cos2Alpha));
            lambdaP = lambda;
            lambda = L + (1 - C) * WGS84_F * sinAlpha * (sigma + C * sinSigma *
                (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
        } while (Math.abs(lambda - lambdaP) > 1e-12 && ++iter < 200);
        if (iter >= 200) {  // nearly antipodal: the sphere is good enough for a map tool
            return L_CRS_DISTANCE(p, q);
        }
        var uSq = cos2Alpha * (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
        var A = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
        var B = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
        var deltaSigma = B * sinSigma * (cos2SigmaM + B / 4 * (cosSigma * (-1 + 2 * cos2SigmaM *
            cos2SigmaM) - B / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) *
            (-3 + 4 * cos2SigmaM * cos2SigmaM)));
        return WGS84_B * A * (sigma - deltaSigma);
    }

    function L_CRS_DISTANCE(p, q) { return window.L.CRS.Earth.distance(p, q); }

    /** Area in square metres of a ring of LatLngs (spherical excess on the authalic sphere). */
    function area(ring) {
        var n = ring.length, total = 0;
        if (n < 3) { return 0; }
        for (var i = 0; i < n; i++) {
            var p = ring[i], q = ring[(i + 1) % n];
            total += (q.lng - p.lng) * RAD * (2 + Math.sin(p.lat * RAD) + Math.sin(q.lat * RAD));
        }
        return Math.abs(total * AUTHALIC_R * AUTHALIC_R / 2);
    }

    function pathLength(points) {
        var total = 0;
        for (var i = 1; i < points.length; i++) { total += distance(points[i - 1], points[i]); }
        return total;
    }

    Z.distance = distance;
    Z.area = area;

    function formatNumber(value) {
        var digits = value < 1 ? 3 : value < 100 ? 2 : 1;
        return value.toFixed(digits);
    }

    // ----------------------------------------------------------------------------------------
    // The map's height: it fills the window below its place on the page

    /** The element that scrolls the page the map is in (Streamlit scrolls its main area). */
    function scroller(frame) {
        var node = frame.parentElement;
        while (node && node !== node.ownerDocument.body) {
            var style = node.ownerDocument.defaultView.getComputedStyle(node);
            if (/(auto|scroll)/.test(style.overflowY) && node.scrollHeight > node.clientHeight) {
                return node;
            }
            node = node.parentElement;
        }
        return node ? node.ownerDocument.scrollingElement : null;
    }

    function fitFrame(map) {
        var s = stateOf(map), fit = s.cfg.fit, container = map.getContainer();
        var frame = null, outer = null;
        try {
            frame = window.frameElement;
            outer = frame && frame.ownerDocument.defaultView;
        } catch (err) {
            frame = null;  // another origin: keep the height the server asked for
        }
        if (!frame || !outer || document.fullscreenElement) { return; }
        var rect = frame.getBoundingClientRect();
        if (rect.width === 0) { return; }  // in a hidden tab
        var scrolling = scroller(frame);
        var top = rect.top + (scrolling ? scrolling.scrollTop : 0);
        var height = Math.round(outer.innerHeight - top - fit.margin);
        if (outer.innerWidth < fit.narrow) {  // a phone: the details follow below the map
            height = Math.min(height, Math.round(outer.innerHeight * fit.narrowShare));
        }
        height = Math.max(fit.min, height);
        if (Math.abs(height - container.clientHeight) > 1 || frame.style.height !== height + "px") {
            frame.style.setProperty("height", height + "px", "important");
            container.style.height = height + "px";
            map.invalidateSize({animate: false});
        }
        sizeLegend(map);
    }

    function watchFrame(map) {
        var outer = null, main = null;
        try {
            outer = window.frameElement && window.frameElement.ownerDocument.defaultView;
            main = window.frameElement.closest("[data-testid='stMainBlockContainer']");
        } catch (err) {
            outer = null;  // not embedded in a page of this origin
        }
        if (!outer) { return; }
        var observer = null;
        var again = function () {
            if (!window.frameElement) {  // this map's frame is gone (the app redrew the map)
                outer.removeEventListener("resize", again);
                if (observer) { observer.disconnect(); }
                return;
            }
            fitFrame(map);
        };
        outer.addEventListener("resize", again);
        if (main && typeof outer.ResizeObserver !== "undefined") {
            observer = new outer.ResizeObserver(again);
            observer.observe(main);
        }
    }

    function sizeLegend(map) {
        var legend = map.getContainer().querySelector(".zones-legend");
        if (legend) {
            legend.style.maxHeight = Math.max(80, map.getSize().y - 110) + "px";
        }
    }

    // ----------------------------------------------------------------------------------------
    // Controls

    function button(parent, className, title, onClick) {
        var a = el("a", className, parent);
        a.href = "#";
        a.title = title;
        a.setAttribute("role", "button");
        a.setAttribute("aria-label", title);
        L.DomEvent.on(a, "click", L.DomEvent.stop).on(a, "click", onClick);
        return a;
    }

    function panel(parent, className) {
        var box = el("div", "zones-panel " + className, parent);
        box.hidden = true;
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
    }

    var ToolBar = L.Control.extend({
        options: {position: "topleft"},
        onAdd: function (map) {
            var s = stateOf(map), text = s.cfg.text;
            var box = el("div", "zones-tools");
            var bar = el("div", "leaflet-bar", box);
            s.measureButton = button(bar, "zones-tool zones-tool-measure", text.measure,
                function () { toggleMeasure(map); });
            s.pngButton = button(bar, "zones-tool zones-tool-png", text.png,
                function () { togglePanel(map, "png"); });
            s.measurePanel = measurePanel(map, box);
            s.pngPanel = pngPanel(map, box);
            L.DomEvent.disableClickPropagation(box);
            return box;
        }
    });

    function togglePanel(map, name) {
        var s = stateOf(map);
        var open = name === "png" ? s.pngPanel.hidden : false;
        s.pngPanel.hidden = !open;
        s.pngButton.classList.toggle("zones-on", open);
        s.pngButton.setAttribute("aria-pressed", String(open));
        if (open && s.measuring) { toggleMeasure(map); }
    }

    // --- measure ---------------------------------------------------------------------------

    function measurePanel(map, parent) {
        var s = stateOf(map), text = s.cfg.text;
        var box = panel(parent, "zones-measure-panel");
        el("div", "zones-help", box, text.measure_help);
        s.measureResult = el("div", "zones-measure-result", box, text.measure_start);
        s.measureResult.setAttribute("aria-live", "polite");
        var actions = el("div", "zones-actions", box);
        var done = el("button", "", actions, text.measure_done);
        done.type = "button";
        L.DomEvent.on(done, "click", function () { finishMeasure(map); });
        var clear = el("button", "", actions, text.measure_clear);
        clear.type = "button";
        L.DomEvent.on(clear, "click", function () { clearMeasure(map); });
        return box;
    }

    function toggleMeasure(map) {
        var s = stateOf(map), on = !s.measuring;
        s.measuring = on;
        s.measureDone = false;
        s.measurePanel.hidden = !on;
        s.measureButton.classList.toggle("zones-on", on);
        s.measureButton.setAttribute("aria-pressed", String(on));
        map.getContainer().classList.toggle("zones-measuring", on);
        if (on) {
            if (!s.pngPanel.hidden) { togglePanel(map, "none"); }
            map.doubleClickZoom.disable();
            map.on("click", measureClick);
            map.on("dblclick", measureDblClick);
        } else {
            map.doubleClickZoom.enable();
            map.off("click", measureClick);
            map.off("dblclick", measureDblClick);
            clearMeasure(map);
        }
    }

    function measureClick(e) {
        var map = e.target, s = stateOf(map);
        if (s.measureDone) { clearMeasure(map); }
        s.measurePoints.push(e.latlng);
        drawMeasure(map);
    }

    function measureDblClick(e) {
        finishMeasure(e.target);
    }

    function finishMeasure(map) {
        stateOf(map).measureDone = true;
    }

    function clearMeasure(map) {
        var s = stateOf(map);
        s.measurePoints = [];
        s.measureDone = false;
        s.measureLayer.clearLayers();
        s.measureResult.textContent = s.cfg.text.measure_start;
        delete s.measureResult.dataset.km;
        delete s.measureResult.dataset.km2;
    }

    function drawMeasure(map) {
        var s = stateOf(map), text = s.cfg.text, pts = s.measurePoints;
        s.measureLayer.clearLayers();
        var style = {color: "#c2185b", weight: 3, dashArray: "6 4", interactive: false};
        if (pts.length >= 3) {
            L.polygon(pts, L.extend({}, style, {fillColor: "#c2185b", fillOpacity: 0.12, weight: 0,
                className: "zones-measure-area"})).addTo(s.measureLayer);
        }
        L.polyline(pts, L.extend({}, style, {className: "zones-measure-line"})).addTo(s.measureLayer);
        pts.forEach(function (p) {
            L.circleMarker(p, {radius: 4, color: "#c2185b", weight: 2, fillColor: "#fff",
                fillOpacity: 1, interactive: false}).addTo(s.measureLayer);
        });
        var km = pathLength(pts) / 1000;
        var parts = [text.measure_distance + " " + formatNumber(km) + " km"];
        s.measureResult.dataset.km = String(km);
        if (pts.length >= 3) {
            var km2 = area(pts) / 1e6;
            parts.push(text.measure_area + " " + formatNumber(km2) + " km²");
            s.measureResult.dataset.km2 = String(km2);
        } else {
            delete s.measureResult.dataset.km2;
        }
        s.measureResult.textContent = parts.join(" · ");
    }

    // --- PNG -------------------------------------------------------------------------------

    function pngPanel(map, parent) {
        var s = stateOf(map), text = s.cfg.text;
        var box = panel(parent, "zones-png-panel");
        var label = el("label", "", box, text.png_size + " ");
        var select = el("select", "zones-png-size", label);
        s.cfg.png.sizes.forEach(function (size, n) {
            var option = el("option", "", select, size[0] + " × " + size[1]);
            option.value = n;
        });
        var go = el("button", "zones-png-download", box, text.png_download);
        go.type = "button";
        L.DomEvent.on(go, "click", function () {
            var size = s.cfg.png.sizes[Number(select.value) || 0];
            Z.savePng(map, size[0], size[1]);
        });
        el("div", "zones-help", box, text.png_note);
        return box;
    }

    // ----------------------------------------------------------------------------------------
    // Park markers and labels

    function pixelSize(map, layer) {
        var b = layer.getBounds();
        var a = map.latLngToLayerPoint(b.getNorthWest()), c = map.latLngToLayerPoint(b.getSouthEast());
        return Math.max(Math.abs(c.x - a.x), Math.abs(c.y - a.y));
    }

    function anchor(layer) {
        var pt = layer.feature && layer.feature.properties && layer.feature.properties.pt;
        return pt ? L.latLng(pt[0], pt[1]) : layer.getBounds().getCenter();
    }

    /** Select ``park`` as a click on it would (streamlit-folium reads the clicked feature). */
    function select(park, latlng) {
        park.fire("click", {latlng: latlng || anchor(park)}, true);
    }

    function makeMarker(map, park) {
        var s = stateOf(map), o = park.options;
        var marker = L.circleMarker(anchor(park), {
            radius: s.cfg.markerRadius,
            color: o.color,
            weight: 2,
            opacity: 1,
            dashArray: o.dashArray ? (o.dashArray.indexOf("1 ") === 0 ? "1 3" : "3 2") : null,
            fillColor: o.fillColor,
            fillOpacity: Math.max(0.75, o.fillOpacity || 0),
            className: "zones-park-marker",
            bubblingMouseEvents: false
        });
        marker.on("click", function (e) { select(park, e.latlng); });
        var tip = park.getTooltip && park.getTooltip();
        if (tip && tip.getContent() instanceof Node) {
            marker.bindTooltip(tip.getContent().cloneNode(true), {sticky: true, direction: "top"});
        }
        marker.on("add", function () {
            var path = marker.getElement();
            if (path) { path.setAttribute("data-park", parkId(park)); }
        });
        return marker;
    }

    function makeLabel(park) {
        var name = (park.feature.properties || {}).name || parkId(park) || "";
        var label = L.tooltip({permanent: true, direction: "center", interactive: false,
            className: "zones-label", opacity: 1});
        label.setLatLng(anchor(park));
        label.setContent(document.createTextNode(name));  // text, never HTML
        label._zonesPark = park;
        return label;
    }

    function refresh(map) {
        var s = stateOf(map);
        if (!s) { return; }
        var zoom = map.getZoom(), minPx = s.cfg.minParkPx;
        s.parks.forEach(function (park, n) {
            var marker = s.markerOf[n];
            var small = map.hasLayer(park) && pixelSize(map, park) < minPx;
            if (small && !s.markerLayer.hasLayer(marker)) { s.markerLayer.addLayer(marker); }
            if (!small && s.markerLayer.hasLayer(marker)) { s.markerLayer.removeLayer(marker); }
        });
        var showLabels = zoom >= s.cfg.labelZoom;
        if (showLabels !== map.hasLayer(s.labelLayer)) {
            if (showLabels) { map.addLayer(s.labelLayer); } else { map.removeLayer(s.labelLayer); }
        }
        if (showLabels) { declutter(map); }
    }

    /** Hide the labels that would overlap one shown before them (the order of s.labels). */
    function declutter(map) {
        var s = stateOf(map), bounds = map.getBounds().pad(0.1), taken = [];
        s.labels.forEach(function (label) {
            var node = label.getElement();
            if (!node) { return; }
            var visible = bounds.contains(label.getLatLng()) && map.hasLayer(label._zonesPark);
            node.style.visibility = "";
            if (visible) {
                label.update();  // placed again: its width may have changed (styles, fonts)
                var r = node.getBoundingClientRect();
                var box = {l: r.left - 2, t: r.top - 1, r: r.right + 2, b: r.bottom + 1};
                visible = !taken.some(function (o) {
                    return box.l < o.r && box.r > o.l && box.t < o.b && box.b > o.t;
                });
                if (visible) { taken.push(box); }
            }
            node.style.visibility = visible ? "" : "hidden";
            node.classList.toggle("zones-label-hidden", !visible);
        });
    }

    // ----------------------------------------------------------------------------------------
    // Search

    var SearchBox = L.Control.extend({
        options: {position: "topright"},
        onAdd: function (map) {
            var s = stateOf(map), text = s.cfg.text;
            var box = el("div", "zones-search leaflet-bar");
            var input = el("input", "zones-search-input", box);
            var listId = "zones-search-list";
            input.type = "search";
            input.placeholder = text.search_placeholder;
            input.title = text.search_hint;
            input.setAttribute("aria-label", text.search);
            input.setAttribute("role", "combobox");
            input.setAttribute("aria-autocomplete", "list");
            input.setAttribute("aria-expanded", "false");
            input.setAttribute("aria-controls", listId);
            input.autocomplete = "off";
            var list = el("ul", "zones-search-list", box);
            list.id = listId;
            list.setAttribute("role", "listbox");
            list.hidden = true;
            s.search = {input: input, list: list, hits: [], active: -1};
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            L.DomEvent.on(input, "input", function () { suggest(map); });
            L.DomEvent.on(input, "keydown", function (e) { searchKey(map, e); });
            L.DomEvent.on(input, "blur", function () {
                setTimeout(function () { closeList(map); }, 200);
            });
            return box;
        }
    });

    /** Parks matching ``query``, best first: the whole key, then its start, then anywhere. */
    /** The many-parks canvas layer on ``map`` (many-parks.js), if the map draws parks so. */
    function manyOf(map) {
        return Z._many && Z._many._map === map && Z._many.table ? Z._many : null;
    }

    /**
     * The parks the map shows, each as {id, name, q (search keys), bounds(), select()}: the
     * SVG park layers, or the canvas layer's table.
     */
    function parkEntries(map) {
        var many = manyOf(map);
        if (many) {
            return many.entries().map(function (e) {
                return {id: e.id, name: e.name || e.id, q: e.q,
                    bounds: function () { return many.boundsOf(e.i); },
                    select: function () { many.select(e.i); }};
            });
        }
        return stateOf(map).parks.map(function (park) {
            var p = park.feature.properties || {};
            return {id: parkId(park), name: p.name || parkId(park), q: p.q || [],
                bounds: function () { return park.getBounds(); },
                select: function () { select(park); }};
        });
    }

    function find(map, query) {
        var q = normalize(query), hits = [];
        if (!q) { return hits; }
        parkEntries(map).forEach(function (park) {
            var keys = park.q.concat([normalize(park.name), normalize(park.id)]);
            var best = 9;
            keys.forEach(function (key) {
                if (!key) { return; }
                var score = key === q ? 0 : key.indexOf(q) === 0 ? 1 : key.indexOf(q) > 0 ? 2 : 9;
                best = Math.min(best, score);
            });
            if (best < 9) { hits.push({park: park, score: best, name: park.name}); }
        });
        hits.sort(function (a, b) { return a.score - b.score || a.name.length - b.name.length; });
        return hits.slice(0, 8);
    }
    Z.find = function (map, query) {
        return find(map, query).map(function (h) { return h.park.id; });
    };

    function suggest(map) {
        var s = stateOf(map), sr = s.search;
        sr.hits = find(map, sr.input.value);
        sr.active = sr.hits.length ? 0 : -1;
        renderList(map);
    }

    function renderList(map) {
        var s = stateOf(map), sr = s.search;
        sr.list.textContent = "";
        if (!sr.input.value.trim()) { return closeList(map); }
        if (!sr.hits.length) {
            el("li", "zones-search-none", sr.list, s.cfg.text.search_none);
        }
        sr.hits.forEach(function (hit, n) {
            var item = el("li", n === sr.active ? "zones-active" : "", sr.list, hit.name);
            item.id = "zones-search-" + n;
            item.setAttribute("role", "option");
            item.setAttribute("aria-selected", String(n === sr.active));
            L.DomEvent.on(item, "mousedown", function (e) {
                L.DomEvent.preventDefault(e);
                pick(map, hit.park);
            });
        });
        sr.list.hidden = false;
        sr.input.setAttribute("aria-expanded", "true");
        if (sr.active >= 0) {
            sr.input.setAttribute("aria-activedescendant", "zones-search-" + sr.active);
        } else {
            sr.input.removeAttribute("aria-activedescendant");
        }
    }

    function closeList(map) {
        var sr = stateOf(map).search;
        sr.list.hidden = true;
        sr.input.setAttribute("aria-expanded", "false");
        sr.input.removeAttribute("aria-activedescendant");
    }

    function searchKey(map, e) {
        var sr = stateOf(map).search;
        L.DomEvent.stopPropagation(e);  // typing is not the map's keyboard navigation
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            if (!sr.hits.length) { return; }
            L.DomEvent.preventDefault(e);
            var step = e.key === "ArrowDown" ? 1 : -1;
            sr.active = (sr.active + step + sr.hits.length) % sr.hits.length;
            renderList(map);
        } else if (e.key === "Enter") {
            L.DomEvent.preventDefault(e);
            if (!sr.hits.length) { sr.hits = find(map, sr.input.value); sr.active = 0; }
            var hit = sr.hits[Math.max(0, sr.active)];
            if (hit) { pick(map, hit.park); } else { renderList(map); }
        } else if (e.key === "Escape") {
            sr.input.value = "";
            closeList(map);
        }
    }

    /** Zoom to ``park`` (a :func:`parkEntries` entry) and select it. */
    function pick(map, park) {
        var s = stateOf(map), sr = s.search;
        sr.input.value = park.name;
        closeList(map);
        map.fitBounds(park.bounds(), {maxZoom: s.cfg.searchZoom, padding: [40, 40],
            animate: false});
        park.select();
    }
    Z.pick = function (map, id) {
        var park = parkEntries(map).filter(function (p) { return p.id === id; })[0];
        if (park) { pick(map, park); }
        return Boolean(park);
    };

    // ----------------------------------------------------------------------------------------
    // Telling the app of a click at once

    /** What streamlit-folium returns, in its order (those this script can fill in itself). */
    var RETURNED = ["last_clicked", "last_object_clicked", "last_object_clicked_tooltip",
        "last_object_clicked_popup", "all_drawings", "last_active_drawing"];

    /**
     * Send streamlit-folium's returned value now, as it would 250 ms later (it debounces every
     * event; a click on a park should not wait). It then finds the value unchanged and sends
     * nothing again. Skipped when the map returns something only streamlit-folium computes.
     */
    Z.flush = function () {
        var data = window.__GLOBAL_DATA__, wanted = data && data.returned_objects;
        if (!wanted || !window.Streamlit) { return; }
        if (wanted.some(function (key) { return RETURNED.indexOf(key) < 0; })) { return; }
        var out = {};
        RETURNED.forEach(function (key) {
            if (wanted.indexOf(key) >= 0) {
                out[key] = key === "last_clicked" ? data.lat_lng_clicked : data[key];
            }
        });
        if (JSON.stringify(data.previous_data) === JSON.stringify(out)) { return; }
        data.previous_data = out;
        window.Streamlit.setComponentValue(out);
    };

    // ----------------------------------------------------------------------------------------
    // Drawing a correction (an editor's map only)

    /** Copy ``from`` into ``into``, object by object (Leaflet.draw's texts, L.drawLocal). */
    function merge(into, from) {
        Object.keys(from).forEach(function (key) {
            var value = from[key];
            if (value && typeof value === "object" && into[key] && typeof into[key] === "object") {
                merge(into[key], value);
            } else {
                into[key] = value;
            }
        });
    }

    function isPoint(layer) { return layer instanceof L.Marker; }

    /**
     * Tell streamlit-folium what is drawn now (its ``all_drawings``) without a draw event: its
     * draw events also reset the last clicked object, which would select a park clicked before
     * again. It sends its state on the map's next "moveend".
     */
    function sendDrawings(map) {
        var s = stateOf(map), data = window.__GLOBAL_DATA__;
        if (!s.edit || !data) { return; }
        data.all_drawings = s.edit.items.toGeoJSON().features;
        map.fire("moveend");
    }

    function draggable(map, marker) {
        if (!marker.dragging) { return; }
        marker.dragging.enable();
        if (!marker._zonesDrag) {
            marker._zonesDrag = true;
            marker.on("dragend", function () { sendDrawings(map); });
        }
    }

    /** Show the drawing tools (a park is selected) or hide them, stopping what they did. */
    function setEditable(map, on) {
        var edit = stateOf(map).edit, toolbars = edit.control._toolbars || {};
        if (!on) {
            Object.keys(toolbars).forEach(function (name) { toolbars[name].disable(); });
        }
        edit.control.getContainer().style.display = on ? "" : "none";
    }

    Z.edit = function (map, control, items) {
        var s = stateOf(map);
        if (!s || !control || !items) { return; }
        s.edit = {control: control, items: items, key: undefined};
        control.getContainer().classList.add("zones-draw");
        map.on("draw:created", function (e) {
            // One boundary and one point at a time: the latest replaces the one drawn before.
            items.eachLayer(function (other) {
                if (other !== e.layer && isPoint(other) === isPoint(e.layer)) {
                    items.removeLayer(other);
                }
            });
            if (isPoint(e.layer)) { draggable(map, e.layer); }
        });
        map.on("draw:editstop", function () {
            items.eachLayer(function (layer) { if (isPoint(layer)) { draggable(map, layer); } });
        });
        map.on("draw:drawstart", function () {
            if (s.measuring) { toggleMeasure(map); }
        });
        setEditable(map, false);
    };

    function updateEdit(map, view) {
        var s = stateOf(map), edit = view.edit || {};
        if (!s.edit) { return; }
        if (s.edit.key !== undefined && edit.key !== s.edit.key) {
            // Another park, or the correction was just proposed: the app knows what was drawn
            // is done with (the key told it), so clearing needs no rerun.
            s.edit.items.clearLayers();
        }
        s.edit.key = edit.key;
        setEditable(map, Boolean(edit.park));
    }

    // ----------------------------------------------------------------------------------------
    // Legend: the park colours part

    function swatch(parent, row) {
        var i = el("i", "", parent);
        i.style.backgroundColor = rgba(row.color, row.opacity);
        i.style.border = "1px solid " + row.color;
        return i;
    }

    function rgba(color, alpha) {
        var hex = String(color || "#777777").replace("#", "");
        if (hex.length === 3) { hex = hex.replace(/(.)/g, "$1$1"); }
        var n = parseInt(hex, 16);
        if (isNaN(n)) { n = 0x777777; }
        var a = alpha === undefined || alpha === null ? 1 : alpha;
        return "rgba(" + (n >> 16 & 255) + "," + (n >> 8 & 255) + "," + (n & 255) + "," + a + ")";
    }

    function fillLegend(map) {
        var s = stateOf(map), box = map.getContainer().querySelector(".zones-legend-parks");
        if (!box) { return; }
        box.textContent = "";
        var legend = s.view.legend || {rows: []};
        el("div", "zones-legend-head", box, legend.title);
        legend.rows.forEach(function (row) {
            var line = el("div", "zones-legend-row", box);
            swatch(line, row);
            line.appendChild(document.createTextNode(row.label));
        });
        el("div", "zones-legend-note", box, s.cfg.text.small_parks);
    }

    // ----------------------------------------------------------------------------------------
    // PNG of the current view, drawn on a canvas

    function rings(latlngs) {
        if (!latlngs.length) { return []; }
        if (L.LineUtil.isFlat(latlngs)) { return [latlngs]; }
        return latlngs.reduce(function (out, part) { return out.concat(rings(part)); }, []);
    }

    function dashes(dash, k) {
        if (!dash) { return []; }
        return String(dash).split(/[ ,]+/).filter(Boolean).map(function (v) { return Number(v) * k; });
    }

    function strokeAndFill(ctx, o, k, closed) {
        if (closed && o.fill !== false && o.fillOpacity) {
            ctx.globalAlpha = o.fillOpacity;
            ctx.fillStyle = o.fillColor || o.color;
            ctx.fill("evenodd");
        }
        if (o.stroke !== false && o.weight) {
            ctx.globalAlpha = o.opacity === undefined ? 1 : o.opacity;
            ctx.strokeStyle = o.color;
            ctx.lineWidth = o.weight * k;
            ctx.setLineDash(dashes(o.dashArray, k));
            ctx.lineCap = "round";
            ctx.lineJoin = "round";
            ctx.stroke();
        }
        ctx.globalAlpha = 1;
        ctx.setLineDash([]);
    }

    function font(px, bold) {
        return (bold ? "bold " : "") + Math.round(px) +
            "px 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif";
    }

    function niceMetres(maxMetres) {
        var p = Math.pow(10, Math.floor(Math.log10(maxMetres)));
        var steps = [5, 2, 1];
        for (var i = 0; i < steps.length; i++) {
            if (steps[i] * p <= maxMetres) { return steps[i] * p; }
        }
        return p;
    }

    function legendSwatch(ctx, x, y, w, h, row, k) {
        var st = row.style || {};
        ctx.beginPath();
        ctx.rect(x, y, w, h);
        var filled = st.fill !== false && (st.fillColor || row.color);
        if (filled) {
            ctx.globalAlpha = st.fillOpacity === undefined ? (row.opacity || 1) : st.fillOpacity;
            ctx.fillStyle = st.fillColor || row.color;
            ctx.fill();
        }
        ctx.globalAlpha = 1;
        ctx.strokeStyle = st.color || row.color || "#333";
        ctx.lineWidth = Math.min(st.weight || 1, 3) * k;
        ctx.setLineDash(dashes(st.dashArray, k * 0.6));
        ctx.stroke();
        ctx.setLineDash([]);
    }

    /** The map's layers that ``keep`` accepts, in the order the screen stacks them: by their
     * pane's z-index (the fetched outlines' pane lies under the parks), then as added. */
    function paneOrder(map, keep) {
        var found = [];
        map.eachLayer(function (layer) { if (keep(layer)) { found.push(layer); } });
        var z = function (layer) {
            var pane = map.getPane(layer.options.pane || "overlayPane");
            return Number(pane && pane.style.zIndex) || 400;  // Leaflet's overlay pane
        };
        return found.map(function (layer, n) { return [z(layer), n, layer]; })
            .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
            .map(function (e) { return e[2]; });
    }
    Z.paneOrder = paneOrder;  // the order the PNG draws the map's shapes in

    /** Draw the view on a canvas ``w`` x ``h`` and download it as a PNG. Returns the canvas. */
    Z.render = function (map, w, h) {
        var s = stateOf(map), cfg = s.cfg, png = cfg.png, k = w / 1600;
        var canvas = document.createElement("canvas");
        canvas.width = w;
        canvas.height = h;
        var ctx = canvas.getContext("2d");
        var pad = Math.round(24 * k), top = Math.round(96 * k), foot = Math.round(44 * k);
        var box = {x: pad, y: top, w: w - 2 * pad, h: h - top - foot};
        ctx.fillStyle = "#ffffff";
        ctx.fillRect(0, 0, w, h);

        // Title, filter sentence and colouring.
        ctx.fillStyle = "#212121";
        ctx.textBaseline = "alphabetic";
        ctx.font = font(30 * k, true);
        ctx.fillText(png.title, pad, Math.round(42 * k));
        ctx.font = font(17 * k);
        ctx.fillStyle = "#424242";
        var sentence = s.view.sentence || "";
        var legend = s.view.legend || {rows: []};
        ctx.fillText(sentence + (legend.title ? " · " + legend.title : ""), pad, Math.round(74 * k));

        // The map: the current view's bounds fitted into the picture's map area.
        var size = map.getSize();
        var zoom = map.getZoom() + Math.log2(Math.min(box.w / size.x, box.h / size.y));
        var centre = map.project(map.getCenter(), zoom);
        var project = function (ll) {
            var p = map.project(ll, zoom);
            return [box.x + box.w / 2 + p.x - centre.x, box.y + box.h / 2 + p.y - centre.y];
        };
        ctx.save();
        ctx.beginPath();
        ctx.rect(box.x, box.y, box.w, box.h);
        ctx.clip();
        ctx.fillStyle = png.background;
        ctx.fillRect(box.x, box.y, box.w, box.h);
        paneOrder(map, function (layer) {
            if (!(layer instanceof L.Polyline) || !layer.options) { return false; }
            return !(layer.options.className &&
                layer.options.className.indexOf("zones-park-marker") >= 0);
        }).forEach(function (layer) {
            var closed = layer instanceof L.Polygon;
            ctx.beginPath();
            rings(layer.getLatLngs()).forEach(function (ring) {
                ring.forEach(function (ll, n) {
                    var p = project(ll);
                    if (n) { ctx.lineTo(p[0], p[1]); } else { ctx.moveTo(p[0], p[1]); }
                });
                if (closed) { ctx.closePath(); }
            });
            strokeAndFill(ctx, layer.options, k, closed);
        });
        // Parks on the canvas layer (many parks): drawn by it, at the picture's scale.
        var many = manyOf(map);
        if (many) {
            many.drawTo(ctx, map.options.crs.scale(zoom), centre.x - box.x - box.w / 2,
                centre.y - box.y - box.h / 2, k, map.getBounds(), map.getZoom());
        }
        // Parks too small to see at this scale: a dot, as on screen.
        s.parks.forEach(function (park) {
            if (!map.hasLayer(park)) { return; }
            var b = park.getBounds(), a = project(b.getNorthWest()), c = project(b.getSouthEast());
            if (Math.max(Math.abs(c[0] - a[0]), Math.abs(c[1] - a[1])) >= cfg.minParkPx * k) {
                return;
            }
            var p = project(anchor(park)), o = park.options;
            ctx.beginPath();
            ctx.arc(p[0], p[1], cfg.markerRadius * k, 0, 2 * Math.PI);
            strokeAndFill(ctx, {color: o.color, weight: 2, fillColor: o.fillColor,
                fillOpacity: Math.max(0.75, o.fillOpacity || 0), dashArray: null}, k, true);
        });
        // Names, when the map shows them: larger parks first, none over another.
        if (map.getZoom() >= cfg.labelZoom) {
            var taken = [];
            ctx.font = font(13 * k, true);
            ctx.textAlign = "center";
            ctx.textBaseline = "middle";
            s.labels.forEach(function (label) {
                var park = label._zonesPark;
                if (!map.hasLayer(park)) { return; }
                var name = (park.feature.properties || {}).name || "";
                var p = project(anchor(park)), half = ctx.measureText(name).width / 2 + 3 * k;
                var r = {l: p[0] - half, r: p[0] + half, t: p[1] - 9 * k, b: p[1] + 9 * k};
                if (r.r < box.x || r.l > box.x + box.w || r.b < box.y || r.t > box.y + box.h) { return; }
                if (taken.some(function (o) { return r.l < o.r && r.r > o.l && r.t < o.b && r.b > o.t; })) {
                    return;
                }
                taken.push(r);
                ctx.lineWidth = 3 * k;
                ctx.strokeStyle = "rgba(255,255,255,0.9)";
                ctx.strokeText(name, p[0], p[1]);
                ctx.fillStyle = "#212121";
                ctx.fillText(name, p[0], p[1]);
            });
            ctx.textAlign = "left";
        }
        ctx.restore();
        ctx.strokeStyle = "#9e9e9e";
        ctx.lineWidth = 1;
        ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.w - 1, box.h - 1);

        drawNorth(ctx, box, k, cfg.text.north);
        drawScale(map, ctx, box, k, zoom);
        drawLegend(ctx, box, k, png, legend);

        // Sources and date.
        ctx.font = font(12 * k);
        ctx.fillStyle = "#616161";
        ctx.textBaseline = "alphabetic";
        var line = png.source + " · " + fill(cfg.text.date, {date: today()}) + " · " +
            cfg.text.indicative_note;
        ctx.fillText(line, pad, h - Math.round(17 * k), w - 2 * pad);
        return canvas;
    };

    function drawNorth(ctx, box, k, letter) {
        var x = box.x + box.w - 36 * k, y = box.y + 24 * k;
        ctx.fillStyle = "rgba(255,255,255,0.85)";
        ctx.fillRect(x - 20 * k, y - 14 * k, 40 * k, 66 * k);
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(x + 11 * k, y + 36 * k);
        ctx.lineTo(x, y + 28 * k);
        ctx.lineTo(x - 11 * k, y + 36 * k);
        ctx.closePath();
        ctx.fillStyle = "#212121";
        ctx.fill();
        ctx.font = font(15 * k, true);
        ctx.textAlign = "center";
        ctx.textBaseline = "top";
        ctx.fillText(letter, x, y + 38 * k);
        ctx.textAlign = "left";
        ctx.textBaseline = "alphabetic";
    }

    function drawScale(map, ctx, box, k, zoom) {
        var lat = map.getCenter().lat;
        var metresPerPx = 40075016.686 * Math.cos(lat * RAD) / (256 * Math.pow(2, zoom));
        var metres = niceMetres(160 * k * metresPerPx), px = metres / metresPerPx;
        var x = box.x + 16 * k, y = box.y + box.h - 22 * k;
        ctx.fillStyle = "rgba(255,255,255,0.85)";
        ctx.fillRect(x - 8 * k, y - 24 * k, px + 16 * k + 60 * k, 36 * k);
        ctx.strokeStyle = "#212121";
        ctx.lineWidth = 2 * k;
        ctx.beginPath();
        ctx.moveTo(x, y - 6 * k);
        ctx.lineTo(x, y);
        ctx.lineTo(x + px, y);
        ctx.lineTo(x + px, y - 6 * k);
        ctx.stroke();
        ctx.fillStyle = "#212121";
        ctx.font = font(13 * k);
        var label = metres >= 1000 ? metres / 1000 + " km" : metres + " m";
        ctx.fillText(label, x + px + 6 * k, y);
    }

    function drawLegend(ctx, box, k, png, parkLegend) {
        var rows = [{head: png.legendTitle}].concat(png.rows);
        if (parkLegend && parkLegend.rows.length) {
            rows.push({head: parkLegend.title});
            rows = rows.concat(parkLegend.rows.map(function (r) {
                return {label: r.label, style: {fillColor: r.color, fillOpacity: r.opacity,
                    color: r.color, weight: 1}};
            }));
        }
        var lineH = 19 * k, sw = 20 * k, gap = 7 * k, innerPad = 10 * k, width = 0;
        rows.forEach(function (row) {
            ctx.font = font(13 * k, Boolean(row.head));
            var text = row.head || row.label;
            width = Math.max(width, ctx.measureText(text).width + (row.head ? 0 : sw + gap));
        });
        width = Math.min(width, box.w * 0.45);
        var height = rows.length * lineH + 2 * innerPad;
        var x = box.x + box.w - width - 2 * innerPad - 12 * k;
        var y = box.y + box.h - height - 12 * k;
        ctx.fillStyle = "rgba(255,255,255,0.92)";
        ctx.fillRect(x, y, width + 2 * innerPad, height);
        ctx.strokeStyle = "#bdbdbd";
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, width + 2 * innerPad - 1, height - 1);
        ctx.textBaseline = "middle";
        rows.forEach(function (row, n) {
            var cy = y + innerPad + n * lineH + lineH / 2;
            ctx.font = font(13 * k, Boolean(row.head));
            ctx.fillStyle = "#212121";
            if (row.head) {
                ctx.fillText(row.head, x + innerPad, cy, width);
                return;
            }
            legendSwatch(ctx, x + innerPad, cy - 6 * k, sw, 12 * k, row, k);
            ctx.fillStyle = "#212121";
            ctx.fillText(row.label, x + innerPad + sw + gap, cy, width - sw - gap);
        });
        ctx.textBaseline = "alphabetic";
    }

    Z.savePng = function (map, w, h) {
        var canvas = Z.render(map, w, h);
        var name = stateOf(map).cfg.png.fileName + "_" + today() + "_" + w + "x" + h + ".png";
        canvas.toBlob(function (blob) {
            var a = el("a", "", document.body);
            a.href = URL.createObjectURL(blob);
            a.download = name;
            a.click();
            setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 10000);
        }, "image/png");
    };

    // ----------------------------------------------------------------------------------------
    // Entry points

    Z.init = function (map, cfg) {
        Z._map = map;
        var s = (map._zones = {
            cfg: cfg,
            seq: 0,
            parks: [],
            markerOf: [],
            labels: [],
            view: {legend: null, sentence: ""},
            measuring: false,
            measurePoints: []
        });
        s.markerLayer = L.layerGroup().addTo(map);
        s.labelLayer = L.layerGroup();
        s.measureLayer = L.layerGroup().addTo(map);
        if (cfg.drawLocal && L.drawLocal) { merge(L.drawLocal, cfg.drawLocal); }
        L.control.scale({metric: true, imperial: false, position: "bottomleft", maxWidth: 140})
            .addTo(map);
        if (L.Control.FullScreen) {
            new L.Control.FullScreen({position: "topleft", title: cfg.text.fullscreen,
                titleCancel: cfg.text.fullscreen_exit}).addTo(map);
            map.on("enterFullscreen exitFullscreen", function () {
                setTimeout(function () { map.invalidateSize(); sizeLegend(map); refresh(map); }, 50);
            });
        }
        new ToolBar().addTo(map);
        new SearchBox().addTo(map);
        var legend = map.getContainer().querySelector(".zones-legend details");
        if (legend && map.getSize().x < cfg.fit.narrow) { legend.open = false; }
        map.getContainer().setAttribute("role", "region");
        map.on("zoomend moveend", function () { refresh(map); });
        fitFrame(map);
        watchFrame(map);
        [200, 800, 2000].forEach(function (ms) {
            setTimeout(function () { fitFrame(map); refresh(map); }, ms);
        });
    };

    /** What benchmarks and browser tests wait for: the parks the map holds now (``parks``),
     * and ``seq``, counting the park layers swapped in (one per filter change or selection);
     * on the canvas also the park outlined under the pointer (``hovered``). */
    Z.status = function () {
        var s = Z._map && stateOf(Z._map), many = Z._map && manyOf(Z._map);
        if (many) {
            return {parks: many.drawn, seq: s.seq, mode: "canvas", drawMs: many.drawMs,
                fetchMs: many.table.timing.fetchMs, decodeMs: many.table.timing.decodeMs,
                hovered: many.hovered >= 0 ? many.table.raw.ids[many.hovered] : null};
        }
        return {parks: s ? s.parks.length : 0, seq: s ? s.seq : 0, mode: "svg"};
    };

    /** The point (in the map's container, CSS pixels) inside park ``id`` where a click selects
     * it, or null when the map does not show it (or, with many parks, another park's dot lies
     * over it at this zoom). */
    Z.pixelOf = function (id) {
        var map = Z._map, s = map && stateOf(map), many = map && manyOf(map), pt;
        if (many) {
            var i = many.table.index.get(id);
            pt = i === undefined || !many.shown[i] ? null : many.clickPointOf(i);
            return pt && [pt.x, pt.y];
        }
        var park = s && s.parks.filter(function (p) { return parkId(p) === id; })[0];
        if (!park) { return null; }
        pt = map.latLngToContainerPoint(anchor(park));
        return [pt.x, pt.y];
    };

    Z.update = function (map, view) {
        var s = stateOf(map);
        if (!s) { return; }
        s.view = view;
        s.seq += 1;
        s.markerLayer.clearLayers();
        s.labelLayer.clearLayers();
        s.parks = [];
        map.eachLayer(function (layer) {
            var cls = layer.options && layer.options.className;
            if (layer.feature && cls && /(^|\s)zones-park(\s|$)/.test(cls)) { s.parks.push(layer); }
        });
        s.markerOf = s.parks.map(function (park) { return makeMarker(map, park); });
        var area = function (park) {
            var b = park.getBounds();
            return (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
        };
        s.labels = s.parks
            .map(function (park) { return makeLabel(park); })
            .sort(function (a, b) {
                var sa = parkId(a._zonesPark) === view.selected ? 1 : 0;
                var sb = parkId(b._zonesPark) === view.selected ? 1 : 0;
                return sb - sa || area(b._zonesPark) - area(a._zonesPark);
            });
        s.labels.forEach(function (label) { s.labelLayer.addLayer(label); });
        var container = map.getContainer();
        container.setAttribute("aria-label", view.description || "");
        fillLegend(map);
        updateEdit(map, view);
        if (s.search && s.search.input.value) { suggest(map); closeList(map); }
        refresh(map);
        // streamlit-folium sets the frame's height after this script: fit it again after.
        setTimeout(function () { fitFrame(map); refresh(map); }, 0);
    };
})();
