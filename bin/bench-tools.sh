#!/usr/bin/env bash
# The load generators `make bench` drives (Debian packages): installed when missing, the way
# .ci/run installs what a fresh machine lacks.
set -euo pipefail
missing=()
for tool in hey wrk; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench: installing ${missing[*]} (apt)"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}"
fi
