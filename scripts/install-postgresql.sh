#!/bin/sh
# Installs Debian's PostgreSQL server for the cluster suite (test/cluster: temporal-server on a private PostgreSQL
# cluster in a temp dir); `npm test` runs it first. Idempotent: does nothing when an initdb exists. Installing needs
# root (CI runs as root); without root it says how, and the cluster suite is skipped with that reason printed.
# Only the binaries are used: the package's own cluster service is not started.
set -eu
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || sh "$(dirname "$0")/apt-install.sh" postgresql "the cluster suite"
