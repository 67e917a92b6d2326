//! `raterhub-tracker`: parses the command line and hands it to `server::cli`.
#![deny(unsafe_code)]

use clap::Parser;
use server::config::Cli;

/// argon2 allocates 19 MiB per hash. glibc serves such a block from mmap until the first
/// one is freed, then raises its threshold and keeps later ones on per-thread heaps, where
/// they stay resident: hundreds of MB after a burst of sign-ins. A fixed threshold keeps
/// every large block on mmap, given back to the system when freed. (mimalloc was tried:
/// no faster here, and it kept 30 MB more at idle.)
#[allow(unsafe_code)]
fn keep_large_allocations_on_mmap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; it takes the allocator's own locks.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    keep_large_allocations_on_mmap();
    dotenvy::dotenv().ok();
    server::cli::run(Cli::parse()).await
}
