#!/usr/bin/env bash
# The client and server unit suites on the .NET 8 runtime. Only the .NET 10 runtime is installed: the test projects are built for
# net8.0 self-contained (tests/Directory.Build.props, SesameTestTargetFramework), so they carry the 8.0 runtime from its NuGet
# runtime pack and run on it; the libraries under test are their net8.0 builds. Output goes to .build/net8 (its own obj/bin, so
# the net10.0 build is untouched). Ends with "net8 tests: N passed, N failed".
# Subset: tests/Sesame.Client.Tests and tests/Sesame.AspNetCore.Tests (the libraries' own suites); the others run on net10.0 only.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="${1:-$root/artifacts/test-results/net8}"
rm -rf "$results"; mkdir -p "$results"
projects=(Sesame.Client.Tests Sesame.AspNetCore.Tests)

for p in "${projects[@]}"; do
  dotnet build "tests/$p/$p.csproj" -c Release -warnaserror -p:SesameTestTargetFramework=net8.0 --artifacts-path "$root/.build/net8" \
    --nologo -v:q 2>&1 | tail -n 20
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "net8 build of $p failed"; echo "net8 tests: 0 passed, 1 failed"; exit 1; fi
done

# The two suites mostly wait on sockets and timers: run side by side. Each is its test executable, run directly by the
# self-contained host (its banner names the runtime: ".NET 8.0.x").
pids=()
for p in "${projects[@]}"; do
  "$root/.build/net8/bin/$p/release_linux-x64/$p" -noColor -trx "$results/$p.trx" > "$results/$p.log" 2>&1 &
  pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done

passed=0; failed=0
for p in "${projects[@]}"; do
  grep -E 'Runner v|\[FAIL\]' "$results/$p.log" | head -n 20
  # xunit's summary: "<name>  Total: N, Errors: N, Failed: N, Skipped: N, Not Run: N, Time: …"
  line=$(grep -E "^[[:space:]]*$p[[:space:]]+Total: " "$results/$p.log" | tail -n 1)
  if [ -z "$line" ]; then echo "$p: no summary (see $results/$p.log)"; tail -n 20 "$results/$p.log"; failed=$((failed + 1)); continue; fi
  echo "$line"
  num() { echo "$line" | sed -n "s/.*$1: \([0-9]*\).*/\1/p"; }
  total=$(num Total); errors=$(num Errors); fails=$(num Failed); skipped=$(num Skipped); notrun=$(num 'Not Run')
  passed=$((passed + total - errors - fails - skipped - notrun)); failed=$((failed + errors + fails))
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "net8 tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
