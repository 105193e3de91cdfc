#!/usr/bin/env bash
# Installs what the browser tests need when it is missing: Debian's headless Chromium and its
# WebDriver (chromedriver). Safe to run again; waits for another apt run instead of failing on
# its lock. Run as root, or with sudo available.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  echo "browser-deps: chromium and chromedriver are installed"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "browser-deps: need root (or sudo) to install chromium and chromium-driver" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends chromium chromium-driver

command -v chromium >/dev/null 2>&1 || { echo "browser-deps: chromium still missing" >&2; exit 1; }
command -v chromedriver >/dev/null 2>&1 || { echo "browser-deps: chromedriver still missing" >&2; exit 1; }
echo "browser-deps: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version 2>/dev/null | head -1)"
