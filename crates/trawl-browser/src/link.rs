//! A DevTools connection of the driver's own to one worker's tab ([`Link`]): request
//! interception, and the calls a capture makes one after the other (navigate, evaluate,
//! screenshots).
//!
//! Why a connection of its own: every call through `headless_chrome`'s shared connection waited
//! up to 100 ms whenever the browser had nothing to send (its reader holds the socket while it
//! waits for input), and a paused request is exactly such a moment, so a page with a few
//! hundred sub-resources took tens of seconds to load and every step of a capture paid the
//! wait. Here the socket is split: one thread only reads (it answers paused requests at once),
//! writers only write. The link attaches to the tab's target with a flat session and enables
//! only the Fetch domain; network events and response bodies stay on `headless_chrome`'s
//! session, where the Network domain is enabled.
//!
//! Interception: every request the tab is about to make is paused, checked against the
//! caller's [`RequestPolicy`], then let through or failed with `BlockedByClient` (and recorded
//! as refused in the page state).
//!
//! Error policy: setting up fails the tab (the pool replaces the browser). A call gets no
//! answer past its limit ([`CallError::Timeout`]); once the connection breaks every call fails
//! at once and paused requests are never answered, so the page runs into its deadline, which
//! recycles the browser like any other hang.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use headless_chrome::protocol::cdp::types::Method;
use serde_json::{Value, json};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

use crate::calls::CallError;
use crate::page::RequestPolicy;
use crate::recorder::PageState;

/// Longest wait for the connection to be set up.
const SETUP_LIMIT: Duration = Duration::from_secs(5);

/// The tab's policy, replaced for every page.
pub(crate) type SharedPolicy = Arc<Mutex<Arc<dyn RequestPolicy>>>;

type Answer = Result<Value, String>;
type Waiting = Arc<Mutex<HashMap<u64, mpsc::Sender<Answer>>>>;

/// What the reading thread needs.
struct Reader {
    ws: WebSocket<TcpStream>,
    session: String,
    writer: Arc<Writer>,
    waiting: Waiting,
    state: Arc<Mutex<PageState>>,
    policy: SharedPolicy,
}

/// The writing half, shared by callers and the reading thread.
struct Writer {
    ws: Mutex<WebSocket<TcpStream>>,
    next_id: AtomicU64,
    session: String,
}

/// A connection to one tab; dropping it closes the connection and ends its thread.
pub(crate) struct Link {
    socket: TcpStream,
    writer: Arc<Writer>,
    waiting: Waiting,
    thread: Option<JoinHandle<()>>,
}

impl Link {
    /// Connects to the browser's DevTools endpoint `ws_url`, attaches to `target_id` and
    /// starts pausing its requests. Returns once interception is on.
    pub fn start(
        ws_url: &str,
        target_id: &str,
        state: Arc<Mutex<PageState>>,
        policy: SharedPolicy,
    ) -> Result<Link, String> {
        let url = url::Url::parse(ws_url).map_err(|e| format!("DevTools URL: {e}"))?;
        let addr = url
            .socket_addrs(|| None)
            .map_err(|e| format!("DevTools address: {e}"))?;
        let first = addr.first().ok_or("DevTools address: none")?;
        let socket = TcpStream::connect_timeout(first, SETUP_LIMIT)
            .map_err(|e| format!("DevTools connection: {e}"))?;
        socket.set_nodelay(true).map_err(|e| e.to_string())?;
        socket
            .set_read_timeout(Some(SETUP_LIMIT))
            .map_err(|e| e.to_string())?;
        let read_half = socket.try_clone().map_err(|e| e.to_string())?;
        let write_half = socket.try_clone().map_err(|e| e.to_string())?;
        // No size limits: a full-page screenshot arrives as one message of many megabytes.
        let unlimited = WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let (mut ws, _) =
            tungstenite::client::client_with_config(ws_url, read_half, Some(unlimited))
                .map_err(|e| format!("DevTools handshake: {e}"))?;

        let attach = json!({"targetId": target_id, "flatten": true});
        let attached = setup(&mut ws, 1, None, "Target.attachToTarget", attach)?;
        let session = attached["sessionId"]
            .as_str()
            .ok_or("Target.attachToTarget: no session")?
            .to_owned();
        let every_request = json!({"patterns": [{"urlPattern": "*", "requestStage": "Request"}]});
        setup(&mut ws, 2, Some(&session), "Fetch.enable", every_request)?;
        socket.set_read_timeout(None).map_err(|e| e.to_string())?;

        let writer = Arc::new(Writer {
            ws: Mutex::new(WebSocket::from_raw_socket(write_half, Role::Client, None)),
            next_id: AtomicU64::new(10),
            session: session.clone(),
        });
        let waiting: Waiting = Arc::default();
        let reader = Reader {
            ws,
            session,
            writer: writer.clone(),
            waiting: waiting.clone(),
            state,
            policy,
        };
        let thread = std::thread::Builder::new()
            .name("devtools-link".to_owned())
            .spawn(move || reader.run())
            .map_err(|e| format!("no link thread: {e}"))?;
        Ok(Link {
            socket,
            writer,
            waiting,
            thread: Some(thread),
        })
    }

