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
/// for the server's response heads to be rewritten, and then `original` is given the final
/// head as the server sent it, as soon as it has passed.
pub(super) async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    early: Vec<u8>,
    rewrite: bool,
    limits: &ProxyLimits,
    original: impl FnOnce(&[u8]),
) {
    let mut original = Some(original);
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
                        let Some(taken) = take_heads(&mut heads, n, limits.max_head) else {
                            return;
                        };
                        if let (Some(head), Some(original)) = (&taken.original, original.take()) {
                            original(head);
                        }
                        rewriting = taken.original.is_none();
                        taken.out
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

/// Response heads taken from what the server sent so far.
struct Taken {
    /// What goes to the browser: complete heads rewritten and, after the final one, the
    /// bytes behind it.
    out: Vec<u8>,
    /// The final head as the server sent it, once it has passed.
    original: Option<Vec<u8>>,
}

/// Takes the complete response heads collected in `buf` (rewritten) and, after the final one,
/// the bytes behind it, with the final head as sent. `fresh` counts the bytes added
/// to `buf` since the last call: only they (and three before them) can end the head under
/// way, so a head trickled in byte by byte is not searched again and again. `None` when a
/// head grew past `max_head`.
fn take_heads(buf: &mut Vec<u8>, fresh: usize, max_head: usize) -> Option<Taken> {
    let mut out = Vec::new();
    // Where the head under way starts, and where its end marker may start.
    let (mut start, mut from) = (0, buf.len().saturating_sub(fresh + 3));
    while let Some(end) = head::response_head_len(&buf[from..]).map(|len| from + len) {
        let done = match head::rewrite_response(&buf[start..end]) {
            ResponseHead::Interim(bytes) => {
                out.extend_from_slice(&bytes);
                false
            }
            ResponseHead::Switching(bytes) | ResponseHead::Final(bytes) => {
                out.extend_from_slice(&bytes);
                true
            }
        };
        if done {
            let original = Some(buf[start..end].to_vec());
            out.extend_from_slice(&buf[end..]);
            buf.clear();
            return Some(Taken { out, original });
        }
        (start, from) = (end, end);
    }
    buf.drain(..start);
    (buf.len() <= max_head).then_some(Taken {
        out,
        original: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_rewritten_once_and_the_body_passes_untouched() {
        let mut buf = b"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nConnec".to_vec();
        let fresh = buf.len();
        let taken = take_heads(&mut buf, fresh, 1024).unwrap();
        assert_eq!(taken.out, b"HTTP/1.1 103 Early Hints\r\n\r\n");
        assert_eq!(taken.original, None);

        let fresh = b"tion: keep-alive\r\nServer: x\r\n\r\nbody\r\n\r\nmore".len();
        buf.extend_from_slice(b"tion: keep-alive\r\nServer: x\r\n\r\nbody\r\n\r\nmore");
        let taken = take_heads(&mut buf, fresh, 1024).unwrap();
        let expected = b"HTTP/1.1 200 OK\r\nServer: x\r\nConnection: close\r\n\
                         Proxy-Connection: close\r\n\r\nbody\r\n\r\nmore";
        assert_eq!(taken.out, expected);
        let sent = b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nServer: x\r\n\r\n";
        assert_eq!(taken.original.as_deref(), Some(&sent[..]));
        assert!(buf.is_empty());

        let mut endless = vec![b'x'; 2000];
        assert!(take_heads(&mut endless, 2000, 1024).is_none());
    }
}
