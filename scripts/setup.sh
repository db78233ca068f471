#!/bin/sh
# Prepares a machine for Veil: pnpm 10, the workspace's dependencies, the built PWA and, with
# --browser, Debian's Chromium (and oathtool) for the end-to-end tests. Safe to run again (only the build repeats).
# Usage: sh scripts/setup.sh [--browser]
set -eu

say() { printf 'setup: %s\n' "$*"; }

browser=no
for arg in "$@"; do
  case "$arg" in
    --browser) browser=yes ;;
    -h | --help)
      sed -n '2,4p' "$0"
      exit 0
      ;;
    *)
      say "unknown option: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if command -v pnpm >/dev/null 2>&1; then
  say "pnpm $(pnpm --version) is installed"
else
  # corepack cannot fetch pnpm on this kind of machine; npm can.
  say "installing pnpm 10: npm install -g pnpm@10"
  npm install -g pnpm@10 --no-fund --no-audit --loglevel=error
fi

say "installing dependencies: pnpm install --frozen-lockfile"
pnpm install --frozen-lockfile --reporter=append-only --loglevel=warn

# The relay serves web/build when it exists; rebuilt every time so it matches the checked-out source.
say "building the PWA into web/build: pnpm --filter @veil/web build"
pnpm --filter @veil/web build >/dev/null

if [ "$browser" = yes ]; then
  if [ -x /usr/bin/chromium ]; then
    say "Chromium is installed at /usr/bin/chromium"
  else
    # Playwright's own browser download cannot work here; Debian's Chromium does.
    say "installing Debian's chromium: apt-get update && apt-get install -y chromium"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    say "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
  fi
  if [ -x /usr/bin/oathtool ]; then
    say "oathtool is installed (the TOTP tests' second, independent code generator)"
  else
    say "installing Debian's oathtool: apt-get install -y oathtool"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq oathtool >/dev/null ||
      say "oathtool could not be installed; the TOTP tests will use otplib alone"
  fi
fi

say "done"
