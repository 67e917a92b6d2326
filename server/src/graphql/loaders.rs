//! Data loaders shared by the output types: one query for the questions of many sessions.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use crate::db::Db;
use crate::entity::question;
use crate::error::GqlResult;
use crate::store::sessions as store;

/// Batches `Session.questions` so a list of sessions costs one query.
pub struct QuestionLoader(pub Db);

impl Loader<i32> for QuestionLoader {
    type Value = Vec<question::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        store::questions(&self.0.conn, keys).await.gql()
    }
}
