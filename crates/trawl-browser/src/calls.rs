//! Bounded CDP calls: every call the capture makes runs against a deadline.
//!
//! headless_chrome's own call timeout is its idle timeout (long, on purpose: a short one kills
//! idle connections). A call that may hang — the renderer stuck in a script loop, a dialog the
//! page reopens — runs on a helper thread and is abandoned when its limit passes; the helper
//! ends when the browser answers or is killed (the pool recycles a browser after a hung call,
//! which ends every abandoned call with "connection closed").

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::types::Method;
use serde::de::DeserializeOwned;

/// Why a bounded call gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No answer within the limit.
    #[error("{method}: no answer within {limit:?}")]
    Timeout {
        /// The CDP method.
        method: &'static str,
        /// The limit.
        limit: Duration,
    },
    /// The browser answered with an error, or the connection broke.
    #[error("{method}: {message}")]
    Protocol {
        /// The CDP method.
        method: &'static str,
        /// The error.
        message: String,
    },
}

impl CallError {
    /// The call was abandoned rather than answered.
    pub fn is_timeout(&self) -> bool {
        matches!(self, CallError::Timeout { .. })
    }
}

/// Calls `method` on `tab`, giving up after `limit`.
pub(crate) fn call<C>(
    tab: &Arc<Tab>,
    limit: Duration,
    method: C,
) -> Result<C::ReturnObject, CallError>
where
    C: Method + serde::Serialize + std::fmt::Debug + Send + 'static,
    C::ReturnObject: Send + 'static,
{
    start(tab, method).wait(limit)
}

/// A call sent and not yet answered; see [`start`].
pub(crate) struct Pending<T> {
    method: &'static str,
    answer: mpsc::Receiver<Result<T, CallError>>,
}

/// Sends `method` on `tab` without waiting, so that several calls can be in progress at
/// once; the answer is read with [`Pending::wait`] or [`Pending::poll`].
pub(crate) fn start<C>(tab: &Arc<Tab>, method: C) -> Pending<C::ReturnObject>
where
    C: Method + serde::Serialize + std::fmt::Debug + Send + 'static,
    C::ReturnObject: Send + 'static,
{
    let name = C::NAME;
    let (tx, rx) = mpsc::channel();
    let tab = Arc::clone(tab);
    let sender = tx.clone();
    let spawned = std::thread::Builder::new()
        .name("cdp-call".to_owned())
        .spawn(move || {
            let answer = tab.call_method(method).map_err(|e| CallError::Protocol {
                method: name,
                message: e.to_string(),
            });
            let _ = sender.send(answer);
        });
    if let Err(e) = spawned {
        let _ = tx.send(Err(CallError::Protocol {
            method: name,
            message: format!("no thread: {e}"),
        }));
    }
    Pending {
        method: name,
        answer: rx,
    }
}

impl<T> Pending<T> {
    /// The answer, waiting at most `limit` for it.
    pub fn wait(self, limit: Duration) -> Result<T, CallError> {
        match self.answer.recv_timeout(limit) {
            Ok(answer) => answer,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(CallError::Timeout {
                method: self.method,
                limit,
            }),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.died()),
        }
    }

    /// The answer if it has arrived.
    pub fn poll(&self) -> Option<Result<T, CallError>> {
        match self.answer.try_recv() {
            Ok(answer) => Some(answer),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(self.died())),
        }
    }

    fn died(&self) -> CallError {
        CallError::Protocol {
            method: self.method,
            message: "call thread died".to_owned(),
        }
    }
}

/// Builds a CDP method from its JSON parameters (absent optional fields are `None`), so
/// calls name only the parameters they set.
pub(crate) fn method<C: DeserializeOwned>(params: serde_json::Value) -> C {
    serde_json::from_value(params).expect("static CDP parameters match the protocol")
}

#[cfg(test)]
mod tests {
    use super::*;
    use headless_chrome::protocol::cdp::Runtime::Evaluate;

    #[test]
    fn methods_are_built_from_their_parameters_only() {
        let eval: Evaluate = method(serde_json::json!({"expression": "1", "returnByValue": true}));
        assert_eq!(eval.expression, "1");
        assert_eq!(eval.return_by_value, Some(true));
        assert_eq!(eval.await_promise, None);
    }
}
