//! The single SQLite writer. One thread owns the only connection that writes; every write
//! of the process reaches it through one bounded queue of jobs:
//! - `Work`: a closure over that rusqlite connection (recording events). The thread takes
//!   every job that is waiting, runs them in one transaction and commits once, so a burst of
//!   events from many raters costs one commit instead of one each. Statements run inline on
//!   that thread: with sqlx every statement is a round trip to a driver thread, and those
//!   thread wake-ups, not SQLite, were most of the cost of recording an event.
//! - `Turn`: the right to write, handed to a sea-orm transaction (accounts, admin, audit,
//!   mail, imports …). The thread waits, writing nothing, until that transaction ends, so
//!   no two writes ever meet and none waits on SQLite's busy timeout.
//!
//! When the queue is full callers wait, up to `QueueLimits::wait` in all (queueing plus
//! waiting for their turn), then get `AppError::Overloaded`; a job that timed out is never
//! run later (see `Ticket`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::job::{self, Pending, WorkOn};
use crate::error::{AppError, AppResult};

/// A unit of writing on the writer's rusqlite connection (see `job::WorkOn`).
pub type Work<T> = WorkOn<Connection, T>;

/// The most jobs one transaction takes. Bounds how long the first job waits for its reply.
const MAX_JOBS_PER_COMMIT: usize = 256;

/// How many jobs may wait, and how long a caller waits before it is told `OVERLOADED`.
#[derive(Clone, Copy, Debug)]
pub struct QueueLimits {
    pub capacity: usize,
    pub wait: Duration,
}

impl Default for QueueLimits {
    /// Ten times what one commit takes, and a wait far beyond a healthy queue's (a full
    /// queue drains in well under a second at the benchmark's rate).
    fn default() -> Self {
        QueueLimits { capacity: 10 * MAX_JOBS_PER_COMMIT, wait: Duration::from_secs(10) }
    }
}

/// Decides, exactly once, whether a queued job runs or was given up by its caller: the
/// writer starts it, or the caller abandons it on timeout, whichever comes first.
#[derive(Clone, Default)]
struct Ticket(Arc<AtomicU8>);

const WAITING: u8 = 0;
const STARTED: u8 = 1;
const ABANDONED: u8 = 2;

