//! Live updates over a real socket: who may subscribe, what they receive, and when it ends.

use std::net::SocketAddr;

use futures_util::SinkExt;
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::cluster::next_containing;
use crate::common::*;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Serves the app on a loopback port, with peer addresses as in production.
async fn listen(app: &TestApp) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap() });
    port
}

/// Opens a socket with `headers`, initialises it (with `token` if any) and subscribes to
/// `activity`; the pong after the subscribe shows the server has read it.
async fn subscribe(port: u16, headers: &[(&'static str, String)], token: Option<&str>) -> Socket {
    let mut request = format!("ws://127.0.0.1:{port}/graphql/ws").into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let payload = token.map_or(json!({}), |t| json!({"token": t}));
    ws.send(Message::text(json!({"type": "connection_init", "payload": payload}).to_string())).await.unwrap();
    assert!(next_containing(&mut ws, "connection_ack").await);
    ws.send(Message::text(json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription{activity{eventType sessionId}}"}}).to_string()))
        .await
        .unwrap();
    ws.send(Message::text(json!({"type": "ping"}).to_string())).await.unwrap();
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_opens_a_websocket_only_from_its_own_origin() {
    let app = TestApp::new().await;
    let token = app.register("a@example.com").await;
    let port = listen(&app).await;
    let cookie = ("cookie", format!("rht_session={token}"));
    let mut foreign = subscribe(port, &[cookie.clone(), ("origin", "https://evil.example".into())], None).await;
    assert!(next_containing(&mut foreign, "UNAUTHENTICATED").await, "a foreign page's socket must not act as the cookie's owner");

    let mut own = subscribe(port, &[cookie, ("origin", format!("http://127.0.0.1:{port}"))], None).await;
    assert!(next_containing(&mut own, "pong").await);
    app.event_with(&token, json!({"type": "NEXT"})).await;
    assert!(next_containing(&mut own, "NEXT").await, "the dashboard's own socket gets updates");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_carries_only_its_users_activity_and_ends_at_sign_out() {
    let app = TestApp::new().await;
    let a = app.register("a@example.com").await;
    let b = app.register("b@example.com").await;
    let login = "mutation{login(email:\"a@example.com\",password:\"correct horse battery staple\",deviceName:\"overlay\"){token}}";
    let device = app.ok(None, login, json!({})).await["login"]["token"].as_str().unwrap().to_owned();
    let port = listen(&app).await;
    let mut ws = subscribe(port, &[], Some(&a)).await;
    assert!(next_containing(&mut ws, "pong").await);

    // b's event goes out first, so a's first update shows whether it leaked.
    let b_session = app.event_with(&b, json!({"type": "NEXT"})).await["data"]["recordEvent"]["session"]["id"].clone();
    let a_session = app.event_with(&a, json!({"type": "NEXT"})).await["data"]["recordEvent"]["session"]["id"].clone();
    assert_ne!(a_session, b_session);
    let first = tokio::time::timeout(std::time::Duration::from_secs(60), futures_util::StreamExt::next(&mut ws)).await.unwrap().unwrap().unwrap();
    let first: serde_json::Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(first["payload"]["data"]["activity"]["sessionId"], a_session, "{first}");

    // Signing out revokes the JWT the socket was opened with: a's next event (from the
    // overlay's device token, which survives) ends the subscription instead of reaching it.
    app.ok(Some(&a), "mutation{logout}", json!({})).await;
    app.event_with(&device, json!({"type": "NEXT"})).await;
    let rest = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        let mut seen = vec![];
        while let Some(Ok(message)) = futures_util::StreamExt::next(&mut ws).await {
            let text = message.to_text().unwrap_or("").to_owned();
            let done = text.contains(r#""complete""#);
            seen.push(text);
            if done {
                break;
            }
        }
        seen
    })
    .await
    .expect("the subscription ends");
    assert!(rest.last().is_some_and(|m| m.contains("complete")), "{rest:?}");
    assert!(!rest.iter().any(|m| m.contains(r#""next""#)), "no update after sign-out: {rest:?}");
}
