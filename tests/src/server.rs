//! A real loopback HTTP/1.1 server (plain or TLS) for integration tests.
//!
//! The server listens on `127.0.0.1:0`, records every request it receives and
//! answers each one with the [`CannedResponse`] returned by a [`Handler`].
//! [`TestServer::transport`] gives an `azure_core` [`Transport`] built on a
//! `reqwest` client that trusts exactly this server's certificate, so the
//! generated client (and `azure_core`'s policies, including the bearer-token
//! policy that insists on `https`) run unmodified against it.
//!
//! The server runs on the calling test's tokio runtime (`tokio::spawn`), so it
//! works under both the `current_thread` and the `multi_thread` flavors of
//! `#[tokio::test]`. Dropping the [`TestServer`] stops it, including any
//! kept-alive connections.

use std::{
    convert::Infallible,
    fmt,
    net::{Ipv4Addr, SocketAddr},
    panic::{catch_unwind, AssertUnwindSafe},
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard,
    },
    task::{Context, Poll},
    time::Duration,
};

use azure_core::http::Transport;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::{
    body::{Body, Frame, Incoming, SizeHint},
    header::{HeaderName, HeaderValue, CONTENT_TYPE},
    server::conn::http1,
    service::service_fn,
    Request, Response, StatusCode,
};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpListener,
    task::{JoinHandle, JoinSet},
};
use tokio_rustls::TlsAcceptor;

/// One HTTP request as the server received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The method, e.g. `"GET"`.
    pub method: String,
    /// The percent-decoded path, without the query string.
    pub path: String,
    /// The query string exactly as sent (without `?`), if there was one.
    pub raw_query: Option<String>,
    /// The query pairs, percent-decoded (`+` decodes to a space), in order.
    pub query: Vec<(String, String)>,
    /// The headers with lowercase names, in the order received (values of a
    /// repeated name follow the name's first occurrence).
    pub headers: Vec<(String, String)>,
    /// The full request body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of the header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All values of the header `name` (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every decoded value of the query parameter `name` (exact match), in order.
    pub fn query_values(&self, name: &str) -> Vec<&str> {
        self.query.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The first decoded value of the query parameter `name` (exact match).
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    ///
    /// If the body is not valid JSON (the message shows the request and body).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body of request {} {} is not JSON ({e}); body was: {:?}",
                self.method,
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn from_parts(parts: &hyper::http::request::Parts, body: Vec<u8>) -> Self {
        let raw_query = parts.uri.query().map(str::to_owned);
        let query = raw_query.as_deref().map(parse_query).unwrap_or_default();
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        RecordedRequest {
            method: parts.method.as_str().to_owned(),
            path: percent_decode(parts.uri.path(), false),
            raw_query,
            query,
            headers,
            body,
        }
    }
}

/// How [`CannedResponse::streamed`] bodies are generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamedBody {
    /// Total number of bytes in the body.
    pub total_len: u64,
    /// Size of each generated chunk (the last one may be shorter).
    pub chunk: usize,
}

impl StreamedBody {
    /// Byte `i` of every streamed body: `(i % 251) as u8`.
    pub fn byte_at(i: u64) -> u8 {
        (i % 251) as u8
    }
}

/// What the server answers.
#[derive(Clone, Debug)]
pub struct CannedResponse {
    /// The status code.
    pub status: u16,
    /// Response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body (ignored when `streamed` is set).
    pub body: Vec<u8>,
    /// When set, the body is generated on the fly instead of sending `body`
    /// (see [`CannedResponse::streamed`]).
    pub streamed: Option<StreamedBody>,
}

impl CannedResponse {
    /// An empty response with `status`.
    pub fn new(status: u16) -> Self {
        CannedResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            streamed: None,
        }
    }

    /// A JSON response; sets `content-type: application/json`.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        let bytes = serde_json::to_vec(body).expect("serializing a serde_json::Value cannot fail");
        CannedResponse::new(status)
            .header("content-type", "application/json")
            .body(bytes)
    }

    /// A response whose body is `total_len` deterministic bytes (byte `i` is
    /// [`StreamedBody::byte_at`]`(i)`), generated `chunk` bytes at a time while
    /// being sent and never held in memory whole. `content-length` is set.
    pub fn streamed(status: u16, total_len: u64, chunk: usize) -> Self {
        assert!(chunk > 0, "CannedResponse::streamed: chunk must be > 0");
        let mut response =
            CannedResponse::new(status).header("content-length", &total_len.to_string());
        response.streamed = Some(StreamedBody { total_len, chunk });
        response
    }

    /// Adds a response header (repeated names are sent as repeated headers).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, bytes: Vec<u8>) -> Self {
        self.body = bytes;
        self
    }
}

