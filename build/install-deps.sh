#!/usr/bin/env bash
# Installs what the tests need (apt and npm packages), only what is missing. Safe to run repeatedly.
# Each concern has its own script under build/deps/ (run in name order); each prints what it installs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# apt packages wanted by build/deps/*.apt (one package name per line), installed in one apt run.
mapfile -t wanted < <(cat "$root"/build/deps/*.apt 2>/dev/null | sed 's/#.*//' | xargs -n1 2>/dev/null | sort -u)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing apt packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for script in "$root"/build/deps/*.sh; do
  [ -f "$script" ] || continue
  bash "$script"
done
