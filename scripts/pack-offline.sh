#!/usr/bin/env bash
# Builds the smc-kit artifact for hosts without a registry (the guide's offline scenario):
# the `npm pack` tarball of this checkout with its runtime dependencies bundled inside, at the
# versions package-lock.json pins. Hosts install it with the role scripts' own command,
#   npm install -g --omit=optional <url of the tarball>
# and reach no registry. Left out, as on every host install: the optional dependencies (the
# cdktf bindings `smc synth` needs, the embedded PostgreSQL binaries `smc serve` uses only
# without DATABASE_URL).
#
#   npm run pack:offline [-- <output folder>]     (run `npm run build` first)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath "${1:-.}")
[ -f dist/bin/smc.js ] || { echo "pack-offline: dist/ is missing; run npm run build first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/smc-pack-offline-XXXXXX")
trap 'rm -rf "$work"' EXIT

tarball=$(npm pack --ignore-scripts --silent --pack-destination "$work")
tar -xzf "$work/$tarball" -C "$work"
cp package-lock.json "$work/package/"
(
  cd "$work/package"
  npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error
  # Every runtime dependency travels inside the tarball; npm installs them from there. The
  # optional ones are dropped from the manifest: npm resolves even omitted dependencies
  # against a registry before it leaves them out, and offline there is none.
  node -e '
    const fs = require("node:fs");
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
    pkg.bundleDependencies = Object.keys(pkg.dependencies ?? {});
    delete pkg.optionalDependencies;
    // Built already; npm would only warn about a prepare script it does not run.
    delete pkg.scripts?.prepare;
    fs.writeFileSync("package.json", `${JSON.stringify(pkg, null, 2)}\n`);
  '
  rm package-lock.json
  mkdir -p "$work/bundle"
  npm pack --ignore-scripts --silent --pack-destination "$work/bundle" >/dev/null
)
mkdir -p "$out"
name="${tarball%.tgz}-offline.tgz"
mv "$work/bundle/$tarball" "$out/$name"
echo "$out/$name"
