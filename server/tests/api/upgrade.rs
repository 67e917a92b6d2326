//! Upgrading a database made by the first release (migrations 000001–000003, commit
//! 2b25c34) with its data: the current server must apply its migrations, keep every row,
//! show the stored figures through the API, and give the new columns their defaults.
//! SQLite by default, PostgreSQL when TEST_DATABASE_URL is set. The fixtures and how they
//! were made: `server/tests/fixtures/first-release/README.md`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, f, fresh_database};

const SCHEMA_SQLITE: &str = include_str!("../fixtures/first-release/schema.sqlite.sql");
const SCHEMA_POSTGRES: &str = include_str!("../fixtures/first-release/schema.postgres.sql");
const DATA: &str = include_str!("../fixtures/first-release/data.sql");
const SEQUENCES_POSTGRES: &str = include_str!("../fixtures/first-release/sequences.postgres.sql");
/// The rater's device token in `data.sql` (only its SHA-256 is stored there).
const DEVICE_TOKEN: &str = include_str!("../fixtures/first-release/device-token.txt");

/// Every table of the first release with all its columns: read before and after the upgrade.
const OLD_TABLES: [(&str, &str); 10] = [
    (
        "users",
        "id, email, password_hash, role, is_active, token_version, event_seq, timezone, target_ms, idle_timeout_minutes, weekly_goal_hours, week_starts_on, created_at",
    ),
    (
        "sessions",
        "id, user_id, started_at, ended_at, is_active, last_event_at, cur_index, cur_started_at, cur_paused_ms, cur_pause_started_at, cur_target_ms, cur_task_id, \
         question_count, total_raw_ms, total_paused_ms, total_active_ms, total_target_ms",
    ),
    ("questions", "id, session_id, user_id, position, started_at, ended_at, raw_ms, paused_ms, active_ms, target_ms, task_id"),
    ("events", "id, user_id, session_id, question_id, client_event_id, kind, occurred_at, received_at"),
    ("device_tokens", "id, user_id, name, token_hash, created_at, last_used_at, revoked_at"),
    ("password_history", "id, user_id, password_hash, created_at"),
    ("invites", "id, code_hash, created_by, created_at, expires_at, used_at, used_by, revoked_at"),
    ("password_resets", "id, user_id, token_hash, created_at, expires_at, used_at"),
    ("audit_log", "id, actor_id, subject_id, action, ip, detail, created_at"),
    ("seaql_migrations", "version, applied_at"),
];

type Snapshot = BTreeMap<&'static str, Vec<Vec<Option<String>>>>;

/// Every row of every first-release table, each value as text, in key order.
async fn snapshot(db: &DatabaseConnection) -> Snapshot {
    let mut out = Snapshot::new();
    for (table, columns) in OLD_TABLES {
        let names: Vec<&str> = columns.split(',').map(str::trim).collect();
        let select: Vec<String> = names.iter().enumerate().map(|(i, c)| format!("CAST({c} AS TEXT) AS c{i}")).collect();
        let sql = format!("SELECT {} FROM {table} ORDER BY {}", select.join(", "), names[0]);
        let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
        let rows = rows.iter().map(|r| (0..names.len()).map(|i| r.try_get::<Option<String>>("", &format!("c{i}")).unwrap()).collect()).collect();
        out.insert(table, rows);
    }
    out
}

/// A finished question as stored: who, when it started, active and target ms.
struct StoredQuestion {
    user_id: i32,
    started_at: DateTime<Utc>,
    active_ms: i64,
}

async fn stored_questions(db: &DatabaseConnection) -> Vec<StoredQuestion> {
    let sql = "SELECT user_id, started_at, active_ms FROM questions";
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter()
        .map(|r| StoredQuestion {
            user_id: r.try_get("", "user_id").unwrap(),
            started_at: r.try_get("", "started_at").unwrap(),
            active_ms: r.try_get("", "active_ms").unwrap(),
        })
        .collect()
}

/// Per local day of `tz`: (questions, active ms), from the stored rows.
fn per_local_day(questions: &[StoredQuestion], user_id: i32, tz: Tz) -> BTreeMap<NaiveDate, (i64, i64)> {
    let mut days = BTreeMap::new();
    for q in questions.iter().filter(|q| q.user_id == user_id) {
        let day: &mut (i64, i64) = days.entry(q.started_at.with_timezone(&tz).date_naive()).or_default();
        day.0 += 1;
        day.1 += q.active_ms;
    }
    days
}

async fn load_first_release(url: &str) -> DatabaseConnection {
    let db = Database::connect(url).await.unwrap();
    let schema = match db.get_database_backend() {
        DbBackend::Postgres => SCHEMA_POSTGRES,
        _ => SCHEMA_SQLITE,
    };
    db.execute_unprepared(schema).await.expect("the first release's schema");
    db.execute_unprepared(DATA).await.expect("the first release's data");
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(SEQUENCES_POSTGRES).await.expect("sequences past the fixture's ids");
    }
    db
}