/// Decides the response to each request. Called once per request, after the
/// request was recorded; a panic in the handler becomes a `500` response
/// whose body carries the panic message.
pub type Handler = Arc<dyn Fn(&RecordedRequest) -> CannedResponse + Send + Sync>;

struct Shared {
    handler: Handler,
    requests: Mutex<Vec<RecordedRequest>>,
    connections: AtomicUsize,
}

impl Shared {
    fn requests(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        // A panicking test thread must not hide the requests from the others.
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A loopback HTTP/1.1 server bound to `127.0.0.1` on an ephemeral port.
pub struct TestServer {
    addr: SocketAddr,
    /// DER of the self-signed certificate (HTTPS only).
    cert_der: Option<CertificateDer<'static>>,
    shared: Arc<Shared>,
    accept_task: JoinHandle<()>,
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// HTTPS on 127.0.0.1:0 with a self-signed certificate for "127.0.0.1"
    /// and "localhost" generated in-process by rcgen (IP SAN 127.0.0.1).
    /// TLS uses rustls with the aws-lc-rs provider given explicitly, so no
    /// process-wide default provider is needed.
    pub async fn start_https(handler: Handler) -> TestServer {
        let certified = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .expect("generating the test certificate");
        let cert_der = certified.cert.der().clone();
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("aws-lc-rs supports the default TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert_der.clone()], key_der)
            .expect("building the rustls server config");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));

        Self::start(handler, Some(acceptor), Some(cert_der)).await
    }

    /// Plain HTTP on 127.0.0.1:0.
    pub async fn start_http(handler: Handler) -> TestServer {
        Self::start(handler, None, None).await
    }

    async fn start(
        handler: Handler,
        tls: Option<TlsAcceptor>,
        cert_der: Option<CertificateDer<'static>>,
    ) -> TestServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("binding 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("local address of the listener");
        let shared = Arc::new(Shared {
            handler,
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let accept_task = tokio::spawn(accept_loop(listener, tls, shared.clone()));
        TestServer {
            addr,
            cert_der,
            shared,
            accept_task,
        }
    }

    /// Base URL, e.g. "https://127.0.0.1:41234" (no trailing slash).
    pub fn url(&self) -> String {
        let scheme = if self.cert_der.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server certificate in DER (HTTPS servers only).
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.cert_der.as_ref().map(|c| c.as_ref())
    }

    /// A `reqwest` client for this server: no proxy, no redirects, and (for
    /// HTTPS) trusting exactly this server's certificate and nothing else.
    /// For a plain-HTTP server it trusts no certificate at all.
    pub fn reqwest_client(&self) -> reqwest::Client {
        let roots: Vec<reqwest::Certificate> = self
            .cert_der
            .iter()
            .map(|der| {
                reqwest::Certificate::from_der(der.as_ref()).expect("test certificate is valid DER")
            })
            .collect();
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .tls_certs_only(roots)
            .build()
            .expect("building the reqwest client for the test server")
    }

    /// An azure_core Transport whose reqwest client trusts exactly this
    /// server's certificate (for http, a plain client), with no proxy, so
    /// azure_core's bearer-token policy (which requires https) runs for real.
    pub fn transport(&self) -> Transport {
        Transport::new(Arc::new(self.reqwest_client()))
    }

    /// All requests received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests().clone()
    }

    /// The one request received so far; panics (failing the test) if there were more or none.
    pub fn only_request(&self) -> RecordedRequest {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request: {requests:#?}");
        requests.into_iter().next().expect("one request")
    }

    /// How many TCP connections the server has accepted so far (with
    /// keep-alive, several requests share one connection).
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Removes and returns all requests received so far.
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut *self.shared.requests())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every
        // connection task too (including idle kept-alive connections).
        self.accept_task.abort();
    }
}

async fn accept_loop(listener: TcpListener, tls: Option<TlsAcceptor>, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        // Reap finished connection tasks so the set does not grow unbounded.
        while connections.try_join_next().is_some() {}
        let (stream, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // E.g. EMFILE: back off briefly rather than spinning.
                eprintln!("test server: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let shared = shared.clone();
        let tls = tls.clone();
        connections.spawn(async move {
            match tls {
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(stream) => serve(stream, shared).await,
                    Err(e) => eprintln!("test server: TLS handshake failed: {e}"),
                },
                None => serve(stream, shared).await,
            }
        });
    }
}

async fn serve<S>(stream: S, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| handle(request, shared.clone()));
    // Errors here are clients going away mid-exchange; nothing to report.
    let _ = http1::Builder::new()
        .keep_alive(true)
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle(
    request: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<ResponseBody>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(e) => return Ok(error_response(400, format!("reading request body: {e}"))),
    };
    let recorded = RecordedRequest::from_parts(&parts, body);
    shared.requests().push(recorded.clone());

