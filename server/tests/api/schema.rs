//! `schema.graphql` must equal the schema the code exports.

#[test]
fn schema_file_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let sdl = server::graphql::sdl();
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        // Failing after a rewrite makes the update visible instead of a silent pass;
        // the next run without UPDATE_SCHEMA checks the written file.
        if on_disk != sdl {
            std::fs::write(path, &sdl).unwrap();
            panic!("UPDATE_SCHEMA=1: rewrote {path}; review and commit it, then run the tests again without UPDATE_SCHEMA");
        }
        eprintln!("UPDATE_SCHEMA=1: {path} is already up to date");
        return;
    }
    assert!(on_disk == sdl, "schema.graphql is stale: run `UPDATE_SCHEMA=1 cargo test -p server --test api schema`");
}
