#!/usr/bin/env bash
# Packs every shipped package (src/*/*.csproj and templates/Sesame.Templates) into one folder: .nupkg + .snupkg each.
# Usage: bash build/pack.sh [output folder, default artifacts/packages] [extra dotnet pack arguments, e.g. --no-build]
# The version comes from git (MinVer): the nearest "vX.Y.Z" tag, else 0.1.0-alpha.0.<commits since the first>.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-$root/artifacts/packages}"; shift || true
mkdir -p "$out"
rm -f "$out"/Sesame.*.nupkg "$out"/Sesame.*.snupkg
for proj in src/*/*.csproj templates/*/*.csproj; do
  [ -f "$proj" ] || continue
  dotnet pack "$proj" -c Release -warnaserror -o "$out" --nologo -v:q "$@"
done
ls "$out"