impl Ticket {
    fn start(&self) -> bool {
        self.0.compare_exchange(WAITING, STARTED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    fn abandon(&self) -> bool {
        self.0.compare_exchange(WAITING, ABANDONED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

type Job = dyn job::Job<Connection>;

enum Queued {
    Work(Ticket, Box<Job>),
    /// Sends the turn's end (dropped when the caller's transaction is over) to the caller.
    Turn(Ticket, oneshot::Sender<oneshot::Sender<()>>),
}

/// The right to write, held by a sea-orm transaction; the writer resumes when it is dropped.
pub struct Turn {
    _end: oneshot::Sender<()>,
}

/// How often the checkpoint thread copies the WAL back into the database file: often
/// enough that each copy is short and little is left for the writer's own checkpoint.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// How often the checkpoint thread flushes the WAL between checkpoints.
const WAL_FLUSH_EVERY: Duration = Duration::from_millis(25);
/// After this long without a write, the WAL file is emptied (see `truncate_wal`).
const TRUNCATE_WAL_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);
/// The writer also checkpoints past this many WAL pages. The checkpoint thread has copied
/// nearly all of them by then, so this one is short; it matters because only a checkpoint
/// that catches up between two write transactions lets the WAL start over, and under a
/// steady stream of writes the other thread's never does (the WAL would grow without end).
/// Each one costs the writer three fsyncs (WAL, database, then the new WAL's header), a
/// 5 to 15 ms pause on a virtual disk that every waiting event sees, so they must be rare:
/// SQLite's default, 1,000 pages, made every few hundred events pay for one, and 4,000
/// still paused the writer several times a second at 10,000 events/s.
const WRITER_AUTOCHECKPOINT_PAGES: i64 = 16_000;
/// The WAL file is cut back to this size when it starts over. It is above the WAL's usual
/// largest size (`WRITER_AUTOCHECKPOINT_PAGES` pages) so the file is not cut and regrown at
/// every restart; it only bounds what a rare huge transaction (an import) leaves behind.
const WAL_SIZE_LIMIT_BYTES: i64 = 128 * 1024 * 1024;

/// The handle requests use to queue writes. Dropping the last one stops both threads.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Queued>,
    wait: Duration,
    _alive: Arc<()>,
}

impl Writer {
    /// Opens the write connection to the SQLite file `path` on a new thread; returns once
    /// it is open.
    pub async fn start(path: PathBuf, limits: QueueLimits) -> anyhow::Result<Self> {
        Self::start_with(path, limits, TRUNCATE_WAL_WHEN_IDLE_FOR).await
    }

    /// `truncate_when_idle_for`: see `TRUNCATE_WAL_WHEN_IDLE_FOR` (tests shorten it).
    async fn start_with(path: PathBuf, limits: QueueLimits, truncate_when_idle_for: Duration) -> anyhow::Result<Self> {
        let (jobs, queue) = mpsc::channel(limits.capacity.max(1));
        let (ready_tx, ready) = oneshot::channel();
        let writer_path = path.clone();
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
            let opened = open(&writer_path)
                .and_then(|conn| {
                    conn.pragma_update(None, "wal_autocheckpoint", WRITER_AUTOCHECKPOINT_PAGES)?;
                    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT_BYTES)?;
                    Ok(conn)
                })
                .and_then(|conn| Ok((conn, tokio::runtime::Builder::new_current_thread().build()?)));
            match opened {
                Ok((conn, runtime)) => {
                    let _ = ready_tx.send(Ok(()));
                    runtime.block_on(serve(conn, queue));
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        })?;
        ready.await.map_err(|_| anyhow::anyhow!("the SQLite writer thread stopped while opening"))??;
        let alive = Arc::new(());
        let mut wal_path = path.clone().into_os_string();
        wal_path.push("-wal");
        let checkpointer = open(&path)?;
        checkpointer.busy_timeout(Duration::ZERO)?;
        spawn_checkpointer(checkpointer, wal_path.into(), truncate_when_idle_for, Arc::downgrade(&alive))?;
        Ok(Writer { jobs, wait: limits.wait, _alive: alive })
    }

    /// Runs `work` on the writer's connection, in a transaction it may share with other jobs.
    pub async fn submit<T: Send + 'static>(&self, work: Work<T>) -> AppResult<T> {
        let deadline = tokio::time::Instant::now() + self.wait;
        let (job, mut result) = Pending::new(work);
        let ticket = Ticket::default();
        let job: Box<Job> = Box::new(job);
        self.enqueue(Queued::Work(ticket.clone(), job), &ticket, deadline).await?;
        let result = match tokio::time::timeout_at(deadline, &mut result).await {
            Ok(result) => result,
            // Too late: unless the writer already started it, the job will never run.
            Err(_) if ticket.abandon() => return Err(overloaded()),
            // The writer started it just now: its reply is on the way.
            Err(_) => result.await,
        };
        result.map_err(|_| AppError::internal("the SQLite writer dropped a job"))?
    }

    /// Waits for the right to write with a transaction of one's own; the writer writes
    /// nothing until the returned `Turn` is dropped.
    pub async fn turn(&self) -> AppResult<Turn> {
        let deadline = tokio::time::Instant::now() + self.wait;
        let (go, mut granted) = oneshot::channel();
        let ticket = Ticket::default();
        self.enqueue(Queued::Turn(ticket.clone(), go), &ticket, deadline).await?;
        let end = match tokio::time::timeout_at(deadline, &mut granted).await {
            Ok(end) => end,
            Err(_) if ticket.abandon() => return Err(overloaded()),
            Err(_) => granted.await,
        };
        let end = end.map_err(|_| AppError::internal("the SQLite writer has stopped"))?;
        Ok(Turn { _end: end })
    }

    async fn enqueue(&self, job: Queued, ticket: &Ticket, deadline: tokio::time::Instant) -> AppResult<()> {
        match tokio::time::timeout_at(deadline, self.jobs.send(job)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(AppError::internal("the SQLite writer has stopped")),
            Err(_) => {
                ticket.abandon();
                Err(overloaded())
            }
        }
    }
}

fn overloaded() -> AppError {
    crate::metrics::write_overloaded();
    AppError::Overloaded
}

/// The same settings as the pool's connections.
fn open(path: &std::path::Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Checkpoints from its own connection and thread, so the writer never waits for one.
/// PASSIVE never blocks readers or the writer; it copies what it can.
///
/// Between checkpoints it also flushes the WAL file (fdatasync, from its own descriptor):
/// SQLite syncs the WAL only when a checkpoint starts, and that sync then has to write
/// everything appended since the last one. When the writer's own checkpoint (see
/// `WRITER_AUTOCHECKPOINT_PAGES`) did it, that was tens of megabytes at full load and a
/// 40 to 60 ms pause for every waiting event; flushed little and often, the backlog stays
/// small and so does the pause. The extra syncs only make data durable sooner, and at idle
/// there is nothing to flush.
fn spawn_checkpointer(conn: Connection, wal_path: PathBuf, truncate_when_idle_for: Duration, alive: Weak<()>) -> std::io::Result<()> {
    std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
        let mut last_checkpoint = Instant::now();
        let mut flushed_version = None;
        let mut last_write = Instant::now();
        let mut truncated = false;
        while alive.strong_count() > 0 {
            std::thread::sleep(WAL_FLUSH_EVERY);
            if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
                last_checkpoint = Instant::now();
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
                continue;
            }
            match flush_if_changed(&wal_path, &mut flushed_version) {
                Ok(Some(len)) if len > 0 => (last_write, truncated) = (Instant::now(), false),
                Ok(_) => {
                    if !truncated && last_write.elapsed() >= truncate_when_idle_for {
                        truncated = truncate_wal(&conn);
                    }
                }
                // No WAL yet (nothing written since the last connection closed) is fine.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, "flushing the WAL failed"),
            }
        }
    })?;
    Ok(())
}

