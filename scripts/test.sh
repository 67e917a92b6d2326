#!/usr/bin/env bash
# Runs every test: Rust unit, integration and property tests (SQLite, and PostgreSQL too
# when TEST_DATABASE_URL is set), the dashboard's native tests, the userscript's unit
# tests and the browser end-to-end tests in headless Debian Chromium. Installs what is
# missing first (wasm target, npm packages, chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$PWD/e2e/node_modules/.bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "building the dashboard (release wasm)"
cargo xtask dist --release

step "building the server"
cargo build -p server --bin raterhub-tracker

step "cargo test --workspace (SQLite)"
env -u TEST_DATABASE_URL cargo test --workspace

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  step "server integration tests on PostgreSQL ($TEST_DATABASE_URL)"
  cargo test -p server --test api
fi

step "userscript unit tests"
node --test userscript/test/

step "browser end-to-end tests"
(cd e2e && node --test --test-concurrency=1 ./*.test.mjs)
