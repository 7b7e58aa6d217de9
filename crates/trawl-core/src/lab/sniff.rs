//! Plain HTTP and TLS on one port: the listener of a site's HTTP port.
//!
//! Browsers upgrade `http://host:PORT/` to `https://host:PORT/` *on the same port* for names on
//! their built-in HSTS preload list (every `.dev`, `.app`, … host), so a lab serving only plain
//! HTTP there cannot be captured by a browser. [`sniff_listener`] peeks at the first byte of
//! every accepted connection: `0x16` (a TLS handshake record, i.e. a ClientHello) runs the
//! server handshake with the listener's lab certificate; anything else is served as plain HTTP.
//! A connection that sends nothing within [`super::tls::HANDSHAKE_TIMEOUT`] (a browser's
//! preconnect left unused) or whose handshake fails is dropped, logged at `debug`; the client
//! opens a new one when it needs to. The separate HTTPS listeners stay as they are.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_native_tls::{TlsAcceptor, TlsStream};
use tracing::debug;

use super::serve::Shutdown;
use super::tls::{HANDSHAKE_TIMEOUT, PreparedListener, accept_prepared, handshake};

/// First byte of a TLS handshake record (RFC 8446 §5.1, `ContentType.handshake`).
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// An accepted connection: plain, or TLS after a completed handshake.
pub(crate) enum SniffedStream {
    /// Plain HTTP.
    Plain(TcpStream),
    /// TLS with the listener's lab certificate.
    Tls(Box<TlsStream<TcpStream>>),
}

/// Whether a connection's first byte opens a TLS handshake.
pub(crate) fn is_tls_start(first: u8) -> bool {
    first == TLS_HANDSHAKE_RECORD
}

/// A listener yielding plain and TLS connections from one TCP port; the task ends at shutdown.
pub(crate) fn sniff_listener(
    tcp: TcpListener,
    local: SocketAddr,
    acceptor: TlsAcceptor,
    shutdown: Shutdown,
) -> (PreparedListener<SniffedStream>, JoinHandle<()>) {
    accept_prepared(tcp, local, shutdown, move |stream, peer| {
        let acceptor = acceptor.clone();
        async move { sniff(&acceptor, stream, local, peer).await }
    })
}

/// Peeks at the first byte and hands the connection on as plain or TLS.
async fn sniff(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    local: SocketAddr,
    peer: SocketAddr,
) -> Option<SniffedStream> {
    let mut first = [0u8; 1];
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, stream.peek(&mut first)).await {
        Ok(Ok(1..)) => {}
        Ok(Ok(_)) | Ok(Err(_)) => return None,
        Err(_) => {
            debug!(%local, %peer, "lab: connection sent nothing, dropped");
            return None;
        }
    }
    if !is_tls_start(first[0]) {
        return Some(SniffedStream::Plain(stream));
    }
    let tls = handshake(acceptor, stream, local, peer).await?;
    Some(SniffedStream::Tls(Box::new(tls)))
}

impl AsyncRead for SniffedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            SniffedStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            SniffedStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for SniffedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            SniffedStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            SniffedStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            SniffedStream::Plain(s) => Pin::new(s).poll_flush(cx),
            SniffedStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            SniffedStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            SniffedStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_handshake_record_counts_as_tls() {
        assert!(is_tls_start(0x16));
        assert!(!is_tls_start(b'G'));
        assert!(!is_tls_start(b'P'));
        assert!(!is_tls_start(0x15), "a TLS alert is no ClientHello");
    }
}
