//! The userscript's GraphQL operations must be valid against the schema and work.

use serde_json::{Value, json};

use crate::common::*;

/// The template literals inside the userscript's `const OPS = { … };` block.
fn userscript_operations() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../userscript/raterhub-tracker.user.js");
    let source = std::fs::read_to_string(path).expect("userscript present");
    let start = source.find("const OPS = {").expect("const OPS block");
    let block = &source[start..];
    let block = &block[..block.find("\n};").expect("end of OPS block")];
    let mut ops = Vec::new();
    let mut rest = block;
    while let Some(open) = rest.find('`') {
        let name = rest[..open].rsplit(|c: char| c == ',' || c == '{').next().unwrap_or("").trim().trim_end_matches(':').trim().to_owned();
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
