#!/usr/bin/env bash
# Fetch the browser assets the map needs from the npm registry and copy them under
# static/vendor/, which Streamlit serves at /app/static/vendor/ (enableStaticServing).
# The app never loads a script or stylesheet from a CDN: it must work offline.
#
#   scripts/vendor_assets.sh          re-create static/vendor/ and static/vendor/SOURCES.md
#
# Each package is pinned by version and by the sha256 of its npm tarball; a mismatch stops.
set -euo pipefail
cd "$(dirname "$0")/.."

# name version sha256-of-tarball licence files-to-copy (paths inside the package)
PACKAGES=(
    "leaflet 1.9.4 84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77 BSD-2-Clause dist/leaflet.js,dist/leaflet.css,dist/images/layers.png,dist/images/layers-2x.png,dist/images/marker-icon.png,dist/images/marker-icon-2x.png,dist/images/marker-shadow.png,LICENSE"
    "leaflet.fullscreen 5.3.3 a4fb228c6cfbc4e2c0e9eb655e62623e608004d3084966d9cf013fe8f9a80449 MIT dist/Control.FullScreen.umd.js,dist/Control.FullScreen.css,LICENSE.md"
)
# Each package also needs its entry in zones.assets.PLUGINS (the files the map loads); the
# app's own map tools (static/zones/) are not vendored and not listed here.

DEST=static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

{
    echo "# Vendored browser assets"
    echo
    echo "Served by the app itself (Streamlit static serving, \`/app/static/vendor/...\`) so the map"
    echo "draws with no internet. Re-create with \`scripts/vendor_assets.sh\`; do not edit by hand."
    echo
    echo "| package | version | licence | npm tarball sha256 |"
    echo "|---|---|---|---|"
} > "$WORK/SOURCES.head"
: > "$WORK/SOURCES.files"

for entry in "${PACKAGES[@]}"; do
    read -r name version want_sha licence files <<< "$entry"
    (cd "$WORK" && npm pack --silent "$name@$version" > /dev/null)
    tarball="$WORK/$name-$version.tgz"
    got_sha=$(sha256sum "$tarball" | cut -d' ' -f1)
    if [ "$got_sha" != "$want_sha" ]; then
        echo "sha256 mismatch for $name@$version: got $got_sha, expected $want_sha" >&2
        exit 1
    fi
    mkdir -p "$WORK/$name"
    tar -xzf "$tarball" -C "$WORK/$name"
    rm -rf "${DEST:?}/$name"
    IFS=',' read -r -a paths <<< "$files"
    for path in "${paths[@]}"; do
        target="$DEST/$name/${path#dist/}"
        mkdir -p "$(dirname "$target")"
        cp "$WORK/$name/package/$path" "$target"
        echo "| \`${target#"$DEST"/}\` | $(sha256sum "$target" | cut -d' ' -f1) |" >> "$WORK/SOURCES.files"
    done
    echo "| $name | $version | $licence | \`$got_sha\` |" >> "$WORK/SOURCES.head"
done

{
    cat "$WORK/SOURCES.head"
    echo
    echo "Files (sha256):"
    echo
    echo "| file | sha256 |"
    echo "|---|---|"
    cat "$WORK/SOURCES.files"
} > "$DEST/SOURCES.md"
echo "wrote $DEST/ and $DEST/SOURCES.md"
