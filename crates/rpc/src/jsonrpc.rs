//! JSON-RPC 2.0: requests (single or batched) dispatched to a [`Handler`], answers
//! and error objects with the codes geth uses.

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

    /// Whether `method` is answered at once from memory, never waiting on another
    /// thread or a long computation. The server answers such requests on its I/O
    /// thread instead of handing them to a blocking thread and back, two thread
    /// switches saved on every receipt a wallet polls. None is, unless said.
    fn quick(&self, _method: &str) -> bool {
        false
    }
}

/// Most requests one batch may hold.
pub(crate) const MAX_BATCH: usize = 1_000;

fn answer(id: Json, result: Result<Json, RpcError>) -> Json {
    match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error.to_json()}),
    }
}

/// One request object: its answer (None for a notification, which has no `id`).
fn dispatch_one(handler: &dyn Handler, request: &Json) -> Option<Json> {
    let Some(object) = request.as_object() else {
        return Some(answer(
            Json::Null,
            Err(RpcError::new(-32600, "invalid request: not an object")),
        ));
    };
    let id = object.get("id").cloned();
    let method = match object.get("method").and_then(Json::as_str) {
        Some(method) => method,
        None => {
            return Some(answer(
                id.unwrap_or(Json::Null),
                Err(RpcError::new(-32600, "invalid request: no method")),
            ))
        }
    };
    let params = object.get("params").cloned().unwrap_or(Json::Null);
    if !(params.is_array() || params.is_object() || params.is_null()) {
        return Some(answer(
            id.unwrap_or(Json::Null),
            Err(RpcError::new(
                -32600,
                "invalid request: params is not a list",
            )),
        ));
    }
    let result = handler.call(method, &params);
    id.map(|id| answer(id, result))
}

/// A request body: its answer body (None when nothing is to be sent back: a lone
/// notification, or a batch of them).
#[cfg(test)]
pub(crate) fn dispatch(handler: &dyn Handler, body: &[u8]) -> Option<Json> {
    match parse(body) {
        Ok(request) => dispatch_parsed(handler, request),
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

/// Whether every method `request` (one request or a batch) calls is
/// [`Handler::quick`].
pub(crate) fn is_quick(handler: &dyn Handler, request: &Json) -> bool {
    let quick = |one: &Json| {
        one.get("method")
            .and_then(Json::as_str)
            .is_some_and(|method| handler.quick(method))
    };
    match request {
        Json::Array(batch) => batch.len() <= MAX_BATCH && batch.iter().all(quick),
        one => quick(one),
    }
}

/// A parsed request body: its answer body, as [`dispatch`].
pub(crate) fn dispatch_parsed(handler: &dyn Handler, request: Json) -> Option<Json> {
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
            let answers: Vec<Json> = batch
                .iter()
                .filter_map(|request| dispatch_one(handler, request))
                .collect();
            (!answers.is_empty()).then_some(Json::Array(answers))
        }
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
        fn quick(&self, method: &str) -> bool {
            method == "echo"
        }
    }

    #[test]
    fn a_request_is_quick_only_if_every_call_in_it_is() {
        let quick = |body: &str| is_quick(&QuickEcho, &parse(body.as_bytes()).unwrap_or_default());
        assert!(quick(r#"{"jsonrpc":"2.0","id":1,"method":"echo"}"#));
        assert!(quick(
            r#"[{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","method":"echo"}]"#
        ));
        assert!(!quick(
            r#"[{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","id":2,"method":"fail"}]"#
        ));
        assert!(!quick(r#"{"jsonrpc":"2.0","id":1,"method":"fail"}"#));
        assert!(!quick(r#"{"jsonrpc":"2.0","id":1}"#));
        assert!(!quick(r#"{"jsonrpc":"2.0","id":1,"method":7}"#));
        // The default: nothing is quick.
        assert!(!is_quick(
            &Echo,
            &json!({"jsonrpc":"2.0","id":1,"method":"echo"})
        ));
    }
}
