//! Remembers parsed GraphQL documents by their text. The overlay and the dashboard send the
//! same few operations over and over, and parsing one costs more than serving a cached
//! read; validation still runs on every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection};
use async_graphql::{ServerResult, Variables};

/// Distinct documents kept; past it the cache starts over, which bounds its memory
/// whatever a client sends.
const MAX_DOCUMENTS: usize = 256;
/// Longer documents are parsed every time.
const MAX_QUERY_BYTES: usize = 16 * 1024;

#[derive(Clone, Default)]
pub struct ParseCache(Arc<Mutex<HashMap<String, ExecutableDocument>>>);

impl ExtensionFactory for ParseCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Extension for ParseCache {
    async fn parse_query(&self, ctx: &ExtensionContext<'_>, query: &str, variables: &Variables, next: NextParseQuery<'_>) -> ServerResult<ExecutableDocument> {
        if let Some(document) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(query) {
            return Ok(document.clone());
        }
        let document = next.run(ctx, query, variables).await?;
        if query.len() <= MAX_QUERY_BYTES {
            let mut documents = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if documents.len() >= MAX_DOCUMENTS {
                documents.clear();
            }
            documents.insert(query.to_owned(), document.clone());
        }
        Ok(document)
    }
}

impl ParseCache {
    /// True when `query` was parsed before and the operation it runs is a mutation that
    /// selects only `fields` at its top (no fragments or directives there). Unknown text
    /// is false: the caller then takes its general path.
    pub fn selects_only(&self, query: &str, operation_name: Option<&str>, fields: &[&str]) -> bool {
        let documents = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let Some(document) = documents.get(query) else { return false };
        let operation = match (&document.operations, operation_name) {
            (DocumentOperations::Single(operation), None) => operation,
            // A named operation is kept by name, even when it is the only one.
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next().expect("one operation"),
            (DocumentOperations::Multiple(operations), Some(name)) => match operations.get(name) {
                Some(operation) => operation,
                None => return false,
            },
            _ => return false,
        };
        let operation = &operation.node;
        operation.ty == OperationType::Mutation
            && operation.directives.is_empty()
            && operation.selection_set.node.items.iter().all(|item| match &item.node {
                Selection::Field(field) => field.node.directives.is_empty() && fields.contains(&field.node.name.node.as_str()),
                _ => false,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(query: &str) -> ParseCache {
        let cache = ParseCache::default();
        let document = async_graphql::parser::parse_query(query).unwrap();
        cache.0.lock().unwrap().insert(query.to_owned(), document);
        cache
    }

    #[test]
    fn only_a_parsed_mutation_of_the_named_fields_qualifies() {
        const EVENTS: &[&str] = &["recordEvent", "recordEvents"];
        let record = "mutation R($i: EventInput!) { recordEvent(input: $i) { duplicate } }";
        assert!(cached(record).selects_only(record, None, EVENTS));
        assert!(cached(record).selects_only(record, Some("R"), EVENTS));
        let anonymous = "mutation { recordEvents(inputs: []) { duplicate } }";
        assert!(cached(anonymous).selects_only(anonymous, None, EVENTS));
        assert!(!ParseCache::default().selects_only(record, None, EVENTS), "never parsed");
        let mixed = "mutation { recordEvent(input: {type: NEXT}) { duplicate } logout }";
        assert!(!cached(mixed).selects_only(mixed, None, EVENTS));
        let query = "query { recordEvent { duplicate } }";
        assert!(!cached(query).selects_only(query, None, EVENTS));
        let spread = "mutation { ...F } fragment F on Mutation { recordEvent(input: {type: NEXT}) { duplicate } }";
        assert!(!cached(spread).selects_only(spread, None, EVENTS));
        let aliased = "mutation { me: recordEvent(input: {type: NEXT}) { duplicate } }";
        assert!(cached(aliased).selects_only(aliased, None, EVENTS), "an alias is still the field");
        let two = "mutation A { recordEvent(input: {type: NEXT}) { duplicate } } query B { me { email } }";
        assert!(cached(two).selects_only(two, Some("A"), EVENTS));
        assert!(!cached(two).selects_only(two, Some("B"), EVENTS));
        assert!(!cached(two).selects_only(two, None, EVENTS), "which one is unknown");
    }
}
