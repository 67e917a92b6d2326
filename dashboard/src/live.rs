//! Live updates: the `activity` subscription over WebSocket (graphql-transport-ws protocol,
//! as served by async-graphql at /graphql/ws), with polling as the fallback when the socket
//! cannot be used.

use yew::prelude::*;

use crate::gql::{self, json};
use crate::hooks::use_app;

use crate::state::{Action, AppContext, LiveMode};

/// Poll period when the socket fails (the issue asks for updates within 2 s).
pub const POLL_MS: u32 = 2_000;

/// Keeps the live connection while someone is signed in (a hook of the app's shell; a
/// component of its own before, issue #16, size).
#[allow(clippy::drop_non_drop)] // the native stand-in has no Drop; the browser one closes the socket
#[hook]
pub fn use_live_updates() {
    let ctx = use_app();
    let user_id = ctx.user().map(|u| u.id.clone());
    {
        let ctx = ctx.clone();
        use_effect_with(user_id, move |user_id| {
            let conn = user_id.as_ref().map(|_| imp::start(ctx));
            move || drop(conn)
        });
    }
}

/// The `graphql-transport-ws` messages the client sends.
pub fn init_message() -> String {
    r#"{"type":"connection_init","payload":{}}"#.to_string()
}

pub fn subscribe_message(id: &str) -> String {
    let body = gql::request_body::<gql::Activity>(gql::activity::Variables).unwrap_or_default();
    format!("{{\"id\":{},\"type\":\"subscribe\",\"payload\":{body}}}", json::string(id))
}

/// What an incoming message means for us.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Ack,
    Ping,
    Next,
    /// `error` or `complete`: the subscription is over.
    Ended,
    Other,
}

