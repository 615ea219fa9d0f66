#!/usr/bin/env bash
# Writes every public API the shipped packages declare nowhere yet into their PublicAPI.Unshipped.txt (the symbols the analyzer
# reports as RS0016 in a build of every target), so a public change is one reviewed diff of those files.
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
    dir="$(dirname "$proj")"
    for f in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do [ -f "$dir/$f" ] || echo '#nullable enable' > "$dir/$f"; done
    echo "public-api.sh: $proj"
    # The analyzer names each undeclared symbol exactly as the file wants it (RS0016): collect them from a build of every target.
    log="$(mktemp)"
    dotnet build "$proj" -c Release --no-incremental -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= -v q --nologo >"$log" 2>&1 || true
    { cat "$dir/PublicAPI.Unshipped.txt"
      # Only this project's lines (a build also reports on the projects it references).
      grep -F "[$root/$proj" "$log" | grep -o "RS0016: Symbol '.*' is not part of the declared public API" \
        | sed "s/^RS0016: Symbol '\(.*\)' is not part of the declared public API$/\1/" || true
    } | { grep -v -e '^#nullable' -e '^$' || true; } | LC_ALL=C sort -u > "$log.api"
    { echo '#nullable enable'; cat "$log.api"; } > "$dir/PublicAPI.Unshipped.txt"
    rm -f "$log" "$log.api"
  done
fi
if [ "${1:-}" = "--ship" ] || [ "${1:-}" = "--ship-only" ]; then
  for proj in src/*/*.csproj; do
    dir="$(dirname "$proj")"; [ -f "$dir/PublicAPI.Unshipped.txt" ] || continue; shipped="$dir/PublicAPI.Shipped.txt"; unshipped="$dir/PublicAPI.Unshipped.txt"
    { echo '#nullable enable'; cat "$shipped" "$unshipped" | { grep -v -e '^#nullable' -e '^$' || true; } \
      | awk '/^\*REMOVED\*/ { removed[substr($0, 10)] = 1; next } { lines[++n] = $0 } END { for (i = 1; i <= n; i++) if (!(lines[i] in removed)) print lines[i] }' \
      | LC_ALL=C sort -u; } > "$shipped.new"
    mv "$shipped.new" "$shipped"
    echo '#nullable enable' > "$unshipped"
  done
fi
