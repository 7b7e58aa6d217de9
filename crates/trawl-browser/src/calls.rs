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
    let name = C::NAME;
    let (tx, rx) = mpsc::channel();
    let tab = Arc::clone(tab);
    let spawned = std::thread::Builder::new()
        .name("cdp-call".to_owned())
        .spawn(move || {
            let _ = tx.send(tab.call_method(method));
        });
    if let Err(e) = spawned {
        return Err(CallError::Protocol {
            method: name,
            message: format!("no thread: {e}"),
        });
    }
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(CallError::Protocol {
            method: name,
            message: e.to_string(),
        }),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(CallError::Timeout {
            method: name,
            limit,
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(CallError::Protocol {
            method: name,
            message: "call thread died".to_owned(),
        }),
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
