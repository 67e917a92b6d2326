#!/usr/bin/env bash
# Idempotent setup of everything the build and tests need, from package registries only.
#   scripts/setup.sh          wasm target + e2e npm packages (playwright-core, binaryen's wasm-opt)
#   scripts/setup.sh --test   also Debian chromium + chromium-driver for the browser tests,
#                             poppler-utils (pdftotext, pdftoppm) for the report PDF tests, and
#                             xvfb + xdotool + libnss3-tools for the real-key hotkey test
# Never downloads a browser or binaries from GitHub (no `playwright install`).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# 1. The wasm target for the toolchain pinned in rust-toolchain.toml.
if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
else
  log "rustup not found; assuming the wasm32-unknown-unknown target is available"
fi

# 2. npm packages for e2e tests and wasm-opt (binaryen from npm: Debian's is too old).
if command -v npm >/dev/null 2>&1; then
  need_npm=0
  [ -x e2e/node_modules/.bin/wasm-opt ] || need_npm=1
  [ -d e2e/node_modules/playwright-core ] || need_npm=1
  # Re-install when package.json changed after the last install.
  if [ -f e2e/node_modules/.package-lock.json ] && [ e2e/package.json -nt e2e/node_modules/.package-lock.json ]; then
    need_npm=1
  fi
  if [ "$need_npm" = 1 ]; then
    if [ -f e2e/package-lock.json ]; then
      log "npm ci in e2e/"
      (cd e2e && npm ci --no-audit --no-fund)
    else
      log "npm install in e2e/"
      (cd e2e && npm install --no-audit --no-fund)
    fi
  fi
  # The playground's GraphiQL and React builds, pinned by dashboard/playground/package-lock.json;
  # `cargo xtask dist` copies them into dist/ so the server needs no CDN.
  if [ ! -f dashboard/playground/node_modules/graphiql/graphiql.min.js ] \
     || [ dashboard/playground/package-lock.json -nt dashboard/playground/node_modules/.package-lock.json ]; then
    log "npm ci in dashboard/playground/"
    (cd dashboard/playground && npm ci --no-audit --no-fund)
  fi
else
  log "npm not found: browser tests, wasm-opt and the GraphQL playground will be unavailable"
fi

# 3. aiosmtpd: the real SMTP server the mail tests start on loopback (from PyPI).
if [ "${1:-}" = "--test" ]; then
  if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    log "pip install aiosmtpd (SMTP sink for the mail tests)"
    python3 -m pip install --quiet --disable-pip-version-check aiosmtpd==1.4.6 \
      || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages aiosmtpd==1.4.6
  fi
fi

# 4. Chromium for the browser tests.
if [ "${1:-}" = "--test" ]; then
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
     || [ ! -d /usr/share/fonts/truetype/noto ] || ! command -v curl >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
    log "installing Debian chromium + chromium-driver (+ emoji font for screenshots, curl for the README examples test, poppler-utils for the PDF tests)"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji curl poppler-utils
  fi
fi
# 5. A virtual display, real key presses and an NSS certificate tool for the real-key hotkey
#    test (e2e/hotkeys-real.test.mjs). Firefox ESR is only for the by-hand check
#    (e2e/tools/hotkeys-real.mjs): `apt-get install firefox-esr imagemagick`.
if [ "${1:-}" = "--test" ]; then
  if ! command -v Xvfb >/dev/null 2>&1 || ! command -v xdotool >/dev/null 2>&1 || ! command -v certutil >/dev/null 2>&1; then
    log "installing xvfb, xdotool and libnss3-tools (real-key hotkey test)"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends xvfb xdotool libnss3-tools
  fi
fi
log "ok"
