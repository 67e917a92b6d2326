//! The offline playground: introspection through the depth limit, and the caching and
//! precompression of the embedded assets.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::common::{TestApp, code};

/// `getIntrospectionQuery()` from the `graphql` npm package (16.11.0, the one GraphiQL uses),
/// written out by `node -e` with the options in each file's name.
const INTROSPECTION: [(&str, &str); 3] = [
    ("default", include_str!("fixtures/introspection-default.graphql")),
    ("no descriptions", include_str!("fixtures/introspection-no-descriptions.graphql")),
    ("all options", include_str!("fixtures/introspection-all-options.graphql")),
];

#[tokio::test]
async fn graphql_js_introspection_passes_the_depth_limit() {
    let app = TestApp::new().await;
    for (options, query) in INTROSPECTION {
        let data = app.ok(None, query, json!({})).await;
        let schema = &data["__schema"];
        assert_eq!(schema["queryType"]["name"], "Query", "{options}");
        let query_type = schema["types"].as_array().unwrap().iter().find(|t| t["name"] == "Query").unwrap();
        let fields: Vec<&str> = query_type["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert!(fields.contains(&"me"), "{options}: {fields:?}");
    }
}

#[tokio::test]
async fn data_fields_stay_depth_limited() {
    let app = TestApp::new().await;
    // 13 levels of data, hidden in a fragment next to an allowed introspection field.
    let deep = format!("{{ __schema {{ queryType {{ name }} }} me {{ ...F }} }} fragment F on User {} x {}", "{ a ".repeat(12), "}".repeat(12));
    let r = app.gql(None, &deep, json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("nested too deep"), "{r}");
}

async fn get(app: &TestApp, path: &str, accept_encoding: &str) -> (u16, axum::http::HeaderMap, String) {
    app.send(Request::get(path).header("accept-encoding", accept_encoding).body(Body::empty()).unwrap()).await
}

/// The hashed name `index.html` (or the playground page) refers to for `prefix`.
fn asset(page: &str, prefix: &str) -> String {
    let start = page.find(prefix).unwrap_or_else(|| panic!("{prefix} not in {page}"));
    page[start..].split('"').next().unwrap().to_owned()
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

/// Needs dist/ from `cargo xtask dist` at build time, like the binary.
#[tokio::test]
async fn hashed_assets_are_immutable_precompressed_and_pages_revalidate() {
    let app = TestApp::new().await;
    let (status, headers, index) = get(&app, "/", "").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    let style = asset(&index, "/style.");
    let (status, headers, _) = get(&app, &style, "gzip, deflate, br").await;
    assert_eq!((status, header(&headers, "content-encoding")), (200, "br"));
    assert_eq!(header(&headers, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(header(&headers, "content-type"), "text/css");
    assert_eq!(header(&headers, "vary"), "accept-encoding");
    let (_, headers, _) = get(&app, &style, "gzip").await;
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    let (_, headers, _) = get(&app, &style, "gzip;q=0, identity").await;
    assert_eq!(header(&headers, "content-encoding"), "");
    let (_, headers, body) = get(&app, &style, "").await;
    assert!(body.contains('{') && header(&headers, "content-encoding").is_empty(), "plain CSS without Accept-Encoding");
    let (status, _, _) = get(&app, "/style.0000000000000000.css", "br").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_playground_loads_nothing_from_elsewhere() {
    let app = TestApp::new().await;
    let (status, headers, page) = get(&app, "/graphql", "").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    let csp = header(&headers, "content-security-policy");
    assert!(csp.contains("script-src 'self';") && csp.contains("connect-src 'self';"), "{csp}");
    assert!(!page.contains("://"), "no absolute URL in the page: {page}");
    for prefix in ["/graphiql/graphiql.", "/graphiql/react.", "/graphiql/react-dom.", "/graphiql/start."] {
        let (status, headers, _) = get(&app, &asset(&page, prefix), "br").await;
        assert_eq!(status, 200, "{prefix}");
        assert!(header(&headers, "cache-control").contains("immutable"), "{prefix}");
    }
    let react_dom = asset(&page, "/graphiql/react-dom.");
    let (_, headers, _) = get(&app, &react_dom, "br").await;
    assert_eq!(header(&headers, "content-encoding"), "br");
    assert!(react_dom.contains("production.min.js"), "production React: {react_dom}");

    let off = TestApp::with_config(|c| c.graphql_playground = false).await;
    for path in ["/graphql", "/graphiql.html", &react_dom] {
        assert_eq!(get(&off, path, "").await.0, 404, "{path} with the playground off");
    }
}
