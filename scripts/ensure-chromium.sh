#!/bin/sh
# Makes sure Debian's Chromium is at /usr/bin/chromium, for the browser tests (*.e2e.spec.ts drive it with
# playwright-core). Does nothing when it is already installed; otherwise installs the `chromium` package with
# apt-get, quietly and without questions. Safe to run before every test run.
set -eu

CHROMIUM=/usr/bin/chromium

installed() {
  [ -x "$CHROMIUM" ] || return 1
  # A binary without dpkg's "installed" status is a package still being unpacked or configured.
  command -v dpkg-query >/dev/null 2>&1 || return 0
  [ "$(dpkg-query -W -f='${Status}' chromium 2>/dev/null || true)" = "install ok installed" ]
}

installed && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available: install Chromium so that $CHROMIUM runs it" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  echo "ensure-chromium: $CHROMIUM is missing; installing it needs root: run 'sudo apt-get install chromium' once" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt-get (an install already under way) holds the dpkg lock: wait for it rather than fail.
apt_options="-qq -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

# shellcheck disable=SC2086 # the options are words on purpose
$as_root apt-get $apt_options update >/dev/null
# shellcheck disable=SC2086
$as_root apt-get $apt_options -y install --no-install-recommends chromium >/dev/null

if ! installed; then
  echo "ensure-chromium: apt-get installed chromium, but $CHROMIUM is still not usable" >&2
  exit 1
fi
