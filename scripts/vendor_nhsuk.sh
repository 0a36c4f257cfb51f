#!/usr/bin/env bash
# Refresh the vendored NHS.UK frontend assets at the pinned version.
# Usage: scripts/vendor_nhsuk.sh [VERSION]   (needs npm; run by `make assets`)
set -euo pipefail
version="${1:-10.6.1}"
dest="$(cd "$(dirname "$0")/.." && pwd)/healthlead/core/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "nhsuk-frontend@${version}" >/dev/null 2>&1 && tar xzf "nhsuk-frontend-${version}.tgz")
src="$work/package/dist/nhsuk"
rm -rf "$dest/nhsuk" "$dest/images" "$dest/manifest.json"
mkdir -p "$dest/nhsuk" "$dest/images"
cp "$src/nhsuk-frontend.min.css" "$src/nhsuk-frontend.min.css.map" \
   "$src/nhsuk-frontend.min.js" "$src/nhsuk-frontend.min.js.map" "$dest/nhsuk/"
cp "$src/assets/manifest.json" "$dest/manifest.json"
cp "$src/assets/images/"* "$dest/images/"
cat > "$dest/nhsuk/LICENCE.txt" <<TXT
nhsuk-frontend ${version} (npm package), MIT licence, (c) NHS England.
Source: the nhsuk-frontend package on the npm registry, dist/nhsuk/.
Refreshed by scripts/vendor_nhsuk.sh.
TXT
echo "nhsuk-frontend ${version} vendored into ${dest}"
