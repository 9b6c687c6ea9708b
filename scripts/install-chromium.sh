#!/bin/sh
# Installs Debian's chromium for the inbox e2e test (test/e2e/inbox.test.ts); `npm test` runs it first.
# Idempotent: does nothing when /usr/bin/chromium exists. Installing needs root (CI runs as root); without
# root it says how to install and leaves the decision to you (the e2e test then fails naming this script).
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: /usr/bin/chromium is missing; run 'sudo sh scripts/install-chromium.sh' (Debian/Ubuntu) for the inbox e2e test" >&2
  exit 0
fi
echo "install-chromium: installing Debian's chromium for the inbox e2e test"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
