#!/usr/bin/env bash
# Fetch the browser assets the map needs from the npm registry and copy them under
# static/vendor/, which Streamlit serves at /app/static/vendor/ (enableStaticServing).
# The app never loads a script or stylesheet from a CDN: it must work offline.
#
#   scripts/vendor_assets.sh          re-create static/vendor/ and static/vendor/SOURCES.md
#
# Each package is pinned by version and by the sha256 of its npm tarball; a mismatch stops.
# A file a package's tarball lacks (leaflet-draw publishes no licence file) is written
# repo:PATH, copied from this repository (PATH, kept beside this script) and pinned by sha256
# too (REPO_FILES); SOURCES.md says where it comes from.
set -euo pipefail
cd "$(dirname "$0")/.."

# name version sha256-of-tarball licence files-to-copy (paths inside the package, or repo:PATH)
PACKAGES=(
    "leaflet 1.9.4 84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77 BSD-2-Clause dist/leaflet.js,dist/leaflet.css,dist/images/layers.png,dist/images/layers-2x.png,dist/images/marker-icon.png,dist/images/marker-icon-2x.png,dist/images/marker-shadow.png,LICENSE"
    "leaflet.fullscreen 5.3.3 a4fb228c6cfbc4e2c0e9eb655e62623e608004d3084966d9cf013fe8f9a80449 MIT dist/Control.FullScreen.umd.js,dist/Control.FullScreen.css,LICENSE.md"
    "leaflet-draw 1.0.4 b3ec161a931ad88b3f008283b824ceac5af98b5ec603877f294834d1edcc3aa6 MIT dist/leaflet.draw.js,dist/leaflet.draw.css,dist/images/spritesheet.png,dist/images/spritesheet-2x.png,dist/images/spritesheet.svg,repo:scripts/vendor-licenses/leaflet-draw/LICENSE"
)
# path sha256 origin: the files copied from this repository (repo:PATH above).
REPO_FILES=(
    "scripts/vendor-licenses/leaflet-draw/LICENSE 320f2c68ac27b7f7f2a78c490470a273d297e753ab37ba026944616bf0a62f47 MIT-LICENSE.md of github.com/Leaflet/Leaflet.draw at tag v1.0.4 (commit 65d7866b14e926b72465d0077809683a77344019); the npm tarball has no licence file"
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
: > "$WORK/SOURCES.notes"

# The sha256 and origin REPO_FILES pins for a repository file; stops when it is not pinned.
repo_file() {
    local want="$1" path sha origin
    for pinned in "${REPO_FILES[@]}"; do
        read -r path sha origin <<< "$pinned"
        if [ "$path" = "$want" ]; then
            echo "$sha $origin"
            return
        fi
    done
    echo "repo:$want is not pinned in REPO_FILES" >&2
    exit 1
}

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
        if [[ "$path" == repo:* ]]; then
            source_file="${path#repo:}"
            pinned_file=$(repo_file "$source_file")
            read -r want_file_sha origin <<< "$pinned_file"
            got_file_sha=$(sha256sum "$source_file" | cut -d' ' -f1)
            if [ "$got_file_sha" != "$want_file_sha" ]; then
                echo "sha256 mismatch for $source_file: got $got_file_sha, expected $want_file_sha" >&2
                exit 1
            fi
            target="$DEST/$name/$(basename "$source_file")"
            echo "- \`${target#"$DEST"/}\`: copied from \`$source_file\`, $origin." >> "$WORK/SOURCES.notes"
        else
            source_file="$WORK/$name/package/$path"
            target="$DEST/$name/${path#dist/}"
        fi
        mkdir -p "$(dirname "$target")"
        cp "$source_file" "$target"
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
    if [ -s "$WORK/SOURCES.notes" ]; then
        echo
        echo "Files not in their npm tarball:"
        echo
        cat "$WORK/SOURCES.notes"
    fi
} > "$DEST/SOURCES.md"
echo "wrote $DEST/ and $DEST/SOURCES.md"
