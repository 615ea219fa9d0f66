#!/usr/bin/env bash
# Writes every public API the shipped packages declare nowhere yet into their PublicAPI.Unshipped.txt (the analyzer's own code
# fix for RS0016, run by dotnet format), so a public change is one reviewed diff of those files.
# Usage: bash build/public-api.sh            add new public APIs to PublicAPI.Unshipped.txt
#        bash build/public-api.sh --ship     then move everything unshipped into PublicAPI.Shipped.txt (at a release)
#        bash build/public-api.sh --ship-only  only the move
# A removed or changed public API fails the build with RS0017: delete its line from PublicAPI.Unshipped.txt if it never
# shipped, else add the line prefixed with "*REMOVED*" to PublicAPI.Unshipped.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ "${1:-}" != "--ship-only" ]; then
  for proj in src/*/*.csproj; do
    echo "public-api.sh: $proj"
    dotnet format analyzers "$proj" --diagnostics RS0016 --severity info -v q
  done
fi
if [ "${1:-}" = "--ship" ] || [ "${1:-}" = "--ship-only" ]; then
  for proj in src/*/*.csproj; do
    dir="$(dirname "$proj")"; shipped="$dir/PublicAPI.Shipped.txt"; unshipped="$dir/PublicAPI.Unshipped.txt"
    { echo '#nullable enable'; cat "$shipped" "$unshipped" | { grep -v -e '^#nullable' -e '^$' || true; } \
      | awk '/^\*REMOVED\*/ { removed[substr($0, 10)] = 1; next } { lines[++n] = $0 } END { for (i = 1; i <= n; i++) if (!(lines[i] in removed)) print lines[i] }' \
      | LC_ALL=C sort -u; } > "$shipped.new"
    mv "$shipped.new" "$shipped"
    echo '#nullable enable' > "$unshipped"
  done
fi
