# syntax=docker/dockerfile:1
# Multi-stage build: the dashboard (wasm) and a release server binary that embeds it,
# shipped in a small Debian image as a non-root user.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# wasm-opt comes from npm's binaryen (Debian's is too old for current wasm-bindgen output).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add wasm32-unknown-unknown
COPY . .
RUN cd e2e && npm ci --no-audit --no-fund --omit=optional \
 && cd ../dashboard/playground && npm ci --no-audit --no-fund
ENV PATH=/src/e2e/node_modules/.bin:$PATH
# The dashboard must exist before the server is compiled: the binary embeds dist/.
RUN cargo xtask dist --release \
 && cargo build --release --locked -p server --bin raterhub-tracker \
 && cp target/release/raterhub-tracker /usr/local/bin/raterhub-tracker

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home raterhub
COPY --from=build /usr/local/bin/raterhub-tracker /usr/local/bin/raterhub-tracker
USER raterhub
WORKDIR /data
ENV LISTEN_ADDR=0.0.0.0:8000 \
    DATABASE_URL=/data/raterhub.db \
    RUST_LOG=info
VOLUME ["/data"]
EXPOSE 8000
# The binary checks itself: no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["raterhub-tracker", "healthcheck"]
ENTRYPOINT ["raterhub-tracker"]
CMD ["serve"]
