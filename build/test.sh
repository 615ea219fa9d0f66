#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, starts private database instances,
# builds, runs every test project (net10.0), the client and server suites again on .NET 8, the packaging path (pack, install
# the templates, build and test what they make), stops the databases, and ends with one line "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash build/install-deps.sh || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }

results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

dotnet build Sesame.slnx -c Release -warnaserror 2>&1 | tail -n 30
if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi

# The Blazor tests serve a published Demo.Client. Publishing (trimming) is the slowest build step, so it runs here, before the
# test projects compete for the two cores; the test fixture then finds it up to date (same arguments, incremental).
dotnet publish samples/Demo.Client/Demo.Client.csproj -c Release -p:CompressionEnabled=false \
  -o "$root/.build/blazor-publish/Demo.Client" --artifacts-path "$root/.build/blazor-publish/artifacts" --nologo -v:q 2>&1 | tail -n 20
if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "publish of samples/Demo.Client failed"; echo "0 passed, 1 failed"; exit 1; fi

# Private service instances (databases, peers): each build/services/X.sh takes start|stop and, on start, prints
# KEY=VALUE lines that the tests read from the environment.
services=()
stop_services() { for s in "${services[@]}"; do bash "$s" stop >/dev/null 2>&1 || true; done; }
trap stop_services EXIT
for s in build/services/*.sh; do
  [ -f "$s" ] || continue
  out=$(bash "$s" start) || { echo "service $s failed to start"; echo "$out"; echo "0 passed, 1 failed"; exit 1; }
  services+=("$s")
  while IFS= read -r line; do
    case "$line" in [A-Z_]*=*) export "$line" ;; esac
  done <<< "$out"
done

dotnet test --solution Sesame.slnx -c Release --no-build --report-xunit-trx --results-directory "$results" 2>&1 | tee "$results/dotnet-test.log"
test_rc=${PIPESTATUS[0]}

# The counts: dotnet test's own summary of all projects ("succeeded: N", "failed: N" after the last project). The per-project TRX
# files are the fallback (a run that died before its summary); they are not the first source because two projects finishing
# in the same instant can get the same TRX file name, and one file then hides the other's tests.
passed=$(sed -n 's/^[[:space:]]*succeeded: \([0-9][0-9]*\)[[:space:]]*$/\1/p' "$results/dotnet-test.log" | tail -n 1)
failed=$(sed -n 's/^[[:space:]]*failed: \([0-9][0-9]*\)[[:space:]]*$/\1/p' "$results/dotnet-test.log" | tail -n 1)
if [ -z "$passed" ] || [ -z "$failed" ]; then
  passed=0; failed=0
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    c=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(echo "$c" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); f=$(echo "$c" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  done
fi
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "net10.0 suite: $passed passed, $failed failed"

# Two more runs, each ending with "<what>: N passed, N failed", added to the total:
#   build/net8-tests.sh      the client and server suites on the .NET 8 runtime (self-contained net8.0 builds)
#   build/template-tests.sh  every package packed into a local feed, both dotnet new templates instantiated for net8.0 and
#                            net10.0 and built from that feed alone, their tests run
for step in net8-tests template-tests; do
  bash "build/$step.sh" "$results/$step" 2>&1 | tee "$results/$step.log"
  step_rc=${PIPESTATUS[0]}
  line=$(grep -E ': [0-9]+ passed, [0-9]+ failed$' "$results/$step.log" | tail -n 1)
  p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
  f=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
  if [ -z "$p" ]; then p=0; f=1; fi
  if [ "$step_rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