#[tokio::test]
async fn a_first_release_database_upgrades_with_every_row_and_figure() {
    let (url, _dir) = fresh_database().await;
    let old = load_first_release(&url).await;
    let before = snapshot(&old).await;
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "the fixture has no {table} rows");
    }
    let questions = stored_questions(&old).await;
    old.close().await.unwrap();

    // The current server starts on it: its start-up applies the newer migrations.
    let app = TestApp::on(&url, |_| {}).await;
    let db = &app.state.services.db.conn;
    let after = snapshot(db).await;
    let applied = &after["seaql_migrations"];
    assert_eq!(applied.len(), <migrations::Migrator as migrations::MigratorTrait>::migrations().len(), "{applied:?}");
    assert_eq!(applied[..3], before["seaql_migrations"][..], "the first release's migrations are kept as applied");
    for (table, rows) in before.iter().filter(|(t, _)| **t != "seaql_migrations") {
        assert_eq!(&after[table], rows, "{table}: every first-release row and value is still there");
    }

    // Readable through the API: the old password hash signs in, the device token works.
    let login = app.ok(None, "mutation($p:String!){login(email:\"rater@example.com\",password:$p){token}}", json!({"p": PASSWORD})).await;
    let token = login["login"]["token"].as_str().unwrap().to_owned();
    let device = DEVICE_TOKEN.trim();
    let me = app
        .ok(
            Some(device),
            "{me{id email timezone targetSeconds idleTimeoutMinutes weeklyGoalHours weekStartsOn emailVerified displayName payBasis hourlyRate currency \
             dailyCapHours weeklyCapHours reportEmails{daily weekly hour includeEmpty}} deviceTokens{name}}",
            json!({}),
        )
        .await;
    let user = &me["me"];
    assert_eq!(user["email"], "rater@example.com");
    let tz: Tz = user["timezone"].as_str().unwrap().parse().unwrap();
    assert_eq!(tz, chrono_tz::Europe::Berlin, "{user}");
    assert!(me["deviceTokens"].as_array().unwrap().iter().any(|d| d["name"] == "overlay"), "{me}");
    // The columns added since take their defaults.
    assert_eq!(user["emailVerified"], true, "accounts from before mail count as verified");
    assert_eq!(user["displayName"], Value::Null);
    assert_eq!((&user["payBasis"], &user["currency"], &user["hourlyRate"]), (&json!("AET"), &json!("USD"), &Value::Null));
    assert_eq!((&user["dailyCapHours"], &user["weeklyCapHours"]), (&Value::Null, &Value::Null));
    assert_eq!(user["reportEmails"], json!({"daily": false, "weekly": false, "hour": 7, "includeEmpty": false}));
    let new_columns =
        "SELECT COUNT(*) AS n FROM questions q JOIN sessions s ON s.id = q.session_id WHERE q.task_type IS NOT NULL OR s.cur_task_type IS NOT NULL";
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), new_columns)).await.unwrap().unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 0);

    // Day and week figures equal the stored questions, per local day of the user.
    let user_id: i32 = user["id"].as_str().unwrap().parse().unwrap();
    let days = per_local_day(&questions, user_id, tz);
    assert!(days.len() >= 2, "the fixture spreads the rater's questions over days: {:?}", days.keys());
    for (date, (count, active_ms)) in &days {
        let day = app.ok(Some(&token), "query($d:Date){day(date:$d){questionCount activeSeconds}}", json!({"d": date.to_string()})).await;
        assert_eq!(day["day"]["questionCount"], *count, "{date}: {day}");
        assert!((f(&day["day"]["activeSeconds"]) - *active_ms as f64 / 1000.0).abs() < 1e-6, "{date}: {day}");
    }
    assert_eq!(user["weekStartsOn"], "MONDAY");
    let first = *days.keys().next().unwrap();
    let monday = first - chrono::Duration::days(first.weekday().num_days_from_monday().into());
    let week = app.ok(Some(&token), "query($d:Date){week(start:$d){start questionCount activeSeconds}}", json!({"d": first.to_string()})).await;
    let week_days: Vec<_> = days.iter().filter(|(d, _)| (**d - monday).num_days() < 7).collect();
    assert_eq!(week["week"]["start"], monday.to_string(), "{week}");
    assert_eq!(week["week"]["questionCount"], week_days.iter().map(|(_, v)| v.0).sum::<i64>(), "{week}");
    let week_ms: i64 = week_days.iter().map(|(_, v)| v.1).sum();
    assert!((f(&week["week"]["activeSeconds"]) - week_ms as f64 / 1000.0).abs() < 1e-6, "{week}");

    // Sessions as stored, with their running totals and questions.
    let sessions =
        app.ok(Some(&token), "{sessions(limit:100){id questionCount activeSeconds rawSeconds pausedSeconds questions{index taskType}}}", json!({})).await;
    let stored_sessions: Vec<&Vec<Option<String>>> = before["sessions"].iter().filter(|s| s[1].as_deref() == Some(&user_id.to_string())).collect();
    let listed = sessions["sessions"].as_array().unwrap();
    assert_eq!(listed.len(), stored_sessions.len(), "{sessions}");
    for stored in stored_sessions {
        let id = stored[0].clone().unwrap();
        let s = listed.iter().find(|s| s["id"] == id.as_str()).unwrap_or_else(|| panic!("session {id} missing: {sessions}"));
        let ms = |i: usize| stored[i].as_deref().unwrap().parse::<f64>().unwrap() / 1000.0;
        assert_eq!(s["questionCount"].to_string(), stored[12].clone().unwrap(), "{s}");
        assert_eq!((f(&s["rawSeconds"]), f(&s["pausedSeconds"]), f(&s["activeSeconds"])), (ms(13), ms(14), ms(15)), "{s}");
        assert!(s["questions"].as_array().unwrap().iter().all(|q| q["taskType"].is_null()), "{s}");
    }

    // The admin sees the old users, invites and audit entries.
    let admin = app.ok(None, "mutation($p:String!){login(email:\"admin@example.com\",password:$p){token}}", json!({"p": PASSWORD})).await;
    let admin = admin["login"]["token"].as_str().unwrap().to_owned();
    let seen = app.ok(Some(&admin), "{users{email isActive} invites{id} auditLog(allUsers:true,limit:500){action}}", json!({})).await;
    assert_eq!(seen["users"].as_array().unwrap().len(), before["users"].len(), "{seen}");
    assert!(seen["users"].as_array().unwrap().iter().any(|u| u["email"] == "gone@example.com" && u["isActive"] == false), "{seen}");
    assert_eq!(seen["invites"].as_array().unwrap().len(), before["invites"].len(), "{seen}");
    let actions: Vec<&str> = seen["auditLog"].as_array().unwrap().iter().filter_map(|a| a["action"].as_str()).collect();
    for old in &before["audit_log"] {
        let action = old[3].as_deref().unwrap();
        assert!(actions.contains(&action), "audit action {action} missing from {actions:?}");
    }

    // And it keeps working: a new event lands after the old ones.
    let next = app.event(&token, "NEXT", Utc::now()).await;
    assert!(next.get("errors").is_none() && next["data"]["recordEvent"]["error"].is_null(), "{next}");
}

