#!/usr/bin/env bash
# The flakiness proof: N back-to-back runs of the test command (bash build/test.sh) in a clean clone of this repository's
# HEAD (or REV), with a `dotnet build --no-incremental` loop of a second clone beside it as load (niced, so it takes what the
# tests leave). One line per run in <out>/load-runs.log: its "N passed, N failed", its duration and the load average.
# Usage: bash build/load-runs.sh [N=5] [REV=HEAD] [OUT=/tmp/sesame-load-runs]   (about N x 10-30 min on 2 cores)
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-5}"; rev="${2:-HEAD}"; out="${3:-/tmp/sesame-load-runs}"
rm -rf "$out"; mkdir -p "$out"
git clone -q "$root" "$out/suite" && git -C "$out/suite" checkout -q "$(git -C "$root" rev-parse "$rev")"
git clone -q "$root" "$out/load"
log="$out/load-runs.log"
( cd "$out/load" && while [ ! -e "$out/stop" ]; do nice -n 19 dotnet build Sesame.slnx -c Debug --no-incremental >/dev/null 2>&1; done ) &
loader=$!
echo "$(date -u +%FT%TZ) $n runs of build/test.sh at $(git -C "$out/suite" rev-parse --short HEAD), build loop beside them" | tee -a "$log"
failed_runs=0
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  ( cd "$out/suite" && bash build/test.sh >"$out/run-$i.log" 2>&1 )
  last="$(tail -n 1 "$out/run-$i.log")"
  case "$last" in *" 0 failed") ;; *) failed_runs=$((failed_runs + 1)) ;; esac
  echo "$(date -u +%FT%TZ) run $i: $last in $(( $(date +%s) - start )) s, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
done
touch "$out/stop"; wait "$loader"
echo "$n runs, $failed_runs with failures (logs: $out/run-N.log)" | tee -a "$log"
[ "$failed_runs" -eq 0 ]
