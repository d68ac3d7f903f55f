#!/usr/bin/env bash
# What `make bench` needs from Debian, installed when missing (the way .ci/run installs what a
# fresh machine lacks): the load generators, the headers mysqlclient builds against, the MariaDB
# server that bin/db-up.sh starts, and the chromium that measures the page weight.
set -euo pipefail
PACKAGES=(hey wrk pkg-config build-essential libmariadb-dev mariadb-server mariadb-client sqlite3
    chromium)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench: installing ${missing[*]} (apt)"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