/// fdatasync on the WAL unless it is unchanged since the last flush (an idle server would
/// otherwise ask the disk to flush its cache 40 times a second for nothing). Returns the
/// WAL's length when it had changed.
fn flush_if_changed(wal_path: &std::path::Path, flushed_version: &mut Option<(std::time::SystemTime, u64)>) -> std::io::Result<Option<u64>> {
    let wal = std::fs::File::open(wal_path)?;
    let meta = wal.metadata()?;
    let version = Some((meta.modified()?, meta.len()));
    if version == *flushed_version {
        return Ok(None);
    }
    wal.sync_data()?;
    *flushed_version = version;
    Ok(Some(meta.len()))
}

/// Empties the WAL file once the server has been idle for a while, so the disk holds the
/// database and not also up to `WRITER_AUTOCHECKPOINT_PAGES` of spent log. The checkpoint
/// connection has no busy timeout: if anyone is reading or writing, this gives up at once
/// (and is tried again later) instead of holding up the writer. True when it emptied it.
fn truncate_wal(conn: &Connection) -> bool {
    match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0)) {
        Ok(busy) => busy == 0,
        Err(e) => {
            tracing::warn!(error = %e, "truncating the WAL failed");
            false
        }
    }
}

async fn serve(mut conn: Connection, mut queue: mpsc::Receiver<Queued>) {
    let mut batch: Vec<Queued> = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    let mut group: Vec<Box<Job>> = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    while queue.recv_many(&mut batch, MAX_JOBS_PER_COMMIT).await > 0 {
        for queued in batch.drain(..) {
            match queued {
                Queued::Work(ticket, job) => {
                    if ticket.start() {
                        group.push(job);
                    }
                }
                // Jobs queued before the turn commit before it begins.
                Queued::Turn(ticket, go) => {
                    run_group(&mut conn, &mut group).await;
                    if ticket.start() {
                        hand_over(go).await;
                    }
                }
            }
        }
        run_group(&mut conn, &mut group).await;
    }
}

/// Gives a sea-orm transaction its turn and waits until it is over.
async fn hand_over(go: oneshot::Sender<oneshot::Sender<()>>) {
    let (end, ended) = oneshot::channel();
    if go.send(end).is_ok() {
        // Err(RecvError) is the normal end: the holder dropped its `Turn`.
        let _ = ended.await;
    }
}

async fn run_group(conn: &mut Connection, group: &mut Vec<Box<Job>>) {
    if group.is_empty() {
        return;
    }
    if group.len() > 1 && run_together(conn, group).await {
        for job in group.drain(..) {
            job.finish(None);
        }
        return;
    }
    // One job, or a shared transaction that failed: each job in its own transaction,
    // so one job's failure never undoes another's write.
    for mut job in group.drain(..) {
        let failure = run_alone(conn, job.as_mut()).await;
        job.finish(failure);
    }
}

/// True when every job succeeded and the shared transaction committed.
async fn run_together(conn: &mut Connection, batch: &mut [Box<Job>]) -> bool {
    if begin(conn).is_err() {
        return false;
    }
    for job in batch.iter_mut() {
        if !job.run(conn).await {
            rollback(conn);
            return false;
        }
    }
    commit(conn).is_ok()
}

/// Runs one job in its own transaction; `Some` only when beginning or committing failed.
async fn run_alone(conn: &mut Connection, job: &mut Job) -> Option<AppError> {
    if let Err(e) = begin(conn) {
        return Some(e);
    }
    if job.run(conn).await {
        commit(conn).err()
    } else {
        rollback(conn);
        None
    }
}

/// IMMEDIATE takes the write lock up front: a transaction that read first and wrote later
/// would fail with SQLITE_BUSY_SNAPSHOT if another connection wrote in between, whereas
/// waiting for the lock here is covered by the busy timeout.
fn begin(conn: &Connection) -> AppResult<()> {
    Ok(conn.execute_batch("BEGIN IMMEDIATE")?)
}

fn commit(conn: &Connection) -> AppResult<()> {
    conn.execute_batch("COMMIT").map_err(|e| {
        rollback(conn);
        AppError::from(e)
    })
}

