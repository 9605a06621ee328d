//! JSON-RPC 2.0: requests (single or batched) dispatched to a [`Handler`], answers
//! and error objects with the codes geth uses.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{json, Value as Json};

/// A JSON-RPC error: what a handler returns when a call fails.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct RpcError {
    /// The error code (-32700 parse error, -32600 invalid request, -32601 no such
    /// method, -32602 invalid params, -32603 internal, -32000 geth's server errors, 3
    /// an execution revert carrying its data).
    pub code: i64,
    /// The message.
    pub message: String,
    /// Extra data (a revert's return data as 0x-hex).
    pub data: Option<Json>,
}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// -32602: the parameters are not what the method takes.
    pub fn invalid_params(message: impl Into<String>) -> RpcError {
        RpcError::new(-32602, message)
    }

    /// -32601: no such method.
    pub fn method_not_found(method: &str) -> RpcError {
        RpcError::new(
            -32601,
            format!("the method {method} does not exist/is not available"),
        )
    }

    /// -32000: what geth answers for a refused transaction or a failed lookup.
    pub fn server(message: impl Into<String>) -> RpcError {
        RpcError::new(-32000, message)
    }

    /// -32603: something went wrong inside.
    pub fn internal(message: impl Into<String>) -> RpcError {
        RpcError::new(-32603, message)
    }

    /// 3: an execution revert, with its data (as geth reports `eth_call` and
    /// `eth_estimateGas` reverts).
    pub fn reverted(reason: Option<&str>, data: &[u8]) -> RpcError {
        RpcError {
            code: 3,
            message: match reason {
                Some(reason) => format!("execution reverted: {reason}"),
                None => "execution reverted".into(),
            },
            data: Some(json!(format!("0x{}", hex::encode(data)))),
        }
    }

    fn to_json(&self) -> Json {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        error
    }
}

/// What answers the calls: one method at a time, any thread.
pub trait Handler: Send + Sync + 'static {
    /// Answers `method` with `params` (`null` when the request had none).
    fn call(&self, method: &str, params: &Json) -> Result<Json, RpcError>;

    /// Answers `method` at once if that takes neither waiting (on another thread or
    /// a lock held elsewhere) nor more than a small, bounded amount of work; None
    /// otherwise, and [`Handler::call`] answers it on a blocking thread. The server
    /// asks this on its I/O thread, sparing a request answered from memory the trip
    /// to a blocking thread and back (two thread switches for every receipt a wallet
    /// polls). By default nothing is answered at once.
    fn call_now(&self, _method: &str, _params: &Json) -> Option<Result<Json, RpcError>> {
        None
    }

    /// Starts answering `method` without a thread waiting for the answer: the
    /// handler does a small, bounded amount of work here and gives the answer to
    /// `later` when it is ready (from any thread); `Err(later)` if it does not answer
    /// `method` this way, and [`Handler::call`] answers it on a blocking thread. The
    /// server asks this on its I/O thread, sparing a request that waits on other
    /// work (a transaction waiting for its block) a blocking thread held meanwhile
    /// and two thread switches. A `later` dropped unanswered is answered as a failed
    /// handler; one not answered within the request's time limit, as a timeout. By
    /// default nothing is answered later.
    fn call_later(&self, _method: &str, _params: &Json, later: Later) -> Result<(), Later> {
        Err(later)
    }
}

/// Where the answer to a request taken by [`Handler::call_later`] goes.
pub struct Later(Box<dyn FnOnce(Result<Json, RpcError>) + Send>);

impl Later {
    /// A place for an answer that `deliver` hands on.
    pub fn new(deliver: impl FnOnce(Result<Json, RpcError>) + Send + 'static) -> Later {
        Later(Box::new(deliver))
    }

    /// Gives the answer.
    pub fn answer(self, result: Result<Json, RpcError>) {
        (self.0)(result);
    }
}

impl std::fmt::Debug for Later {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Later")
    }
}

/// Most requests one batch may hold.
pub(crate) const MAX_BATCH: usize = 1_000;

