//! The HTTP side: a hyper server on its own thread and runtime, bounded in body
//! size, header time, handler time and open connections, with CORS for browsers.
//! Bodies are parsed on the I/O threads (at most `max_body` bytes); single requests
//! the handler answers at once (reads of memory, with no lock to wait for) are
//! answered there too, and those it answers later (a transaction, once its block is
//! written) wait there without holding a thread; the others go to blocking threads,
//! as many as connections may be open, so that every client may wait on the node at
//! once. All of the server's threads run at a lower priority than the thread that
//! started it: they yield the vCPU to the work that does not pause (the node's
//! machine).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ALLOW, CONNECTION, CONTENT_TYPE,
};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::sync::{oneshot, Semaphore};

use crate::jsonrpc::{dispatch_parsed, offer, parse, Handler, Offer};

/// What one request and the server as a whole may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Longest a handler may work on one request (a batch counts as one), or an
    /// answer given later ([`Handler::call_later`]) be waited for; what a handler
    /// does at once on the I/O thread ([`Handler::call_now`], and the start of
    /// `call_later`) is a small, bounded amount of work and is not timed.
    pub request_timeout: Duration,
    /// Longest a client may take to send its headers.
    pub header_timeout: Duration,
    /// Longest a client may pause while sending its body (and the whole body must
    /// arrive within `request_timeout`): a client that stops sending half-way would
    /// otherwise hold one of the connection places for good.
    pub body_timeout: Duration,
    /// Connections served at once (more wait for a free place).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 5 << 20,
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 256,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address is not `HOST:PORT`.
    #[error("{0} is not an address to listen on (HOST:PORT, e.g. 127.0.0.1:8545)")]
    Address(String),
    /// Binding failed (the port is taken, or not ours to take).
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The I/O runtime could not start.
    #[error("starting the server's runtime: {0}")]
    Runtime(std::io::Error),
}

/// A running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Server {
    /// Listens on `address` (`HOST:PORT`; port 0 takes a free one) and serves
    /// `handler` on a thread of its own until stopped.
    pub fn start(
        address: &str,
        handler: Arc<dyn Handler>,
        limits: Limits,
    ) -> Result<Server, ServerError> {
        let addr: SocketAddr = address
            .parse()
            .map_err(|_| ServerError::Address(address.to_owned()))?;
        let listener = std::net::TcpListener::bind(addr).map_err(|source| ServerError::Bind {
            address: address.to_owned(),
            source,
        })?;
        listener
            .set_nonblocking(true)
            .map_err(ServerError::Runtime)?;
        let local = listener.local_addr().map_err(ServerError::Runtime)?;
        let nice = server_nice();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(io_threads())
            .max_blocking_threads(limits.max_connections.max(1))
            .enable_all()
            .thread_name("avm-rpc")
            .on_thread_start(move || run_at(nice))
            .build()
            .map_err(ServerError::Runtime)?;
        let (tx, rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("avm-rpc-accept".into())
            .spawn(move || {
                run_at(nice);
                runtime.block_on(serve(listener, handler, limits, rx))
            })
            .map_err(ServerError::Runtime)?;
        Ok(Server {
            addr: local,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and waits for the server's thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The I/O threads: one vCPU fewer than the machine has (at least one), leaving one
/// to the node's machine. With two I/O threads on two vCPUs, one of them woke on the
/// machine's vCPU often enough to keep it waiting 0.08-0.11 s a round of 2,000
/// transfers; with one, 0.01-0.05 s (docs/performance.md, avm node).
fn io_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

/// How much lower than the thread that starts it the server's threads run (in nice
/// steps; nice values stop at 19).
const SERVER_NICENESS: i32 = 10;

/// The nice value of the server's threads: [`SERVER_NICENESS`] steps below the
/// calling thread's (on Linux nice is per thread; elsewhere it is per process, and
/// the threads are left as they are).
///
/// The server's threads wake for every request; at the process's priority each
/// wake-up may take the vCPU from a thread that works without pause (the node's
/// machine), which then waits to run and comes back to cold caches. Lower, they run
/// on the other vCPU or while it waits.
#[cfg(target_os = "linux")]
fn server_nice() -> Option<i32> {
    let nice = rustix::process::getpriority_process(None).ok()?;
    Some((nice + SERVER_NICENESS).min(19))
}

#[cfg(not(target_os = "linux"))]
fn server_nice() -> Option<i32> {
    None
}

/// Sets the calling thread's nice value to `nice`. Lowering one's own priority needs
/// no privilege; if it fails anyway, the thread runs as it was.
fn run_at(nice: Option<i32>) {
    #[cfg(target_os = "linux")]
    if let Some(nice) = nice {
        let _ = rustix::process::setpriority_process(None, nice);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

async fn serve(
    listener: std::net::TcpListener,
    handler: Arc<dyn Handler>,
    limits: Limits,
    mut shutdown: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let places = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let place = tokio::select! {
            _ = &mut shutdown => return,
            place = places.clone().acquire_owned() => place,
        };
        let Ok(place) = place else { return };
        let accepted = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| respond(request, handler.clone(), limits));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(place);
        });
    }
}

type Answer = Response<Full<Bytes>>;

fn with_cors(mut response: Answer) -> Answer {
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET, OPTIONS"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

fn status(code: StatusCode, body: serde_json::Value) -> Answer {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = code;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    with_cors(response)
}

fn error_body(code: i64, message: &str) -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}})
}

