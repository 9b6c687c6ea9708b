#!/bin/sh
# Installs Debian's chromium for the inbox e2e test (test/e2e/inbox.test.ts); `npm test` runs it first.
# Idempotent: does nothing when /usr/bin/chromium exists. Installing needs root (CI runs as root); without
# root it says how to install and leaves the decision to you (the e2e test then fails naming this script).
set -eu
[ -x /usr/bin/chromium ] || sh "$(dirname "$0")/apt-install.sh" chromium "the inbox e2e test"
