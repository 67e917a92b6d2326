//! State shared between server instances through Redis: GCRA rate limits (one small Lua
//! script, using Redis's clock so instances agree) and the live-update channel.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use serde::{Deserialize, Serialize};
use std::time::Instant;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::security::lease::{self, LEASE_LIFETIME, Leases, Take};

/// GCRA for every key of a group of checks, in order, on Redis's clock. KEYS[i] holds a
/// key's theoretical arrival time (ms); ARGV[4i-3..4i]: its emission interval (ms), burst,
/// the units wanted and the units given back (a lease that ended unspent, see
/// `security::lease`). Returns for each check the units granted (at least 1, at most the
/// units wanted), or minus the wait in ms when not even one was left. A key named twice is
/// checked twice, the second time against the first's result.
const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local out = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[4 * i - 3])
  local burst = tonumber(ARGV[4 * i - 2])
  local want = tonumber(ARGV[4 * i - 1])
  local refund = tonumber(ARGV[4 * i])
  local tat = tonumber(redis.call('GET', key) or now) - interval * refund
  if tat < now then tat = now end
  local room = want
  if interval > 0 then room = math.min(want, math.floor((now + interval * burst - tat) / interval)) end
  if room >= 1 then
    local new_tat = tat + interval * room
    redis.call('SET', key, new_tat, 'PX', math.max(1, new_tat - now))
    out[i] = room
  else
    out[i] = now - (tat + interval - interval * burst)
  end
end
return out
";

/// The most checks one script call takes.
const MAX_CHECKS_PER_CALL: usize = 128;

/// One rate-limit check waiting for its group's script call.
struct Check {
    key: String,
    interval_ms: u64,
    burst: u32,
    want: u32,
    refund: u32,
    /// Units granted, or minus the wait in ms; `None` when Redis failed.
    reply: oneshot::Sender<Option<i64>>,
}

/// What travels on the channel.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WireUpdate {
    pub user_id: i32,
    pub event_type: String,
    pub session_id: Option<i32>,
    pub at: DateTime<Utc>,
}

pub struct Shared {
    client: redis::Client,
    manager: ConnectionManager,
    checks: mpsc::UnboundedSender<Check>,
    leases: Leases,
    prefix: String,
}

