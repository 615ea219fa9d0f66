#!/usr/bin/env bash
# The packaging path, from packages alone: packs every package into a local folder feed, installs Sesame.Templates from it,
# instantiates sesame-api and sesame-client for net10.0 and net8.0 (and sesame-api --store postgresql), builds them against the
# feed (PackageReference only, no project reference into this repository) and runs the generated tests.
# A broken package, a missing dependency or a wrong README path fails here. Ends with "template tests: N passed, N failed".
# Nothing leaks into the machine: the template hive, the NuGet config and the package folder for our packages are temporary
# (packages already in the global NuGet folder are read from it as a fallback, not copied).
# The net8.0 tests run on the .NET 8 runtime from its runtime pack (self-contained build), as in build/net8-tests.sh.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="${1:-$root/artifacts/test-results/templates}"
rm -rf "$results"; mkdir -p "$results"
work="$(mktemp -d /tmp/sesame-templates.XXXXXX)"
trap 'rm -rf "$work"' EXIT
feed="$work/feed"; hive="$work/hive"
passed=0; failed=0
fail() { echo "template tests: $*"; failed=$((failed + 1)); }
finish() { echo "template tests: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

bash build/pack.sh "$feed" >"$results/pack.log" 2>&1 || { tail -n 30 "$results/pack.log"; fail "pack failed"; finish; }
ls "$feed"

global_packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cat >"$work/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="sesame-local-feed" value="$feed" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="global-packages" value="$global_packages" />
  </fallbackPackageFolders>
</configuration>
XML
export NUGET_PACKAGES="$work/packages"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet new install "$(ls "$feed"/Sesame.Templates.*.nupkg)" --debug:custom-hive "$hive" >"$results/install.log" 2>&1 \
  || { cat "$results/install.log"; fail "dotnet new install failed"; finish; }
# dotnet new install succeeds even when one template of the package does not load: both must be there.
if grep -q '^Error' "$results/install.log"; then cat "$results/install.log"; fail "a template did not load"; finish; fi

# dotnet new NAME OUT ARGS…: instantiates into $work/OUT
new() {
  local template="$1" out="$2"; shift 2
  dotnet new "$template" -o "$work/$out" --debug:custom-hive "$hive" "$@" >"$results/new-$out.log" 2>&1 \
    || { cat "$results/new-$out.log"; fail "dotnet new $template $* failed"; return 1; }
  # From packages alone: no reference may point back into the repository.
  if grep -rq 'ProjectReference Include="[^"]*\.\./\.\./\.\./' "$work/$out" --include=*.csproj; then fail "$out references the repository"; return 1; fi
}

build() {
  local proj="$1" log="$2"; shift 2
  dotnet build "$proj" -c Release --nologo -v:q -warnaserror "$@" >"$log" 2>&1 || { tail -n 30 "$log"; fail "build of $proj failed"; return 1; }
}

# xunit's own summary line: "<name>  Total: N, Errors: N, Failed: N, Skipped: N, Not Run: N, Time: …"
count() {
  local log="$1" line
  line=$(grep -E '^[[:space:]]*[A-Za-z0-9_.]+[[:space:]]+Total: [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then tail -n 30 "$log"; fail "no test summary in $log"; return 1; fi
  echo "$line"
  num() { echo "$line" | sed -n "s/.*$1: \([0-9]*\).*/\1/p"; }
  local total errors fails skipped notrun
  total=$(num Total); errors=$(num Errors); fails=$(num Failed); skipped=$(num Skipped); notrun=$(num 'Not Run')
  passed=$((passed + total - errors - fails - skipped - notrun)); failed=$((failed + errors + fails))
  [ $((errors + fails)) -eq 0 ] && [ "$total" -gt 0 ]
}

for fw in net10.0 net8.0; do
  tag="${fw//./}"
  # The API template with its tests. net10.0: `dotnet test` as a user runs it (VSTest); net8.0: self-contained on the 8.0
  # runtime pack, the test executable run directly (the machine has no .NET 8 runtime installed).
  if new sesame-api "api-$tag" -n "Api$tag" --framework "$fw"; then
    tests="$work/api-$tag/tests/Api$tag.Tests"
    if [ "$fw" = net10.0 ]; then
      if build "$tests" "$results/build-api-$tag.log"; then
        (cd "$tests" && dotnet test --no-build -c Release --nologo -- xUnit.ReporterSwitch=default) >"$results/test-api-$tag.log" 2>&1
        rc=$?
        line=$(grep -E 'Passed!|Failed!' "$results/test-api-$tag.log" | tail -n 1); echo "api $fw: $line"
        p=$(echo "$line" | sed -n 's/.*Passed:[[:space:]]*\([0-9]*\).*/\1/p'); f=$(echo "$line" | sed -n 's/.*Failed:[[:space:]]*\([0-9]*\).*/\1/p')
        if [ -z "$p" ]; then tail -n 30 "$results/test-api-$tag.log"; fail "no dotnet test summary for api $fw"
        else passed=$((passed + p)); failed=$((failed + ${f:-0})); if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then fail "dotnet test exited $rc"; fi; fi
      fi
    else
      if build "$tests" "$results/build-api-$tag.log" -r linux-x64 --self-contained; then
        exe="$tests/bin/Release/$fw/linux-x64/Api$tag.Tests"
        (cd "$(dirname "$exe")" && "$exe" -noColor) >"$results/test-api-$tag.log" 2>&1
        grep -E 'Runner v' "$results/test-api-$tag.log" | head -n 1
        count "$results/test-api-$tag.log" || true
      fi
    fi
  fi
  # The console client template: builds against the feed.
  if new sesame-client "client-$tag" -n "Client$tag" --framework "$fw"; then
    build "$work/client-$tag" "$results/build-client-$tag.log" && echo "client $fw: built"
  fi
done

# The PostgreSQL store option: builds; its tests run when the private PostgreSQL instance is there (build/services/postgres.sh).
if new sesame-api api-pg -n ApiPg --store postgresql; then
  tests="$work/api-pg/tests/ApiPg.Tests"
  if build "$tests" "$results/build-api-pg.log"; then
    if [ -n "${SESAME_TEST_POSTGRES:-}" ]; then
      exe="$tests/bin/Release/net10.0/ApiPg.Tests"
      # A database of its own per run: a generated app has its own Data Protection key ring, so keys an earlier run stored
      # would (rightly) stop it at start-up as "written under another key ring".
      pgport=$(echo "$SESAME_TEST_POSTGRES" | sed -n 's/.*Port=\([0-9]*\).*/\1/p')
      pgdb="sesame_template_$$_$(date +%s)"
      psql -h 127.0.0.1 -p "$pgport" -U sesame -d postgres -qc "CREATE DATABASE $pgdb" >/dev/null
      pgconn=$(echo "$SESAME_TEST_POSTGRES" | sed "s/Database=[^;]*/Database=$pgdb/")
      (cd "$(dirname "$exe")" && Session__PostgreSql__ConnectionString="$pgconn" "$exe" -noColor) >"$results/test-api-pg.log" 2>&1
      count "$results/test-api-pg.log" || true
      psql -h 127.0.0.1 -p "$pgport" -U sesame -d postgres -qc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
    else
      echo "api --store postgresql: built (SESAME_TEST_POSTGRES not set: its tests not run)"
    fi
  fi
fi
finish