    /// Sends `method` without waiting; the answer is read from the returned [`Pending`].
    pub fn start_call<C: Method + serde::Serialize>(&self, method: C) -> Pending<C::ReturnObject> {
        let name = C::NAME;
        let (tx, rx) = mpsc::channel();
        let id = self.writer.next_id.fetch_add(1, Ordering::SeqCst);
        let params = match serde_json::to_value(&method) {
            Ok(Value::Object(params)) => Value::Object(params),
            _ => json!({}),
        };
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.insert(id, tx.clone());
        }
        if let Err(e) = self.writer.send(id, name, params) {
            let _ = tx.send(Err(format!("connection: {e}")));
        }
        Pending {
            method: name,
            id,
            waiting: self.waiting.clone(),
            answer: rx,
            _returns: std::marker::PhantomData,
        }
    }

    /// Calls `method`, giving up after `limit`.
    pub fn call<C: Method + serde::Serialize>(
        &self,
        limit: Duration,
        method: C,
    ) -> Result<C::ReturnObject, CallError> {
        self.start_call(method).wait(limit)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(Shutdown::Both);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A call sent on a [`Link`] and not yet answered.
pub(crate) struct Pending<T> {
    method: &'static str,
    id: u64,
    waiting: Waiting,
    answer: mpsc::Receiver<Answer>,
    _returns: std::marker::PhantomData<fn() -> T>,
}

impl<T: serde::de::DeserializeOwned> Pending<T> {
    /// The answer, waiting at most `limit` for it.
    pub fn wait(self, limit: Duration) -> Result<T, CallError> {
        match self.answer.recv_timeout(limit) {
            Ok(answer) => self.decode(answer),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(CallError::Timeout {
                method: self.method,
                limit,
            }),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.closed()),
        }
    }

    fn decode(&self, answer: Answer) -> Result<T, CallError> {
        let protocol = |message: String| CallError::Protocol {
            method: self.method,
            message,
        };
        let value = answer.map_err(protocol)?;
        serde_json::from_value(value).map_err(|e| protocol(e.to_string()))
    }

    fn closed(&self) -> CallError {
        CallError::Protocol {
            method: self.method,
            message: "connection closed".to_owned(),
        }
    }
}

impl<T> Drop for Pending<T> {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.remove(&self.id);
        }
    }
}

impl Writer {
    fn send(&self, id: u64, method: &str, params: Value) -> tungstenite::Result<()> {
        let message =
            json!({"id": id, "method": method, "params": params, "sessionId": self.session});
        let mut ws = self
            .ws
            .lock()
            .map_err(|_| tungstenite::Error::AlreadyClosed)?;
        ws.send(Message::text(message.to_string()))
    }

    /// Sends a command whose answer nobody waits for.
    fn tell(&self, method: &str, params: Value) -> tungstenite::Result<()> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        self.send(id, method, params)
    }
}

/// Sends one command and reads until its answer (only while setting up: nothing else
/// arrives before Fetch is on).
fn setup(
    ws: &mut WebSocket<TcpStream>,
    id: u64,
    session: Option<&str>,
    method: &'static str,
    params: Value,
) -> Result<Value, String> {
    let mut message = json!({"id": id, "method": method, "params": params});
    if let Some(session) = session {
        message["sessionId"] = json!(session);
    }
    ws.send(Message::text(message.to_string()))
        .map_err(|e| format!("{method}: {e}"))?;
    loop {
        let message = ws.read().map_err(|e| format!("{method}: {e}"))?;
        let Message::Text(text) = message else {
            continue;
        };
        let answer: Value = serde_json::from_str(&text).map_err(|e| format!("{method}: {e}"))?;
        if answer["id"].as_u64() != Some(id) {
            continue;
        }
        if let Some(error) = answer.get("error") {
            return Err(format!("{method}: {error}"));
        }
        return Ok(answer["result"].clone());
    }
}

impl Reader {
    /// Reads until the connection closes: answers go to their callers, paused requests are
    /// decided at once.
    fn run(mut self) {
        loop {
            let message = match self.ws.read() {
                Ok(message) => message,
                Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            let Message::Text(text) = message else {
                continue;
            };
            let Ok(message) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if let Some(id) = message["id"].as_u64() {
                let answer = match message.get("error") {
                    Some(error) => Err(error["message"].as_str().unwrap_or("error").to_owned()),
                    None => Ok(message["result"].clone()),
                };
                let waiter = self.waiting.lock().ok().and_then(|mut w| w.remove(&id));
                if let Some(waiter) = waiter {
                    let _ = waiter.send(answer);
                }
                continue;
            }
            let paused = message["method"].as_str() == Some("Fetch.requestPaused")
                && message["sessionId"].as_str() == Some(self.session.as_str());
            if paused && self.decide(&message["params"]).is_err() {
                break;
            }
        }
        // Callers waiting now get "connection closed".
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.clear();
        }
    }

    /// Lets a paused request through or fails it, as the policy says.
    fn decide(&self, params: &Value) -> tungstenite::Result<()> {
        let (Some(request_id), Some(url)) = (
            params["requestId"].as_str(),
            params["request"]["url"].as_str(),
        ) else {
            return Ok(());
        };
        let verdict = match self.policy.lock().map(|p| p.clone()) {
            Ok(policy) => policy.check(url),
            Err(_) => Err("blocked: the capture's policy is unavailable".to_owned()),
        };
        match verdict {
            Ok(()) => {
                let params = json!({"requestId": request_id});
                self.writer.tell("Fetch.continueRequest", params)
            }
            Err(reason) => {
                if let Ok(mut s) = self.state.lock()
                    && s.active
                {
                    s.blocked.push((url.to_owned(), reason));
                }
                let params = json!({"requestId": request_id, "errorReason": "BlockedByClient"});
                self.writer.tell("Fetch.failRequest", params)
            }
        }
    }
}
