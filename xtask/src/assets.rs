//! Turns the built files into what the server embeds: content-hashed names (so the server
//! can mark them immutable), references rewritten to those names, and brotli and gzip
//! copies made once here rather than on each request.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Hex digits of the content hash in a file name; the server recognises hashed names by it.
pub const HASH_LEN: usize = 16;

/// `name.ext` becomes `name.<hash>.ext`, the hash taken from `bytes`.
pub fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect::<String>()[..HASH_LEN].to_owned();
    match name.split_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// Writes `bytes` under its hashed name in `dir` and returns that name.
pub fn write_hashed(dir: &Path, name: &str, bytes: &[u8]) -> Result<String, String> {
    let hashed = hashed_name(name, bytes);
    std::fs::write(dir.join(&hashed), bytes).map_err(|e| format!("{hashed}: {e}"))?;
    Ok(hashed)
}

/// Replaces each `(from, to)` in a text file's content.
pub fn rewrite(text: &str, names: &[(String, String)]) -> String {
    names.iter().fold(text.to_owned(), |text, (from, to)| text.replace(from.as_str(), to))
}

/// Files worth compressing: text and wasm above a size where compression pays.
fn compressible(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    matches!(ext, "js" | "wasm" | "css" | "html" | "svg" | "json") && std::fs::metadata(path).is_ok_and(|m| m.len() > 1024)
}

/// Adds `file.br` and `file.gz` next to every compressible file under `dir`, recursively.
/// Brotli at its best level takes seconds on GraphiQL's megabyte, so results are kept in
/// `cache` by content hash and reused while the file does not change.
pub fn precompress(dir: &Path, cache: &Path) -> Result<(), String> {
    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            precompress(&path, cache)?;
        } else if compressible(&path) {
            let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
            let key = hashed_name("c", &bytes);
            let with = |ext: &str| path.with_file_name(format!("{}.{ext}", path.file_name().unwrap().to_string_lossy()));
            for (ext, compress) in [("br", brotli as fn(&[u8]) -> Vec<u8>), ("gz", gzip)] {
                let cached = cache.join(format!("{key}.{ext}"));
                if !cached.exists() {
                    std::fs::write(&cached, compress(&bytes)).map_err(|e| e.to_string())?;
                }
                std::fs::copy(&cached, with(ext)).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli into memory");
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_follow_content() {
        let a = hashed_name("dashboard_bg.wasm", b"one");
        assert_ne!(a, hashed_name("dashboard_bg.wasm", b"two"));
        assert!(a.starts_with("dashboard_bg.") && a.ends_with(".wasm"), "{a}");
        assert_eq!(a.len(), "dashboard_bg..wasm".len() + HASH_LEN);
        assert_eq!(hashed_name("graphiql.min.css", b"x").matches('.').count(), 3);
    }

    #[test]
    fn compressed_copies_decompress_to_the_original() {
        let text = "the same words again and again ".repeat(100);
        let gz = gzip(text.as_bytes());
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, text);
        let br = brotli(text.as_bytes());
        assert!(br.len() < text.len() / 10);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, text.as_bytes());
    }
}