async fn respond(
    request: Request<Incoming>,
    handler: Arc<dyn Handler>,
    limits: Limits,
) -> Result<Answer, std::convert::Infallible> {
    match *request.method() {
        Method::OPTIONS => {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::NO_CONTENT;
            return Ok(with_cors(response));
        }
        Method::POST => {}
        _ => {
            let mut response = status(
                StatusCode::METHOD_NOT_ALLOWED,
                error_body(-32600, "JSON-RPC requests are POSTed"),
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST, OPTIONS"));
            return Ok(response);
        }
    }
    let body = match read_body(request.into_body(), limits).await {
        Ok(body) => body,
        Err(BodyError::Stalled) => {
            let mut response = status(
                StatusCode::REQUEST_TIMEOUT,
                error_body(
                    -32600,
                    &format!(
                        "the request's body stopped arriving (nothing for {} seconds, or not \
                         all of it within {} seconds)",
                        limits.body_timeout.as_secs_f64(),
                        limits.request_timeout.as_secs_f64()
                    ),
                ),
            );
            // The rest of the body may never come: the connection is not reused.
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            return Ok(response);
        }
        Err(BodyError::TooLarge) => {
            return Ok(status(
                StatusCode::PAYLOAD_TOO_LARGE,
                error_body(
                    -32600,
                    &format!("the request is larger than {} bytes", limits.max_body),
                ),
            ))
        }
    };
    let request = match parse(&body) {
        Ok(request) => request,
        Err(error) => return Ok(status(StatusCode::OK, error)),
    };
    let answer = match answer_here(handler.as_ref(), &request) {
        Here::Now(answer) => answer,
        Here::Later(answer) => within(limits, answer).await,
        Here::Blocking => {
            let cancelled = Arc::new(AtomicBool::new(false));
            let flag = cancelled.clone();
            let work = tokio::task::spawn_blocking(move || {
                dispatch_parsed(handler.as_ref(), request, &flag)
            });
            // Once the answer is no longer awaited (timed out, or the client went away
            // and this future is dropped), the rest of a batch is not started: a batch
            // of a thousand heavy calls must not go on taking a thread for minutes.
            let _cancel = CancelOnDrop(cancelled);
            within(limits, work).await
        }
    };
    Ok(match answer {
        Some(body) => status(StatusCode::OK, body),
        None => with_cors(Response::new(Full::new(Bytes::new()))),
    })
}

/// Sets its flag when dropped.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Why a request's body was not read.
enum BodyError {
    /// Nothing came for [`Limits::body_timeout`], or not all of it within
    /// [`Limits::request_timeout`].
    Stalled,
    /// It is larger than [`Limits::max_body`] (or broke off).
    TooLarge,
}

/// Reads a request's body while it keeps arriving: a client may pause at most
/// `body_timeout` between parts, and must send it all within `request_timeout`, so a
/// slow but steady upload is read and a stalled one does not hold its place.
async fn read_body(body: Incoming, limits: Limits) -> Result<Bytes, BodyError> {
    let mut body = Limited::new(body, limits.max_body);
    let deadline = tokio::time::Instant::now() + limits.request_timeout;
    let mut bytes = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = tokio::time::timeout(limits.body_timeout.min(left), body.frame())
            .await
            .map_err(|_| BodyError::Stalled)?;
        match frame {
            None => return Ok(Bytes::from(bytes)),
            Some(Err(_)) => return Err(BodyError::TooLarge),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    bytes.extend_from_slice(data);
                }
            }
        }
    }
}