    let canned = match catch_unwind(AssertUnwindSafe(|| (shared.handler)(&recorded))) {
        Ok(canned) => canned,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("<non-string panic>");
            return Ok(error_response(
                500,
                format!(
                    "test server handler panicked on {} {}: {message}",
                    recorded.method, recorded.path
                ),
            ));
        }
    };
    Ok(build_response(canned).unwrap_or_else(|message| error_response(500, message)))
}

fn build_response(canned: CannedResponse) -> Result<Response<ResponseBody>, String> {
    let status = StatusCode::from_u16(canned.status)
        .map_err(|e| format!("invalid canned status {}: {e}", canned.status))?;
    let body = match canned.streamed {
        Some(spec) => ResponseBody::Streamed {
            position: 0,
            total_len: spec.total_len,
            chunk: spec.chunk,
        },
        None => ResponseBody::Full(Some(Bytes::from(canned.body))),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in &canned.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| format!("invalid canned header name {name:?}: {e}"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| format!("invalid canned header value {value:?}: {e}"))?;
        headers.append(name, value);
    }
    Ok(response)
}

fn error_response(status: u16, message: String) -> Response<ResponseBody> {
    let mut response = Response::new(ResponseBody::Full(Some(Bytes::from(message))));
    *response.status_mut() = StatusCode::from_u16(status).expect("valid status");
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

/// The response body: either fully in memory or generated chunk by chunk.
enum ResponseBody {
    Full(Option<Bytes>),
    Streamed {
        position: u64,
        total_len: u64,
        chunk: usize,
    },
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ResponseBody::Full(bytes) => Poll::Ready(
                bytes
                    .take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(Frame::data(b))),
            ),
            ResponseBody::Streamed {
                position,
                total_len,
                chunk,
            } => {
                let remaining = *total_len - *position;
                if remaining == 0 {
                    return Poll::Ready(None);
                }
                let len = remaining.min(*chunk as u64);
                let start = *position;
                let data: Vec<u8> = (start..start + len).map(StreamedBody::byte_at).collect();
                *position += len;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(data)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Full(bytes) => bytes.as_ref().is_none_or(|b| b.is_empty()),
            ResponseBody::Streamed {
                position,
                total_len,
                ..
            } => position == total_len,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            ResponseBody::Streamed {
                position,
                total_len,
                ..
            } => SizeHint::with_exact(total_len - position),
        }
    }
}

/// Splits a query string into percent-decoded pairs (`+` is a space), keeping
/// order and empty values (`a&b=` gives `("a", "")`, `("b", "")`).
fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name, true), percent_decode(value, true))
        })
        .collect()
}

/// Percent-decodes `input` (invalid escapes are kept literally; invalid UTF-8
/// is replaced). With `plus_is_space`, `+` decodes to a space (query syntax).
fn percent_decode(input: &str, plus_is_space: bool) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b/c%2Fd", false), "/a b/c/d");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("a+b%2B", true), "a b+");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%4", true), "%4");
        assert_eq!(percent_decode("%zz%41", true), "%zzA");
        assert_eq!(percent_decode("%C3%A9", true), "é");
    }

    #[test]
    fn query_parsing() {
        assert_eq!(
            parse_query("api-version=2025-06-01&%24filter=state+eq+%27active%27&flag&e="),
            vec![
                ("api-version".to_owned(), "2025-06-01".to_owned()),
                ("$filter".to_owned(), "state eq 'active'".to_owned()),
                ("flag".to_owned(), String::new()),
                ("e".to_owned(), String::new()),
            ]
        );
    }
}
