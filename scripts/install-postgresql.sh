#!/bin/sh
# Installs Debian's PostgreSQL server for the cluster suite (test/cluster: temporal-server on a private PostgreSQL
# cluster in a temp dir); `npm test` runs it first. Idempotent: does nothing when an initdb exists. Installing needs
# root (CI runs as root); without root it says how, and the cluster suite is skipped with that reason printed.
# Only the binaries are used: the package's own cluster service is not started.
set -eu
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-postgresql: no PostgreSQL server; run 'sudo sh scripts/install-postgresql.sh' (Debian/Ubuntu) for the cluster suite" >&2
  exit 0
fi
echo "install-postgresql: installing Debian's postgresql for the cluster suite"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
