//! The query depth limit, with introspection measured apart from data. Every GraphQL tool
//! (GraphiQL, codegen, Altair) sends graphql-js's standard introspection query, which nests
//! `ofType` nine deep; counted like data it never fits a limit meant for data fields. So a
//! `__schema`/`__type` root field gets a bound of its own, deep enough for that query and
//! still finite, while data fields keep the tight one.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// Deepest data selection allowed (a root field is depth 1).
pub const MAX_DATA_DEPTH: usize = 12;
/// Deepest introspection selection allowed: graphql-js's query, with descriptions,
/// deprecated input values and repeatable directives, reaches 15.
pub const MAX_INTROSPECTION_DEPTH: usize = 16;

#[derive(Clone, Copy, Default)]
pub struct DepthLimit;

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DepthLimit)
    }
}

#[async_trait::async_trait]
impl Extension for DepthLimit {
    async fn parse_query(&self, ctx: &ExtensionContext<'_>, query: &str, variables: &Variables, next: NextParseQuery<'_>) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(&document)?;
        Ok(document)
    }
}

/// Refuses a document whose data or introspection selections nest past their limits.
pub fn check(document: &ExecutableDocument) -> ServerResult<()> {
    for (_, operation) in document.operations.iter() {
        for selection in &operation.node.selection_set.node.items {
            let (depth, limit) = match &selection.node {
                Selection::Field(field) if matches!(field.node.name.node.as_str(), "__schema" | "__type") => {
                    (1 + depth_of(document, &field.node.selection_set.node, &mut Vec::new(), MAX_INTROSPECTION_DEPTH), MAX_INTROSPECTION_DEPTH)
                }
                _ => (depth_of(document, &SelectionSet { items: vec![selection.clone()] }, &mut Vec::new(), MAX_DATA_DEPTH), MAX_DATA_DEPTH),
            };
            if depth > limit {
                return Err(ServerError::new("Query is nested too deep.", None));
            }
        }
    }
    Ok(())
}

/// The depth of a selection set, following fragments; stops counting once past `cap`, so
/// neither a fragment cycle (refused later by validation) nor a huge document runs long.
fn depth_of<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet, fragments: &mut Vec<&'a str>, cap: usize) -> usize {
    if cap == 0 {
        return 1;
    }
    let mut deepest = 0;
    for selection in &set.items {
        let depth = match &selection.node {
            Selection::Field(field) => {
                let inner = &field.node.selection_set.node;
                1 + if inner.items.is_empty() { 0 } else { depth_of(document, inner, fragments, cap - 1) }
            }
            Selection::InlineFragment(fragment) => depth_of(document, &fragment.node.selection_set.node, fragments, cap),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if !fragments.contains(&name) => {
                        fragments.push(name);
                        let depth = depth_of(document, &fragment.node.selection_set.node, fragments, cap);
                        fragments.pop();
                        depth
                    }
                    _ => 0,
                }
            }
        };
        deepest = deepest.max(depth);
        if deepest > cap {
            break;
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(query: &str) -> ServerResult<()> {
        check(&async_graphql::parser::parse_query(query).unwrap())
    }

    fn nested(root: &str, levels: usize) -> String {
        // `root` at depth 1, `x` at depth `levels`.
        format!("{{ {root} {} {{ x {} }}", "{ a ".repeat(levels - 2), "}".repeat(levels - 1))
    }

    #[test]
    fn data_fields_stop_at_twelve() {
        assert!(depth(&nested("me", 12)).is_ok());
        assert!(depth(&nested("me", 13)).is_err());
    }

    #[test]
    fn introspection_has_its_own_bound() {
        assert!(depth(&nested("__schema", 16)).is_ok());
        assert!(depth(&nested("__schema", 17)).is_err());
        assert!(depth(&nested("__type(name: \"Query\")", 17)).is_err());
    }

    #[test]
    fn fragments_count_and_cycles_end() {
        let deep = format!("query {{ me {{ ...F }} }} fragment F on User {} x {}", "{ a ".repeat(12), "}".repeat(12));
        assert!(depth(&deep).is_err());
        // Validation refuses the cycle afterwards; here it only has to end.
        assert!(depth("query { me { ...F } } fragment F on User { a { ...F } }").is_ok());
        assert!(depth("query { me { ... on User { a { b } } } }").is_ok());
    }
}
