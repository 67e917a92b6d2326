//! Statements built from the sea-orm entities, run on the writer's rusqlite connection.
//! The columns are declared once, in `entity/`; this module binds sea-query values and
//! reads rows back into models, both by each column's declared type.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, Params, Row};
use sea_orm::sea_query::Value;
use sea_orm::{ActiveModelTrait, ColumnTrait, ColumnType, EntityTrait, Iterable, ModelTrait, TryIntoModel};

use crate::error::{AppError, AppResult};

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::internal(format_args!("sqlite: {e}"))
    }
}

/// Time as sqlx encodes a `DateTime<Utc>` for SQLite, so rows written here and through the
/// pool read and compare alike.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")).ok().map(|t| t.with_timezone(&Utc))
}

/// A sea-query value as rusqlite binds it.
pub fn bind(value: &Value) -> AppResult<SqlValue> {
    let int = |v: Option<i64>| v.map_or(SqlValue::Null, SqlValue::Integer);
    Ok(match value {
        Value::Bool(v) => int(v.map(i64::from)),
        Value::TinyInt(v) => int(v.map(i64::from)),
        Value::SmallInt(v) => int(v.map(i64::from)),
        Value::Int(v) => int(v.map(i64::from)),
        Value::BigInt(v) => int(*v),
        Value::TinyUnsigned(v) => int(v.map(i64::from)),
        Value::SmallUnsigned(v) => int(v.map(i64::from)),
        Value::Unsigned(v) => int(v.map(i64::from)),
        Value::BigUnsigned(v) => match v {
            Some(v) => SqlValue::Integer(i64::try_from(*v).map_err(AppError::internal)?),
            None => SqlValue::Null,
        },
        Value::Float(v) => v.map_or(SqlValue::Null, |v| SqlValue::Real(f64::from(v))),
        Value::Double(v) => v.map_or(SqlValue::Null, SqlValue::Real),
        Value::String(v) => v.clone().map_or(SqlValue::Null, SqlValue::Text),
        Value::Char(v) => v.map_or(SqlValue::Null, |c| SqlValue::Text(c.to_string())),
        Value::Bytes(v) => v.clone().map_or(SqlValue::Null, SqlValue::Blob),
        Value::ChronoDateTimeUtc(v) => v.map_or(SqlValue::Null, |t| SqlValue::Text(time_text(t))),
        Value::Json(v) => v.as_ref().map_or(SqlValue::Null, |j| SqlValue::Text(j.to_string())),
        other => return Err(AppError::internal(format_args!("the SQLite writer can't bind {other:?}"))),
    })
}

/// The values of `columns` in `model`, bound in that order.
pub fn values<M: ModelTrait>(model: &M, columns: &[<M::Entity as EntityTrait>::Column]) -> AppResult<Vec<SqlValue>> {
    columns.iter().map(|&column| bind(&model.get(column))).collect()
}

/// Runs a statement that returns no rows (prepared once and cached by its text); returns
/// how many rows it changed.
pub fn execute(conn: &Connection, sql: &str, params: impl Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// The rows a statement returns, each read with `read`.
pub fn query<T>(conn: &Connection, sql: &str, params: impl Params, mut read: impl FnMut(&Row) -> AppResult<T>) -> AppResult<Vec<T>> {
    let mut prepared = conn.prepare_cached(sql)?;
    let mut rows = prepared.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(read(row)?);
    }
    Ok(out)
}

/// The first row a statement returns, read as a model of `E`.
pub fn one<E: EntityTrait>(conn: &Connection, sql: &str, params: impl Params) -> AppResult<Option<E::Model>>
where
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let mut prepared = conn.prepare_cached(sql)?;
    let mut rows = prepared.query(params)?;
    rows.next()?.map(model::<E>).transpose()
}

/// A row holding every column of `E`, in the entity's order (as sea-orm selects them), as a model.
pub fn model<E: EntityTrait>(row: &Row) -> AppResult<E::Model>
where
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let mut active = <E::ActiveModel as ActiveModelTrait>::default();
    for (index, column) in E::Column::iter().enumerate() {
        active.try_set(column, value_at(row, index, column)?)?;
    }
    Ok(active.try_into_model()?)
}

/// The value at `index` in `row`, typed as the entity declares `column`.
pub fn value_at(row: &Row, index: usize, column: impl ColumnTrait) -> AppResult<Value> {
    let name = column.as_str();
    let raw = row.get_ref(index)?;
    let null = matches!(raw, ValueRef::Null);
    let bad = || AppError::internal(format_args!("column {name}: unexpected stored value {raw:?}"));
    Ok(match column.def().get_column_type() {
        ColumnType::Integer | ColumnType::SmallInteger | ColumnType::TinyInteger => {
            Value::Int(if null { None } else { Some(i32::try_from(raw.as_i64()?).map_err(|_| bad())?) })
        }
        ColumnType::BigInteger => Value::BigInt(if null { None } else { Some(raw.as_i64()?) }),
        ColumnType::Boolean => Value::Bool(if null { None } else { Some(raw.as_i64()? != 0) }),
        ColumnType::Double | ColumnType::Float => Value::Double(if null { None } else { Some(raw.as_f64()?) }),
        ColumnType::TimestampWithTimeZone | ColumnType::Timestamp | ColumnType::DateTime => {
            Value::ChronoDateTimeUtc(if null { None } else { Some(parse_time(raw.as_str()?).ok_or_else(bad)?) })
        }
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) | ColumnType::Enum { .. } => {
            Value::String(if null { None } else { Some(raw.as_str()?.to_owned()) })
        }
        other => return Err(AppError::internal(format_args!("column {name}: the SQLite writer can't read {other:?}"))),
    })
}

impl From<rusqlite::types::FromSqlError> for AppError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        AppError::internal(format_args!("sqlite: {e}"))
    }
}
