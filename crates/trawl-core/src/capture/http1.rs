//! Document requests over a direct HTTP/1.1 connection that records the response head as the
//! server sent it.
//!
//! Header names must be kept in the server's order and spelling (HHHash hashes them exactly),
//! and reqwest lower-cases names and groups repeats. So documents are fetched here with
//! hyper's connection-level client over a socket to the pinned address, through a recorder
//! that keeps the bytes of the response head; the head is then split into `(name, value)`
//! pairs as sent, duplicates and order included. Sub-resources keep using reqwest.
//!
//! TLS accepts any certificate (the capture records its problems separately) and keeps the
//! leaf certificate. Only HTTP/1.1 is spoken, which every web server accepts. One connection
//! per request; nothing is retried.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use url::Url;

use super::body::ChunkSource;

/// Largest response head recorded.
const MAX_HEAD: usize = 64 * 1024;

/// A response to a document request, body not yet read.
pub struct DocumentResponse {
    /// HTTP status.
    pub status: u16,
    /// Header `(name, value)` pairs exactly as sent, in order.
    pub headers: Vec<(String, String)>,
    /// The server's leaf certificate (DER), for HTTPS.
    pub certificate: Option<Vec<u8>>,
    /// The body stream.
    pub body: Incoming,
}

/// Sends `GET url` to `addr` with `headers` (in that order, after `Host`), by `deadline`.
pub async fn get(
    addr: SocketAddr,
    url: &Url,
    headers: &[(&str, String)],
    deadline: Instant,
) -> Result<DocumentResponse, String> {
    let within = |what: &'static str| move |_| format!("timed out {what}");
    let tcp = tokio::time::timeout_at(deadline, TcpStream::connect(addr))
        .await
        .map_err(within("connecting"))?
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = tcp.set_nodelay(true);

    let head = Arc::new(Mutex::new(HeadBuffer::default()));
    let host = url.host_str().unwrap_or_default();
    let (certificate, sender) = if url.scheme() == "https" {
        let tls = tokio::time::timeout_at(deadline, tls_connect(host, tcp))
            .await
            .map_err(within("in the TLS handshake"))??;
        let certificate = tls
            .get_ref()
            .peer_certificate()
            .ok()
            .flatten()
            .and_then(|c| c.to_der().ok());
        (
            certificate,
            handshake(Recorder {
                inner: tls,
                head: head.clone(),
            })
            .await?,
        )
    } else {
        (
            None,
            handshake(Recorder {
                inner: tcp,
                head: head.clone(),
            })
            .await?,
        )
    };

    let request = build_request(url, headers)?;
    let mut sender = sender;
    let response = tokio::time::timeout_at(deadline, sender.send_request(request))
        .await
        .map_err(within("waiting for a response"))?
        .map_err(|e| super::body::error_chain(&e))?;

    let status = response.status().as_u16();
    let recorded = head
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .bytes
        .clone();
    let mut headers = parse_final_head(&recorded);
    if headers.is_empty() {
        // The recorder missed the head (should not happen): fall back to hyper's view.
        headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
    }
    Ok(DocumentResponse {
        status,
        headers,
        certificate,
        body: response.into_body(),
    })
}

async fn tls_connect(
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_native_tls::TlsStream<TcpStream>, String> {
    // OpenSSL sends no SNI for an IP address by itself.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    tokio_native_tls::TlsConnector::from(super::fetch::lenient_tls()?)
        .connect(bare, tcp)
        .await
        .map_err(|e| format!("TLS handshake failed: {e}"))
}

type Sender = hyper::client::conn::http1::SendRequest<NoBody>;

async fn handshake<T>(io: Recorder<T>) -> Result<Sender, String>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::Builder::new()
        .title_case_headers(true)
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .ignore_invalid_headers_in_responses(true)
        .max_buf_size(MAX_HEAD.max(8192) * 2)
        .handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    // Drives the connection until the response body is consumed or dropped.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

fn build_request(url: &Url, headers: &[(&str, String)]) -> Result<hyper::Request<NoBody>, String> {
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err("URL has no host".to_owned()),
    };
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let mut builder = hyper::Request::get(target).header("host", host);
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    builder
        .body(NoBody)
        .map_err(|e| format!("cannot build the request: {e}"))
}

