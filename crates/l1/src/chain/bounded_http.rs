//! The HTTP transport to a remote L1, bounded in what it accepts.
//!
//! alloy's own HTTP transport reads every response whole and waits as long as the
//! server takes. An L1 endpoint is not trusted to be well behaved: this one gives each
//! exchange a time limit and refuses a response body above a size limit while it is
//! still arriving, so a node that streams without end costs a bounded amount of memory
//! and time.

use std::task::{Context, Poll};
use std::time::Duration;

use alloy_json_rpc::{RequestPacket, ResponsePacket};
use alloy_transport::{TransportError, TransportErrorKind, TransportFut};

/// A JSON-RPC-over-HTTP transport with a size limit on responses (see the module
/// documentation).
#[derive(Clone, Debug)]
pub(crate) struct BoundedHttp {
    client: reqwest::Client,
    url: url::Url,
    max_response_bytes: usize,
}

impl BoundedHttp {
    /// A transport to `url`; each exchange takes at most `timeout` and each response at
    /// most `max_response_bytes`. (Callers time their requests themselves, with an
    /// error that says so; this limit is the backstop for anything they do not time.)
    pub(crate) fn new(
        url: url::Url,
        timeout: Duration,
        max_response_bytes: usize,
    ) -> Result<BoundedHttp, reqwest::Error> {
        let backstop = timeout
            .saturating_mul(2)
            .saturating_add(Duration::from_secs(10));
        let client = reqwest::Client::builder().timeout(backstop).build()?;
        Ok(BoundedHttp {
            client,
            url,
            max_response_bytes,
        })
    }

    async fn exchange(self, request: RequestPacket) -> Result<ResponsePacket, TransportError> {
        let body = serde_json::to_vec(&request).map_err(TransportError::ser_err)?;
        let mut response = self
            .client
            .post(self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(TransportErrorKind::custom)?;
        let too_large = || {
            TransportErrorKind::custom_str(&format!(
                "the response is larger than {} bytes",
                self.max_response_bytes
            ))
        };
        if response
            .content_length()
            .is_some_and(|n| n > self.max_response_bytes as u64)
        {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(TransportErrorKind::custom)? {
            if bytes.len() + chunk.len() > self.max_response_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        let status = response.status();
        match serde_json::from_slice::<ResponsePacket>(&bytes) {
            Ok(packet) => Ok(packet),
            Err(_) if !status.is_success() => Err(TransportErrorKind::http_error(
                status.as_u16(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )),
            Err(e) => Err(TransportError::deser_err(
                e,
                String::from_utf8_lossy(&bytes),
            )),
        }
    }
}

impl tower::Service<RequestPacket> for BoundedHttp {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        Box::pin(self.clone().exchange(request))
    }
}
