//! State shared between server instances through Redis: GCRA rate limits (one small Lua
//! script, using Redis's clock so instances agree) and the live-update channel.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// GCRA: KEYS[1] holds the theoretical arrival time (ms). ARGV: emission interval (ms),
/// burst. Returns {allowed (0/1), wait ms}.
const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if allow_at > now then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
return {1, 0}
";

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
    gcra: Script,
    prefix: String,
}

impl Shared {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let manager = client.get_connection_manager().await?;
        Ok(Shared { client, manager, gcra: Script::new(GCRA), prefix: prefix.to_owned() })
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
        let interval_ms = 60_000 / u64::from(per_minute).max(1);
        let mut conn = self.manager.clone();
        let result: redis::RedisResult<(i64, i64)> =
            self.gcra.key(self.key(&format!("rl:{limit}:{key}"))).arg(interval_ms).arg(burst.max(1)).invoke_async(&mut conn).await;
        match result {
            Ok((1, _)) => Some(Ok(())),
            Ok((_, wait_ms)) => Some(Err(u64::try_from(wait_ms).unwrap_or(1000).div_ceil(1000).max(1))),
            Err(e) => {
                tracing::warn!(error = %e, "Redis rate limit unavailable; using the local limit");
                None
            }
        }
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