fn rollback(conn: &Connection) {
    if !conn.is_autocommit()
        && let Err(e) = conn.execute_batch("ROLLBACK")
    {
        tracing::error!(error = %e, "rolling back a write transaction failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(value: i64, fail: bool) -> Work<i64> {
        Box::new(move |conn| {
            Box::pin(async move {
                conn.execute("INSERT INTO t (v) VALUES (?1)", [value])?;
                if fail {
                    return Err(AppError::bad_input("refused"));
                }
                Ok(value)
            })
        })
    }

    async fn writer() -> (tempfile::TempDir, Writer) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (v INTEGER NOT NULL)").unwrap();
        let writer = Writer::start(path, QueueLimits::default()).await.unwrap();
        (dir, writer)
    }

    fn stored(dir: &tempfile::TempDir) -> Vec<i64> {
        let conn = Connection::open(dir.path().join("w.db")).unwrap();
        let mut statement = conn.prepare("SELECT v FROM t ORDER BY v").unwrap();
        statement.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_jobs_all_commit_and_a_failed_one_undoes_only_itself() {
        let (dir, writer) = writer().await;
        let mut tasks = Vec::new();
        for value in 0..200_i64 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move { writer.submit(insert(value, value % 50 == 7)).await }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        for (value, result) in results.iter().enumerate() {
            match result {
                Ok(v) => assert_eq!(*v, value as i64),
                Err(e) => {
                    assert_eq!(value % 50, 7, "only the refusing jobs fail, not {value}: {e}");
                    assert_eq!(e.code(), "BAD_USER_INPUT");
                }
            }
        }
        let expected: Vec<i64> = (0..200).filter(|v| v % 50 != 7).collect();
        assert_eq!(stored(&dir), expected);
    }

    #[tokio::test]
    async fn an_idle_writer_empties_the_wal_and_keeps_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (v INTEGER NOT NULL)").unwrap();
        let writer = Writer::start_with(path.clone(), QueueLimits::default(), Duration::from_millis(300)).await.unwrap();
        for value in 0..50 {
            writer.submit(insert(value, false)).await.unwrap();
        }
        let wal = dir.path().join("w.db-wal");
        assert!(std::fs::metadata(&wal).unwrap().len() > 0, "the writes went to the WAL");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&wal).unwrap().len() > 0 {
            assert!(std::time::Instant::now() < deadline, "the WAL was not emptied");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(stored(&dir), (0..50).collect::<Vec<_>>());
        // And writing after the truncation works.
        assert_eq!(writer.submit(insert(50, false)).await.unwrap(), 50);
        assert_eq!(stored(&dir).len(), 51);
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_writer_carries_on() {
        let (dir, writer) = writer().await;
        let panicking: Work<i64> = Box::new(|conn| {
            Box::pin(async move {
                conn.execute("INSERT INTO t (v) VALUES (99)", [])?;
                panic!("bug in a job");
            })
        });
        let error = writer.submit(panicking).await.unwrap_err();
        assert_eq!(error.code(), "INTERNAL");
        assert_eq!(writer.submit(insert(1, false)).await.unwrap(), 1);
        assert_eq!(stored(&dir), vec![1], "the panicking job's insert was rolled back");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_turn_holds_back_every_job_until_it_ends() {
        let (dir, writer) = writer().await;
        let turn = writer.turn().await.unwrap();
        let queued = tokio::spawn({
            let writer = writer.clone();
            async move { writer.submit(insert(1, false)).await }
        });
        // Whatever the timing, nothing can be written while the turn is held.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(stored(&dir).is_empty(), "a job ran during another writer's turn");
        drop(turn);
        assert_eq!(queued.await.unwrap().unwrap(), 1);
        assert_eq!(stored(&dir), vec![1]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_of_a_stuck_writer_get_overloaded_and_their_jobs_never_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (v INTEGER NOT NULL)").unwrap();
        let limits = QueueLimits { capacity: 1, wait: Duration::from_millis(200) };
        let writer = Writer::start(path, limits).await.unwrap();
        // The writer is busy with this turn for as long as the test holds it.
        let turn = writer.turn().await.unwrap();
        let (queued, refused) = tokio::join!(writer.submit(insert(1, false)), writer.submit(insert(2, false)));
        // One job fits in the queue and times out there, the other never got in.
        assert_eq!(queued.unwrap_err().code(), "OVERLOADED");
        assert_eq!(refused.unwrap_err().code(), "OVERLOADED");
        assert_eq!(writer.turn().await.err().map(|e| e.code()), Some("OVERLOADED"), "a turn waits no longer than a job");
        drop(turn);
        assert_eq!(writer.submit(insert(3, false)).await.unwrap(), 3);
        assert_eq!(stored(&dir), vec![3], "a job whose caller was told OVERLOADED must not run later");
    }
}