/// Splits the recorded bytes into heads, skips interim (1xx) ones, and returns the final
/// head's fields as sent (obsolete line folding joined with a space).
fn parse_final_head(recorded: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(recorded);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut in_head = false;

    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if !in_head {
            if line.starts_with("HTTP/") {
                fields.clear();
                in_head = true;
            }
            continue;
        }
        if line.is_empty() {
            // End of a head; an interim (1xx) head is followed by another, which clears fields.
            in_head = false;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim_end().to_owned(), value.trim().to_owned()));
        }
    }
    fields
}

/// Bytes of the response heads seen so far.
#[derive(Default)]
struct HeadBuffer {
    bytes: Vec<u8>,
    done: bool,
}

impl HeadBuffer {
    fn record(&mut self, data: &[u8]) {
        if self.done {
            return;
        }
        let start = self.bytes.len().saturating_sub(3);
        self.bytes.extend_from_slice(data);
        // Done at the end of the first head whose status is not 1xx.
        let mut search_from = start;
        while let Some(end) =
            find(&self.bytes[search_from..], b"\r\n\r\n").map(|p| p + search_from + 4)
        {
            if !is_interim_head_before(&self.bytes, end) {
                self.bytes.truncate(end);
                self.done = true;
                return;
            }
            search_from = end;
        }
        if self.bytes.len() >= MAX_HEAD {
            self.bytes.truncate(MAX_HEAD);
            self.done = true;
        }
    }
}

/// Whether the head ending at `end` is an interim (1xx) response.
fn is_interim_head_before(bytes: &[u8], end: usize) -> bool {
    let before = &bytes[..end - 4];
    let start = rfind(before, b"\r\n\r\n").map_or(0, |p| p + 4);
    let status_line = &bytes[start..end];
    status_line.starts_with(b"HTTP/")
        && status_line
            .split(|&b| b == b' ')
            .nth(1)
            .is_some_and(|code| code.starts_with(b"1"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// A transport that records what it reads until the response head is complete.
struct Recorder<T> {
    inner: T,
    head: Arc<Mutex<HeadBuffer>>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Recorder<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            let fresh = &buf.filled()[before..];
            this.head
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(fresh);
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Recorder<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The empty body of a GET.
pub struct NoBody;

impl Body for NoBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        true
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(0)
    }
}

impl ChunkSource for Incoming {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
        loop {
            let frame = std::future::poll_fn(|cx| Pin::new(&mut *self).poll_frame(cx)).await;
            match frame {
                None => return Ok(None),
                Some(Err(e)) => return Err(super::body::error_chain(&e)),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_keep_case_order_duplicates_and_skip_interim_responses() {
        let mut buffer = HeadBuffer::default();
        let raw = b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n\
                    HTTP/1.1 200 OK\r\nX-Zeta: 1\r\nSet-Cookie: a=1\r\nserver: lab\r\n\
                    Set-Cookie: b=2\r\nX-Folded: one\r\n  two\r\n\r\nbody bytes";
        for chunk in raw.chunks(5) {
            buffer.record(chunk);
        }
        assert!(buffer.done);
        assert!(!buffer.bytes.ends_with(b"body bytes"));

        let names: Vec<(String, String)> = parse_final_head(&buffer.bytes);
        let expected = [
            ("X-Zeta", "1"),
            ("Set-Cookie", "a=1"),
            ("server", "lab"),
            ("Set-Cookie", "b=2"),
            ("X-Folded", "one two"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn requests_use_origin_form_and_a_host_header() {
        let url = Url::parse("http://lab.test:8080/a/b?q=1#frag").unwrap();
        let request = build_request(&url, &[("user-agent", "x".to_owned())]).unwrap();
        assert_eq!(request.uri().to_string(), "/a/b?q=1");
        assert_eq!(request.headers()["host"], "lab.test:8080");
    }
}
