#!/usr/bin/env bash
# Packs every shipped package (build/packages.slnx: src/* and templates/Sesame.Templates) into one folder, .nupkg + .snupkg
# each, in one build. Usage: bash build/pack.sh [output folder, default artifacts/packages] [extra dotnet pack arguments]
# The version comes from git (MinVer): the nearest "vX.Y.Z" tag, else 0.1.0-alpha.0.<commits since the first>.
# Fails if a project under src/ or templates/ is missing from build/packages.slnx (a package nobody would ship).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-$root/artifacts/packages}"; shift || true
for proj in src/*/*.csproj templates/*/*.csproj; do
  grep -q "\"../$proj\"" build/packages.slnx || { echo "pack.sh: $proj is not in build/packages.slnx"; exit 1; }
done
mkdir -p "$out"
rm -f "$out"/Sesame.*.nupkg "$out"/Sesame.*.snupkg
dotnet pack build/packages.slnx -c Release -warnaserror -o "$out" --nologo -v:q "$@"
ls "$out"
