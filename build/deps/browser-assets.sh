#!/usr/bin/env bash
# npm packages for the browser interop tests and the conformance server, from tests/Interop/browser-assets/
# (package.json + package-lock.json pin supertokens-website, esbuild, axios, axios-mock-adapter), and the official
# client's browser bundle built from the npm package (the package ships none) into dist/supertokens.js.
# Idempotent: does nothing when node_modules matches the lock file and the bundle is newer than both.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
assets="$root/tests/Interop/browser-assets"
cd "$assets"

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.sesame-lock-sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "browser-assets: npm ci in tests/Interop/browser-assets"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$lock_hash" > "$stamp"
fi

bundle="dist/supertokens.js"
if [ ! -f "$bundle" ] || [ "$stamp" -nt "$bundle" ]; then
  echo "browser-assets: building $bundle from supertokens-website"
  mkdir -p dist
  # Same shape as the package's own webpack bundle (library "supertokens" => a global `supertokens`).
  node_modules/.bin/esbuild node_modules/supertokens-website/lib/build/bundleEntry.js \
    --bundle --format=iife --global-name=supertokens --minify --log-level=warning --outfile="$bundle.tmp"
  mv "$bundle.tmp" "$bundle"
fi
