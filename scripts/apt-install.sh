#!/bin/sh
# Usage: sh scripts/apt-install.sh PACKAGE WHY: installs Debian's PACKAGE as root with apt-get; without root or
# apt-get it says how to install it and exits 0 (the tests that need it say what is missing).
set -eu
package="$1"
why="$2"
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-install: $package is missing; run 'sudo apt-get install -y $package' (Debian/Ubuntu) for $why" >&2
  exit 0
fi
echo "apt-install: installing Debian's $package for $why"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"