impl Shared {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        Self::connect_leasing(url, prefix, LEASE_LIFETIME).await
    }

    /// Like `connect`, with leased rate-limit units spendable for `lease_lifetime`.
    pub async fn connect_leasing(url: &str, prefix: &str, lease_lifetime: std::time::Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let manager = client.get_connection_manager().await?;
        let (checks, queue) = mpsc::unbounded_channel();
        tokio::spawn(serve_checks(manager.clone(), queue));
        Ok(Shared { client, manager, checks, leases: Leases::new(lease_lifetime), prefix: prefix.to_owned() })
    }

    fn channel(&self) -> String {
        self.key("activity")
    }

    /// A key in this deployment's namespace (`REDIS_KEY_PREFIX`).
    pub fn key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.prefix)
    }

    /// A handle on the shared connection (it reconnects by itself).
    pub fn connection(&self) -> ConnectionManager {
        self.manager.clone()
    }

    /// `None` when Redis failed (the caller falls back to its in-memory limit).
    pub async fn check(&self, limit: &str, key: &str, per_minute: u32, burst: u32) -> Option<Result<(), u64>> {
        if per_minute == 0 {
            return Some(Ok(()));
        }
        let key = self.key(&format!("rl:{limit}:{key}"));
        let Take::Ask { refund } = self.leases.take(&key, Instant::now()) else { return Some(Ok(())) };
        let interval_ms = 60_000 / u64::from(per_minute).max(1);
        let burst = burst.max(1);
        let (reply, answer) = oneshot::channel();
        self.checks.send(Check { key: key.clone(), interval_ms, burst, want: lease::block_for(burst), refund, reply }).ok()?;
        match answer.await.ok()?? {
            granted @ 1.. => {
                self.leases.keep(&key, u32::try_from(granted).unwrap_or(1), Instant::now());
                Some(Ok(()))
            }
            minus_wait_ms => Some(Err(u64::try_from(-minus_wait_ms).unwrap_or(1000).div_ceil(1000).max(1))),
        }
    }

    /// Forgets rate-limit leases that ended.
    pub fn prune(&self) {
        self.leases.prune(Instant::now());
    }

    /// One message carries `updates` as a JSON array, in order.
    pub async fn publish(&self, updates: &[WireUpdate]) -> redis::RedisResult<()> {
        let mut conn = self.manager.clone();
        let payload = serde_json::to_string(updates).unwrap_or_default();
        conn.publish::<_, _, ()>(self.channel(), payload).await
    }

    /// Forwards every update on the channel (from any instance) to local subscribers,
    /// reconnecting after errors.
    pub fn spawn_subscriber(&self, local: broadcast::Sender<WireUpdate>) {
        let client = self.client.clone();
        let channel = self.channel();
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if let Err(e) = pubsub.subscribe(&channel).await {
                            tracing::warn!(error = %e, "Redis subscribe failed");
                        } else {
                            let mut messages = pubsub.on_message();
                            while let Some(message) = messages.next().await {
                                // Every instance gets every instance's updates; with no local
                                // subscriber, decoding them would only cost CPU.
                                if local.receiver_count() == 0 {
                                    continue;
                                }
                                let Ok(payload) = message.get_payload::<String>() else { continue };
                                for update in decode_updates(&payload) {
                                    let _ = local.send(update);
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "Redis pub/sub unavailable"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }
}

/// Sends the rate-limit checks waiting at each moment to Redis in one script call: a round
/// trip each was most of what a shared limit cost (two per event request, measured with
/// two instances), and one call keeps their order, so per-key results are the same.
async fn serve_checks(mut conn: ConnectionManager, mut queue: mpsc::UnboundedReceiver<Check>) {
    let script = Script::new(GCRA);
    let mut group: Vec<Check> = Vec::with_capacity(MAX_CHECKS_PER_CALL);
    while queue.recv_many(&mut group, MAX_CHECKS_PER_CALL).await > 0 {
        let mut call = script.prepare_invoke();
        for check in &group {
            call.key(&check.key).arg(check.interval_ms).arg(check.burst).arg(check.want).arg(check.refund);
        }
        let answers: Vec<Option<i64>> = match call.invoke_async::<Vec<i64>>(&mut conn).await {
            Ok(answers) if answers.len() == group.len() => answers.into_iter().map(Some).collect(),
            Ok(_) => {
                tracing::warn!("Redis rate limit answered for the wrong number of checks; using the local limit");
                vec![None; group.len()]
            }
            Err(e) => {
                tracing::warn!(error = %e, "Redis rate limit unavailable; using the local limit");
                vec![None; group.len()]
            }
        };
        for (check, answer) in group.drain(..).zip(answers) {
            let _ = check.reply.send(answer);
        }
    }
}

/// A message's updates: an array, or the single update an older instance sends during a
/// rolling upgrade. Anything else carries none.
fn decode_updates(payload: &str) -> Vec<WireUpdate> {
    serde_json::from_str::<Vec<WireUpdate>>(payload).or_else(|_| serde_json::from_str::<WireUpdate>(payload).map(|u| vec![u])).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(user_id: i32, event_type: &str) -> WireUpdate {
        WireUpdate { user_id, event_type: event_type.into(), session_id: Some(7), at: DateTime::from_timestamp(1_700_000_000, 0).unwrap() }
    }

    #[test]
    fn a_message_carries_its_updates_in_order_and_an_old_single_update_still_reads() {
        let sent = vec![update(1, "NEXT"), update(2, "PAUSE"), update(1, "EXIT")];
        let got = decode_updates(&serde_json::to_string(&sent).unwrap());
        let kinds: Vec<(i32, &str)> = got.iter().map(|u| (u.user_id, u.event_type.as_str())).collect();
        assert_eq!(kinds, [(1, "NEXT"), (2, "PAUSE"), (1, "EXIT")]);
        let old = decode_updates(&serde_json::to_string(&update(3, "UNDO")).unwrap());
        assert_eq!(old.len(), 1);
        assert_eq!((old[0].user_id, old[0].event_type.as_str(), old[0].session_id), (3, "UNDO", Some(7)));
        assert!(decode_updates("not json").is_empty());
    }
}