/// Most bytes (about) of a batch's answers; the calls after are refused with geth's
/// "response too large" (geth's own limit is 25 MB).
pub(crate) const MAX_BATCH_ANSWER: usize = 32 << 20;

fn too_large() -> RpcError {
    RpcError::new(-32003, "response too large")
}

/// About how many bytes `value` takes as JSON text (strings counted without escapes),
/// without writing it.
fn json_size(value: &Json) -> usize {
    match value {
        Json::Null | Json::Bool(_) => 5,
        Json::Number(_) => 20,
        Json::String(s) => s.len() + 2,
        Json::Array(items) => items
            .iter()
            .map(json_size)
            .fold(2, |a, b| a.saturating_add(b + 1)),
        Json::Object(fields) => fields
            .iter()
            .map(|(k, v)| k.len() + 4 + json_size(v))
            .fold(2, |a, b| a.saturating_add(b)),
    }
}

fn answer(id: Json, result: Result<Json, RpcError>) -> Json {
    match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error.to_json()}),
    }
}

/// A request object's id, method and params, or the answer to give if it is not a
/// request.
fn checked(request: &Json) -> Result<(Option<Json>, &str, Json), Json> {
    let Some(object) = request.as_object() else {
        return Err(answer(
            Json::Null,
            Err(RpcError::new(-32600, "invalid request: not an object")),
        ));
    };
    let id = object.get("id").cloned();
    let Some(method) = object.get("method").and_then(Json::as_str) else {
        return Err(answer(
            id.unwrap_or(Json::Null),
            Err(RpcError::new(-32600, "invalid request: no method")),
        ));
    };
    let params = object.get("params").cloned().unwrap_or(Json::Null);
    if !(params.is_array() || params.is_object() || params.is_null()) {
        return Err(answer(
            id.unwrap_or(Json::Null),
            Err(RpcError::new(
                -32600,
                "invalid request: params is not a list",
            )),
        ));
    }
    Ok((id, method, params))
}

/// One request object: its answer (None for a notification, which has no `id`).
fn dispatch_one(handler: &dyn Handler, request: &Json) -> Option<Json> {
    match checked(request) {
        Ok((id, method, params)) => {
            let result = handler.call(method, &params);
            id.map(|id| answer(id, result))
        }
        Err(error) => Some(error),
    }
}

/// What the I/O thread made of a request ([`offer`]).
#[derive(Debug, PartialEq)]
pub(crate) enum Offer {
    /// Answered at once ([`Handler::call_now`], or not a well-formed request): its
    /// answer body as [`dispatch_parsed`] gives it.
    Answered(Option<Json>),
    /// Taken to answer later ([`Handler::call_later`]): the answer body goes to the
    /// `deliver` given to [`offer`].
    Taken,
    /// A batch, or a call the handler does neither way: for a blocking thread.
    Declined,
}

/// Offers a request to the handler to answer at once, else to answer later, reading
/// the request once. `deliver` gets the answer body of a request [`Offer::Taken`] as
/// [`dispatch_parsed`] would give it; otherwise it is dropped.
pub(crate) fn offer(
    handler: &dyn Handler,
    request: &Json,
    deliver: impl FnOnce(Option<Json>) + Send + 'static,
) -> Offer {
    if request.is_array() {
        return Offer::Declined;
    }
    let (id, method, params) = match checked(request) {
        Ok(parts) => parts,
        Err(error) => return Offer::Answered(Some(error)),
    };
    if let Some(result) = handler.call_now(method, &params) {
        return Offer::Answered(id.map(|id| answer(id, result)));
    }
    let later = Later::new(move |result| deliver(id.map(|id| answer(id, result))));
    match handler.call_later(method, &params, later) {
        Ok(()) => Offer::Taken,
        Err(_) => Offer::Declined,
    }
}