pub fn classify(text: &str) -> Incoming {
    let Ok(v) = json::parse(text) else {
        return Incoming::Other;
    };
    match json::field(&v, "type").and_then(|t| json::as_str(&t)).as_deref() {
        Some("connection_ack") => Incoming::Ack,
        Some("ping") => Incoming::Ping,
        Some("next") => {
            let errors = json::field(&v, "payload").and_then(|p| json::field(&p, "errors"));
            if errors.is_some_and(|e| json::is_filled_array(&e)) { Incoming::Ended } else { Incoming::Next }
        }
        Some("error") | Some("complete") => Incoming::Ended,
        _ => Incoming::Other,
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;
    use gloo_timers::callback::{Interval, Timeout};
    use std::cell::RefCell;
    use std::rc::{Rc, Weak};
    use wasm_bindgen::prelude::*;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    struct Inner {
        ctx: AppContext,
        ws: Option<WebSocket>,
        handlers: Vec<Closure<dyn FnMut(JsValue)>>,
        failures: u32,
        acked: bool,
        retry: Option<Timeout>,
        poll: Option<Interval>,
    }

    pub struct Conn(Rc<RefCell<Inner>>);

    impl Drop for Conn {
        fn drop(&mut self) {
            let mut inner = self.0.borrow_mut();
            inner.retry = None;
            inner.poll = None;
            if let Some(ws) = inner.ws.take() {
                ws.set_onopen(None);
                ws.set_onmessage(None);
                ws.set_onclose(None);
                ws.set_onerror(None);
                let _ = ws.close();
            }
            inner.handlers.clear();
        }
    }

    pub fn start(ctx: AppContext) -> Conn {
        let inner = Rc::new(RefCell::new(Inner { ctx, ws: None, handlers: Vec::new(), failures: 0, acked: false, retry: None, poll: None }));
        connect(&inner);
        Conn(inner)
    }

    fn ws_url() -> Option<String> {
        let loc = web_sys::window()?.location();
        let scheme = if loc.protocol().ok()? == "https:" { "wss" } else { "ws" };
        Some(format!("{scheme}://{}/graphql/ws", loc.host().ok()?))
    }

    fn connect(rc: &Rc<RefCell<Inner>>) {
        let Some(url) = ws_url() else { return };
        {
            let inner = rc.borrow();
            if inner.poll.is_none() {
                inner.ctx.dispatch(Action::Live(LiveMode::Connecting));
            }
        }
        let ws = match WebSocket::new_with_str(&url, "graphql-transport-ws") {
            Ok(ws) => ws,
            Err(_) => return failed(rc),
        };
        let weak = Rc::downgrade(rc);

        let on_open = {
            let ws = ws.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                let _ = ws.send_with_str(&init_message());
            })
        };
        let on_message = {
            let ws = ws.clone();
            let weak: Weak<RefCell<Inner>> = weak.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                let Some(rc) = weak.upgrade() else { return };
                let Some(text) = ev.unchecked_into::<MessageEvent>().data().as_string() else {
                    return;
                };
                match classify(&text) {
                    Incoming::Ack => {
                        let _ = ws.send_with_str(&subscribe_message("activity"));
                        let mut inner = rc.borrow_mut();
                        let was_polling = inner.poll.take().is_some();
                        let reconnect = inner.failures > 0 || was_polling;
                        inner.acked = true;
                        inner.failures = 0;
                        inner.ctx.dispatch(Action::Live(LiveMode::Socket));
                        if reconnect {
                            // Events may have happened while we were away.
                            inner.ctx.dispatch(Action::Activity);
                        }
                    }
                    Incoming::Ping => {
                        let _ = ws.send_with_str(r#"{"type":"pong"}"#);
                    }
                    Incoming::Next => rc.borrow().ctx.dispatch(Action::Activity),
                    Incoming::Ended => {
                        let _ = ws.close();
                    }
                    Incoming::Other => {}
                }
            })
        };
        let on_close = {
            let weak = weak.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                let _ = ev.dyn_ref::<CloseEvent>().map(|c| c.code());
                if let Some(rc) = weak.upgrade() {
                    rc.borrow_mut().ws = None;
                    failed(&rc);
                }
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut inner = rc.borrow_mut();
        inner.handlers = vec![on_open, on_message, on_close];
        inner.ws = Some(ws);
    }

    /// The socket closed or could not open: poll (at once if it never worked, else after a
    /// second failure) and try the socket again with a growing delay.
    fn failed(rc: &Rc<RefCell<Inner>>) {
        let mut inner = rc.borrow_mut();
        inner.failures += 1;
        let start_polling = !inner.acked || inner.failures >= 2;
        if start_polling && inner.poll.is_none() {
            let ctx = inner.ctx.clone();
            ctx.dispatch(Action::Live(LiveMode::Polling));
            inner.poll = Some(Interval::new(POLL_MS, move || ctx.dispatch(Action::Activity)));
        }
        let delay = (1000u32 << inner.failures.min(5)).min(30_000);
        let weak = Rc::downgrade(rc);
        inner.retry = Some(Timeout::new(delay, move || {
            if let Some(rc) = weak.upgrade() {
                connect(&rc);
            }
        }));
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::*;
    pub struct Conn;
    pub fn start(ctx: AppContext) -> Conn {
        ctx.dispatch(Action::Live(LiveMode::Off));
        Conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_messages() {
        assert_eq!(classify(r#"{"type":"connection_ack"}"#), Incoming::Ack);
        assert_eq!(classify(r#"{"type":"ping"}"#), Incoming::Ping);
        assert_eq!(classify(r#"{"id":"activity","type":"next","payload":{"data":{"activity":{"eventType":"NEXT"}}}}"#), Incoming::Next);
        assert_eq!(classify(r#"{"id":"activity","type":"next","payload":{"errors":[{"message":"no"}]}}"#), Incoming::Ended);
        assert_eq!(classify(r#"{"type":"complete","id":"activity"}"#), Incoming::Ended);
        assert_eq!(classify("nonsense"), Incoming::Other);
        let sub = subscribe_message("activity");
        assert!(sub.contains(r#""type":"subscribe""#), "{sub}");
        assert!(sub.contains("subscription Activity"), "{sub}");
        assert!(init_message().contains("connection_init"));
    }
}
