//! The userscript's GraphQL operations must be valid against the schema and work.

use serde_json::{Value, json};

use crate::common::*;

#[path = "../../userscript_bundle.rs"]
#[allow(dead_code)]
mod userscript_bundle;

/// The template literals inside the userscript's `const OPS = { … };` block, as served.
fn userscript_operations() -> Vec<(String, String)> {
    let source = server::http::assets::USERSCRIPT_TEMPLATE;
    let start = source.find("const OPS = {").expect("const OPS block");
    let block = &source[start..];
    let block = &block[..block.find("\n};").expect("end of OPS block")];
    let mut ops = Vec::new();
    let mut rest = block;
    while let Some(open) = rest.find('`') {
        let name = rest[..open].rsplit([',', '{']).next().unwrap_or("").trim().trim_end_matches(':').trim().to_owned();
        let body_start = open + 1;
        let close = rest[body_start..].find('`').expect("closing backtick") + body_start;
        ops.push((name, rest[body_start..close].to_owned()));
        rest = &rest[close + 1..];
    }
    ops
}

fn sample_variables(name: &str) -> Value {
    match name {
        "login" => json!({"email": "ops@example.com", "password": PASSWORD, "deviceName": "ops test"}),
        "recordEvents" => json!({"inputs": [{"type": "NEXT", "clientEventId": "ops-1"}, {"type": "PAUSE", "clientEventId": "ops-2"}]}),
        "recordEvent" => json!({"input": {"type": "NEXT", "clientEventId": "ops-3", "taskId": "t1", "targetSeconds": 120.0}}),
        _ => json!({}),
    }
}

#[tokio::test]
async fn every_userscript_operation_validates_and_runs() {
    let ops = userscript_operations();
    assert!(ops.len() >= 3, "found {ops:?}");
    let app = TestApp::new().await;
    let token = app.register("ops@example.com").await;
    for (name, query) in ops {
        let body = app.gql(Some(&token), &query, sample_variables(&name)).await;
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        assert!(errors.is_empty(), "operation {name} failed: {body}");
    }
}

/// The file the server embeds and serves is the bundle of the current `userscript/src/`: a
/// stale build (or a module left out of the build) fails here.
#[test]
fn served_userscript_is_the_bundle_of_its_sources() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../userscript/src");
    let built = userscript_bundle::bundle(&src).expect("the sources bundle");
    assert!(built == server::http::assets::USERSCRIPT_TEMPLATE, "the embedded userscript differs from userscript/src: rebuild");
    assert!(built.starts_with("// ==UserScript==\n"), "metadata block first");
    let header_end = built.find("// ==/UserScript==").expect("end of metadata");
    assert!(!built[header_end..].contains("\nimport ") && !built[header_end..].contains("\nexport "), "no module syntax left");
    for module in userscript_bundle::MODULES {
        assert!(built.contains(&format!("// ---- {module}.mjs ----")), "{module} is bundled");
    }
}
