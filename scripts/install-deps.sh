#!/usr/bin/env bash
# Installs the Debian packages salvo needs to build and test, only those that are missing.
# Idempotent: when everything is present it prints nothing and changes nothing.
set -euo pipefail

required=(g++ make cmake ninja-build pkg-config libboost1.81-all-dev libssl-dev ca-certificates)
optional=(ccache)
extra=("$@") # callers (e.g. make bench) may ask for more packages

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${required[@]}" "${optional[@]}" "${extra[@]}"; do
    installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
