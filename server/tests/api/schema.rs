//! `schema.graphql` must equal the schema the code exports.

#[test]
fn schema_file_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let sdl = server::graphql::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(path, &sdl).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(on_disk == sdl, "schema.graphql is stale: run `UPDATE_SCHEMA=1 cargo test -p server --test api schema`");
}
