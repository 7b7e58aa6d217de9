//! Moving bytes between the browser and a destination once the proxy has connected them.
//!
//! Both directions are served by one loop: whatever arrives on one side is written to the
//! other, an end of stream is passed on as a half close, and the connection ends when both
//! sides have closed or neither moved a byte for the idle timeout. For a forwarded `http://`
//! request the server's response heads are rewritten on the way ([`head::rewrite_response`])
//! so the browser knows the connection closes after this response; a response head larger
//! than the limit ends the exchange. Errors end the connection quietly: the browser sees a
//! closed connection, which is what happened.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ProxyLimits;
use super::head::{self, ResponseHead};

/// Writes all of `bytes` within `limit`; false when that failed.
pub(super) async fn write_within(stream: &mut TcpStream, bytes: &[u8], limit: Duration) -> bool {
    matches!(
        tokio::time::timeout(limit, stream.write_all(bytes)).await,
        Ok(Ok(()))
    )
}

/// Relays between `client` and `server` until both close or the exchange idles. `early` is
/// what the client sent past its request head (written to the server first); `rewrite` asks
/// for the server's response heads to be rewritten.
pub(super) async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    early: Vec<u8>,
    rewrite: bool,
    limits: &ProxyLimits,
) {
    let idle = limits.idle_timeout;
    if !early.is_empty() && !write_within(&mut server, &early, idle).await {
        return;
    }
    let mut from_client = vec![0u8; 16 * 1024];
    let mut from_server = vec![0u8; 16 * 1024];
    // The server's response heads are collected here while `rewriting`.
    let mut heads = Vec::new();
    let mut rewriting = rewrite;
    let (mut client_open, mut server_open) = (true, true);

    while client_open || server_open {
        tokio::select! {
            read = client.read(&mut from_client), if client_open => match read {
                Ok(n) if n > 0 => {
                    if !write_within(&mut server, &from_client[..n], idle).await {
                        return;
                    }
                }
                _ => {
                    client_open = false;
                    let _ = server.shutdown().await;
                }
            },
            read = server.read(&mut from_server), if server_open => match read {
                Ok(n) if n > 0 => {
                    let out = if rewriting {
                        heads.extend_from_slice(&from_server[..n]);
                        let Some((out, done)) = take_heads(&mut heads, limits.max_head) else {
                            return;
                        };
                        rewriting = !done;
                        out
                    } else {
                        from_server[..n].to_vec()
                    };
                    if !out.is_empty() && !write_within(&mut client, &out, idle).await {
                        return;
                    }
                }
                _ => {
                    server_open = false;
                    let _ = client.shutdown().await;
                }
            },
            _ = tokio::time::sleep(idle) => return,
        }
    }
}

/// Takes the complete response heads collected in `buf` (rewritten) and, after the final one,
/// the bytes behind it; true once the final head has passed. `None` when a head grew past
/// `max_head`.
fn take_heads(buf: &mut Vec<u8>, max_head: usize) -> Option<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    while let Some(len) = head::head_len(buf) {
        let rest = buf.split_off(len);
        let done = match head::rewrite_response(buf) {
            ResponseHead::Interim(bytes) => {
                out.extend_from_slice(&bytes);
                false
            }
            ResponseHead::Switching(bytes) | ResponseHead::Final(bytes) => {
                out.extend_from_slice(&bytes);
                true
            }
        };
        *buf = rest;
        if done {
            out.append(buf);
            return Some((out, true));
        }
    }
    (buf.len() <= max_head).then_some((out, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_rewritten_once_and_the_body_passes_untouched() {
        let mut buf = b"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nConnec".to_vec();
        let (out, done) = take_heads(&mut buf, 1024).unwrap();
        assert_eq!(out, b"HTTP/1.1 103 Early Hints\r\n\r\n");
        assert!(!done);

        buf.extend_from_slice(b"tion: keep-alive\r\n\r\nbody\r\n\r\nmore");
        let (out, done) = take_heads(&mut buf, 1024).unwrap();
        let expected = b"HTTP/1.1 200 OK\r\nConnection: close\r\nProxy-Connection: close\r\n\r\n\
                         body\r\n\r\nmore";
        assert_eq!(out, expected);
        assert!(done && buf.is_empty());

        let mut endless = vec![b'x'; 2000];
        assert_eq!(take_heads(&mut endless, 1024), None);
    }
}