/// Rebuilds `schema.sqlite.sql` (and `schema.postgres.sql` with TEST_DATABASE_URL and
/// pg_dump) by applying migrations 000001–000003 to an empty database and dumping it. Those
/// three files are unchanged since the first release apart from rustfmt, and sea-orm is
/// the same version, so this is the first release's DDL. Run with
/// `cargo test -p server --test api regenerate_first_release_schema -- --ignored`.
#[tokio::test]
#[ignore = "rewrites the fixtures"]
async fn regenerate_first_release_schema() {
    use migrations::MigratorTrait as _;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/first-release");
    let header = "-- The first release's schema (migrations 000001-000003, commit 2b25c34), made by\n\
                  -- regenerate_first_release_schema in server/tests/api/upgrade.rs. Do not edit.\n";
    let (url, _tmp) = fresh_database().await;
    let db = Database::connect(&url).await.unwrap();
    migrations::Migrator::up(&db, Some(3)).await.unwrap();
    let (file, ddl) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let out = std::process::Command::new("pg_dump")
                .args(["--schema-only", "--no-owner", "--no-privileges", "--no-comments", &url])
                .output()
                .expect("pg_dump");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            // Session settings and psql meta-commands would leak into the test's connection.
            let text = String::from_utf8(out.stdout).unwrap();
            let kept: Vec<&str> = text
                .lines()
                .filter(|l| !(l.starts_with("SET ") || l.starts_with("SELECT pg_catalog.set_config") || l.starts_with('\\') || l.starts_with("--")))
                .collect();
            ("schema.postgres.sql", kept.join("\n"))
        }
        _ => {
            let sql = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid";
            let rows = db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap();
            ("schema.sqlite.sql", rows.iter().map(|r| format!("{};\n", r.try_get::<String>("", "sql").unwrap())).collect())
        }
    };
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT version FROM seaql_migrations ORDER BY version")).await.unwrap();
    let mut text = format!("{header}\n{}\n", ddl.trim());
    for (i, row) in rows.iter().enumerate() {
        // Applied when the first release made the database (26 Nov 2026, a minute apart).
        let version: String = row.try_get("", "version").unwrap();
        text.push_str(&format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{version}', {});\n", 1_795_680_000 + i as i64 * 60));
    }
    std::fs::write(dir.join(file), text).unwrap();
}