/// Where a request is answered.
enum Here {
    /// On the I/O thread, at once: its answer body.
    Now(Option<serde_json::Value>),
    /// By the handler later, without a thread waiting: where its answer body comes.
    Later(oneshot::Receiver<Option<serde_json::Value>>),
    /// On a blocking thread (it may wait on the node or compute for long).
    Blocking,
}

/// Asks the handler, on the I/O thread, whether it answers `request` at once or
/// later. A handler that fails here is answered as it would be on a blocking thread.
fn answer_here(handler: &dyn Handler, request: &serde_json::Value) -> Here {
    let (tx, rx) = oneshot::channel();
    let asked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        offer(handler, request, move |answer| {
            let _ = tx.send(answer);
        })
    }));
    let Ok(offer) = asked else {
        return Here::Now(Some(handler_failed()));
    };
    match offer {
        Offer::Answered(answer) => Here::Now(answer),
        Offer::Taken => Here::Later(rx),
        Offer::Declined => Here::Blocking,
    }
}

fn handler_failed() -> serde_json::Value {
    error_body(-32603, "the request's handler failed")
}

/// The answer `work` gives within the request's time limit; a timeout's error if it
/// takes longer, a failed handler's if it ends without one (it panicked, or dropped
/// the place for its answer).
async fn within<E>(
    limits: Limits,
    work: impl std::future::Future<Output = Result<Option<serde_json::Value>, E>>,
) -> Option<serde_json::Value> {
    match tokio::time::timeout(limits.request_timeout, work).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(_)) => Some(handler_failed()),
        Err(_) => Some(error_body(
            -32000,
            &format!(
                "the request took longer than {} seconds",
                limits.request_timeout.as_secs()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::{Later, RpcError};
    use std::io::{Read, Write};

    /// Calls of `tick` started.
    static TICKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    struct Slow;
    impl Handler for Slow {
        fn call(
            &self,
            method: &str,
            _params: &serde_json::Value,
        ) -> Result<serde_json::Value, RpcError> {
            match method {
                "sleep" => std::thread::sleep(Duration::from_millis(400)),
                "tick" => {
                    TICKS.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(100));
                }
                "boom" => panic!("a handler that fails"),
                #[cfg(target_os = "linux")]
                "nice" | "nice-blocking" => {
                    return Ok(json!(rustix::process::getpriority_process(None).ok()))
                }
                _ => {}
            }
            Ok(json!(method))
        }
        fn call_now(
            &self,
            method: &str,
            params: &serde_json::Value,
        ) -> Option<Result<serde_json::Value, RpcError>> {
            (!matches!(method, "sleep" | "tick" | "nice-blocking") && !method.starts_with("later"))
                .then(|| self.call(method, params))
        }
        fn call_later(
            &self,
            method: &str,
            _params: &serde_json::Value,
            later: Later,
        ) -> Result<(), Later> {
            match method {
                // Answered from another thread, after the I/O thread has moved on.
                "later" => {
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(20));
                        later.answer(Ok(json!("answered later")));
                    });
                }
                "later-dropped" => drop(later),
                "later-never" => std::mem::forget(later),
                "later-boom" => panic!("a handler that fails"),
                _ => return Err(later),
            }
            Ok(())
        }
    }

    fn post(addr: SocketAddr, body: &str) -> String {
        let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
        // A server that never answers fails the test instead of hanging it.
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap_or_else(|e| panic!("{e}"));
        let request = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = String::new();
        stream
            .read_to_string(&mut out)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn requests_are_answered_bounded_in_size_and_time() {
        let limits = Limits {
            max_body: 200,
            request_timeout: Duration::from_millis(100),
            ..Limits::default()
        };
        let server =
            Server::start("127.0.0.1:0", Arc::new(Slow), limits).unwrap_or_else(|e| panic!("{e}"));
        let addr = server.local_addr();
        let ok = post(addr, r#"{"jsonrpc":"2.0","id":1,"method":"hello"}"#);
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.contains(r#""result":"hello""#), "{ok}");
        assert!(
            ok.to_ascii_lowercase()
                .contains("access-control-allow-origin: *"),
            "{ok}"
        );
        let big = post(addr, &format!(r#"{{"x":"{}"}}"#, "a".repeat(300)));
        assert!(big.starts_with("HTTP/1.1 413"), "{big}");
        let slow = post(addr, r#"{"jsonrpc":"2.0","id":1,"method":"sleep"}"#);
        assert!(slow.contains("took longer"), "{slow}");
        // A method answered at once (on the I/O thread) that fails is answered as a
        // blocking handler's failure is, not by a dropped connection.
        let boom = post(addr, r#"{"jsonrpc":"2.0","id":1,"method":"boom"}"#);
        assert!(boom.starts_with("HTTP/1.1 200"), "{boom}");
        assert!(boom.contains("-32603"), "{boom}");
        // Answers given later, from another thread, reach the client with the
        // request's id; a handler that never answers is timed out, one that drops the
        // place for its answer or fails is answered as a failed handler.
        let later = post(addr, r#"{"jsonrpc":"2.0","id":9,"method":"later"}"#);
        assert!(
            later.contains(r#"{"jsonrpc":"2.0","id":9,"result":"answered later"}"#),
            "{later}"
        );
        // While one waits for its answer, the one I/O thread answers others.
        let waiting = std::thread::spawn(move || {
            post(addr, r#"{"jsonrpc":"2.0","id":1,"method":"later-never"}"#)
        });
        std::thread::sleep(Duration::from_millis(20));
        let meanwhile = post(addr, r#"{"jsonrpc":"2.0","id":1,"method":"hello"}"#);
        assert!(meanwhile.contains(r#""result":"hello""#), "{meanwhile}");
        assert!(!waiting.is_finished());
        let never = waiting
            .join()
            .unwrap_or_else(|_| panic!("the client failed"));
        assert!(never.contains("took longer"), "{never}");
        for method in ["later-dropped", "later-boom"] {
            let failed = post(
                addr,
                &format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}"}}"#),
            );
            assert!(failed.starts_with("HTTP/1.1 200"), "{failed}");
            assert!(failed.contains("-32603"), "{failed}");
        }
        // A notification taken to answer later gets no body, as dispatched ones.
        let quiet = post(addr, r#"{"jsonrpc":"2.0","method":"later"}"#);
        assert!(quiet.ends_with("\r\n\r\n"), "{quiet}");
        assert!(matches!(
            Server::start(&addr.to_string(), Arc::new(Slow), limits),
            Err(ServerError::Bind { .. })
        ));
        assert!(matches!(
            Server::start("nowhere", Arc::new(Slow), limits),
            Err(ServerError::Address(_))
        ));
        // Every thread of the server runs below the thread that started it.
        #[cfg(target_os = "linux")]
        nice_is_lower(addr);
        server.stop();
    }

    /// A batch whose answer is no longer awaited stops: its remaining calls are not
    /// started.
    #[test]
    fn a_batch_that_timed_out_starts_no_more_calls() {
        let limits = Limits {
            request_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        let server =
            Server::start("127.0.0.1:0", Arc::new(Slow), limits).unwrap_or_else(|e| panic!("{e}"));
        let batch: Vec<String> = (0..30)
            .map(|i| format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"tick"}}"#))
            .collect();
        let late = post(server.local_addr(), &format!("[{}]", batch.join(",")));
        assert!(late.contains("took longer"), "{late}");
        // 30 calls of 100 ms would run for 3 s; after the 300 ms, the one running ends.
        std::thread::sleep(Duration::from_millis(1000));
        let started = TICKS.load(Ordering::Relaxed);
        assert!((1..=8).contains(&started), "{started} calls started");
        server.stop();
    }

    #[test]
    fn a_client_that_stops_sending_does_not_keep_its_place() {
        let limits = Limits {
            header_timeout: Duration::from_millis(300),
            body_timeout: Duration::from_millis(300),
            max_connections: 1,
            ..Limits::default()
        };
        let server =
            Server::start("127.0.0.1:0", Arc::new(Slow), limits).unwrap_or_else(|e| panic!("{e}"));
        let addr = server.local_addr();
        let connect = || std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
        // Headers announcing 1,000 bytes, then ten of them, then nothing.
        let mut stalled = connect();
        stalled
            .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\"")
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(Duration::from_millis(50));
        let started = std::time::Instant::now();
        // The one place is taken until the stalled body times out; then this is served.
        let ok = post(addr, r#"{"jsonrpc":"2.0","id":1,"method":"hello"}"#);
        assert!(ok.contains(r#""result":"hello""#), "{ok}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let mut answer = String::new();
        stalled
            .read_to_string(&mut answer)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("stopped arriving"), "{answer}");
        // A body that keeps coming, in parts less than body_timeout apart, is read
        // however long it takes in all (within the request's time).
        let mut steady = connect();
        let body = r#"{"jsonrpc":"2.0","id":7,"method":"steady"}"#;
        let head = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        steady
            .write_all(head.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        for part in body.as_bytes().chunks(body.len().div_ceil(5)) {
            std::thread::sleep(Duration::from_millis(150));
            steady.write_all(part).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut answer = String::new();
        steady
            .read_to_string(&mut answer)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(answer.contains(r#""result":"steady""#), "{answer}");
        // A connection that never sends a byte is closed as well.
        let silent = connect();
        std::thread::sleep(Duration::from_millis(50));
        let ok = post(addr, r#"{"jsonrpc":"2.0","id":2,"method":"hello"}"#);
        assert!(ok.contains(r#""result":"hello""#), "{ok}");
        drop(silent);
        // Nor is the place kept by a client that idles after an answer it kept alive.
        let mut idle = connect();
        let body = r#"{"jsonrpc":"2.0","id":3,"method":"hello"}"#;
        let request = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        idle.write_all(request.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut first = [0u8; 12];
        idle.read_exact(&mut first)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&first, b"HTTP/1.1 200");
        let ok = post(addr, r#"{"jsonrpc":"2.0","id":4,"method":"hello"}"#);
        assert!(ok.contains(r#""result":"hello""#), "{ok}");
        drop(idle);
        server.stop();
    }

    #[cfg(target_os = "linux")]
    fn nice_is_lower(addr: SocketAddr) {
        let ours = rustix::process::getpriority_process(None).unwrap_or_else(|e| panic!("{e}"));
        let lower = format!(r#""result":{}"#, (ours + SERVER_NICENESS).min(19));
        for method in ["nice", "nice-blocking"] {
            let nice = post(
                addr,
                &format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}"}}"#),
            );
            assert!(nice.contains(&lower), "{method}: {nice}");
        }
    }
}
