#!/usr/bin/env bash
# One command to run RaterHub Tracker from a fresh checkout: installs the wasm target and
# wasm-opt if missing, builds the dashboard, then builds and starts the release server
# (SQLite file raterhub.db in the current directory unless DATABASE_URL says otherwise).
# Extra arguments go to the server, e.g. `scripts/run.sh --listen-addr 0.0.0.0:8000`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/e2e/node_modules/.bin:$PATH"
cargo xtask dist --release
exec cargo run --release -p server --bin raterhub-tracker -- "$@"
