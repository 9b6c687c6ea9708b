#!/bin/sh
# Installs Debian's chromium for the inbox e2e test (test/e2e/inbox.test.ts). Idempotent: does nothing when
# /usr/bin/chromium exists. Needs root (CI runs as root); elsewhere run it with sudo.
set -eu
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: /usr/bin/chromium"
  exit 0
fi
apt-get update
apt-get install -y chromium
