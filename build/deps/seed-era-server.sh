#!/usr/bin/env bash
# npm packages of the seed-era (legacy) peer, tests/Interop/seed-era-server: `npm ci` from the committed lock file,
# skipped when node_modules already matches it (npm writes node_modules/.package-lock.json on every install).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/tests/Interop/seed-era-server"
command -v npm >/dev/null 2>&1 || { echo "seed-era-server.sh: npm not found (install Node.js 18+)" >&2; exit 1; }
stamp="$dir/node_modules/.sesame-lock.sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dir/node_modules/supertokens-node-mysql-ref-jwt" ]; then
  exit 0
fi
echo "installing the seed-era peer's npm packages (npm ci in tests/Interop/seed-era-server)"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" > "$stamp"