/// A request body: its answer body (None when nothing is to be sent back: a lone
/// notification, or a batch of them).
#[cfg(test)]
pub(crate) fn dispatch(handler: &dyn Handler, body: &[u8]) -> Option<Json> {
    match parse(body) {
        Ok(request) => dispatch_parsed(handler, request, &AtomicBool::new(false)),
        Err(error) => Some(error),
    }
}

/// A request body as JSON, or the parse error to answer.
pub(crate) fn parse(body: &[u8]) -> Result<Json, Json> {
    serde_json::from_slice(body).map_err(|e| {
        answer(
            Json::Null,
            Err(RpcError::new(-32700, format!("parse error: {e}"))),
        )
    })
}

/// A parsed request body: its answer body, as [`dispatch`]. Once `cancelled` is set
/// (its answer is no longer awaited) no further call of a batch is started.
pub(crate) fn dispatch_parsed(
    handler: &dyn Handler,
    request: Json,
    cancelled: &AtomicBool,
) -> Option<Json> {
    match request {
        Json::Array(batch) => {
            if batch.is_empty() {
                return Some(answer(
                    Json::Null,
                    Err(RpcError::new(-32600, "invalid request: an empty batch")),
                ));
            }
            if batch.len() > MAX_BATCH {
                return Some(answer(
                    Json::Null,
                    Err(RpcError::new(
                        -32600,
                        format!("a batch of {} requests; at most {MAX_BATCH}", batch.len()),
                    )),
                ));
            }
            let mut answers: Vec<Json> = Vec::new();
            let mut size = 0usize;
            for request in batch.iter() {
                if cancelled.load(Ordering::Relaxed) {
                    break;
                }
                // Past the limit, the rest is refused unanswered (as geth does), so
                // that a small batch cannot make a huge answer.
                let answer = match size > MAX_BATCH_ANSWER {
                    false => dispatch_one(handler, request),
                    true => match checked(request) {
                        Ok((id, _, _)) => id.map(|id| answer(id, Err(too_large()))),
                        Err(error) => Some(error),
                    },
                };
                if let Some(answer) = answer {
                    size = size.saturating_add(json_size(&answer));
                    answers.push(answer);
                }
            }
            (!answers.is_empty()).then_some(Json::Array(answers))
        }
        _ if cancelled.load(Ordering::Relaxed) => None,
        single => dispatch_one(handler, &single),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl Handler for Echo {
        fn call(&self, method: &str, params: &Json) -> Result<Json, RpcError> {
            match method {
                "echo" => Ok(params.clone()),
                "big" => Ok(Json::String("x".repeat(1 << 20))),
                "fail" => Err(RpcError::reverted(Some("no"), &[1, 2])),
                other => Err(RpcError::method_not_found(other)),
            }
        }
    }

    #[test]
    fn requests_batches_and_errors_follow_json_rpc_2() {
        let one = dispatch(
            &Echo,
            br#"{"jsonrpc":"2.0","id":7,"method":"echo","params":[1]}"#,
        );
        assert_eq!(one, Some(json!({"jsonrpc":"2.0","id":7,"result":[1]})));
        let batch = dispatch(
            &Echo,
            br#"[{"jsonrpc":"2.0","id":1,"method":"fail"},{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","id":"x","method":"nope"}]"#,
        );
        assert_eq!(
            batch,
            Some(json!([
                {"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted: no","data":"0x0102"}},
                {"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"the method nope does not exist/is not available"}}
            ]))
        );
        let parse = dispatch(&Echo, b"{nope").unwrap_or_default();
        assert_eq!(parse["error"]["code"], -32700);
        let empty = dispatch(&Echo, b"[]").unwrap_or_default();
        assert_eq!(empty["error"]["code"], -32600);
        let notification = dispatch(&Echo, br#"{"jsonrpc":"2.0","method":"echo"}"#);
        assert_eq!(notification, None);
        let bad_params = dispatch(
            &Echo,
            br#"{"jsonrpc":"2.0","id":1,"method":"echo","params":5}"#,
        )
        .unwrap_or_default();
        assert_eq!(bad_params["error"]["code"], -32600);
    }

    struct QuickEcho;
    impl Handler for QuickEcho {
        fn call(&self, method: &str, params: &Json) -> Result<Json, RpcError> {
            Echo.call(method, params)
        }
        fn call_now(&self, method: &str, params: &Json) -> Option<Result<Json, RpcError>> {
            (method == "echo").then(|| Echo.call(method, params))
        }
        fn call_later(&self, method: &str, params: &Json, later: Later) -> Result<(), Later> {
            if method != "fail" {
                return Err(later);
            }
            later.answer(Echo.call(method, params));
            Ok(())
        }
    }

    #[test]
    fn single_requests_are_answered_at_once_or_later_as_dispatching_them_would() {
        let offered = |handler: &dyn Handler, body: &str| {
            let (tx, rx) = std::sync::mpsc::channel();
            let request = parse(body.as_bytes()).unwrap_or_default();
            let offer = offer(handler, &request, move |answer| {
                let _ = tx.send(answer);
            });
            (offer, rx.try_recv().ok())
        };
        // Answered at once, exactly as dispatching it would be: what the handler
        // answers at once, and requests that are not well formed.
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"echo","params":[2]}"#,
            r#"{"jsonrpc":"2.0","method":"echo"}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"echo","params":5}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"fail","params":5}"#,
            r#"7"#,
        ] {
            assert_eq!(
                offered(&QuickEcho, body),
                (Offer::Answered(dispatch(&QuickEcho, body.as_bytes())), None),
                "{body}"
            );
        }
        // Taken to answer later, and answered exactly as dispatching it would be.
        for body in [
            r#"{"jsonrpc":"2.0","id":3,"method":"fail"}"#,
            r#"{"jsonrpc":"2.0","method":"fail"}"#,
        ] {
            assert_eq!(
                offered(&QuickEcho, body),
                (Offer::Taken, Some(dispatch(&QuickEcho, body.as_bytes()))),
                "{body}"
            );
        }
        // Left to a blocking thread: what the handler does neither way, and any
        // batch (a batch may hold up to MAX_BATCH calls).
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"nope"}"#,
            r#"[{"jsonrpc":"2.0","id":1,"method":"echo"}]"#,
            r#"[{"jsonrpc":"2.0","id":1,"method":"fail"}]"#,
        ] {
            assert_eq!(offered(&QuickEcho, body), (Offer::Declined, None), "{body}");
        }
        // The default: nothing is answered at once or later.
        assert_eq!(
            offered(&Echo, r#"{"jsonrpc":"2.0","id":1,"method":"echo"}"#),
            (Offer::Declined, None)
        );
    }

    /// A batch's answers stop growing past [`MAX_BATCH_ANSWER`]: the calls after the
    /// limit are refused with geth's "response too large", each under its own id.
    #[test]
    fn a_batch_answer_is_bounded_in_size() {
        let batch: Vec<Json> = (0..40)
            .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "big"}))
            .collect();
        let answers = dispatch(&Echo, Json::Array(batch).to_string().as_bytes());
        let answers = answers
            .as_ref()
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        assert_eq!(answers.len(), 40);
        let answered = answers
            .iter()
            .take_while(|a| a.get("result").is_some())
            .count();
        // Each answer is a little over 1 MiB: the one that passes 32 MiB is the last.
        assert_eq!(answered, 32);
        for (i, refused) in answers.iter().enumerate().skip(answered) {
            assert_eq!(refused["id"], json!(i));
            assert_eq!(refused["error"]["code"], json!(-32003));
        }
    }

    /// A request whose answer is no longer awaited when its thread comes to it is not
    /// run; one still awaited is.
    #[test]
    fn a_cancelled_request_is_not_run() {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": "echo", "params": [1]});
        assert_eq!(
            dispatch_parsed(&Echo, request.clone(), &AtomicBool::new(true)),
            None
        );
        assert_eq!(
            dispatch_parsed(&Echo, request, &AtomicBool::new(false)),
            Some(json!({"jsonrpc": "2.0", "id": 1, "result": [1]}))
        );
    }
}
