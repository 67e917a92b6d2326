# Shortcuts for the scripts; each target only calls what the README documents.
.PHONY: run test ci bench dist fmt lint

run:        ## build the dashboard and start the release server (SQLite raterhub.db)
	scripts/run.sh

test:       ## every test: Rust (SQLite; PostgreSQL too with TEST_DATABASE_URL), userscript, browser e2e
	scripts/test.sh

ci:         ## what CI runs: starts PostgreSQL/Redis if needed, then scripts/test.sh on both databases
	.ci/run

bench:      ## the release benchmark (see bench/README.md)
	cargo build --release -p server --bin raterhub-tracker
	cargo run --release -p bench --

dist:       ## build the dashboard into dashboard/dist (release wasm)
	cargo xtask dist --release

fmt:        ## format the whole tree
	cargo fmt --all

lint:       ## formatting and clippy (native and wasm), as CI checks them
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p dashboard --target wasm32-unknown-unknown -- -D warnings
