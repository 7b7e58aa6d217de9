//! The capture proxy's HTTP/1.1 heads: parsing what the browser asks for, and rewriting a
//! forwarded request and its response so that one connection carries one exchange.
//!
//! Parsing is strict, because anything on the machine can reach the proxy's port: a request
//! line of exactly three parts (`METHOD SP TARGET SP HTTP/1.x`), CRLF line ends, header names
//! that are tokens, values without control characters, no folded lines and a bounded number
//! of headers. A `CONNECT` target must be `host:port`; any other method needs an absolute
//! `http://` URL (the origin form is for servers, not proxies). Any violation is a
//! [`HeadError`], answered 400 by the caller.
//!
//! Response heads come from the servers being captured and are read leniently, as browsers
//! read them (bare LF line ends included): only the status code and the connection headers
//! matter here.

use url::Url;

/// Most headers accepted in one request head.
const MAX_HEADERS: usize = 128;

/// Headers that concern one hop only and are never forwarded.
const HOP_HEADERS: [&str; 5] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
];

/// Why a request head was refused (answered with 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed request: {0}")]
pub struct HeadError(pub &'static str);

/// Where the browser wants to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `CONNECT host:port`: a tunnel (https, wss).
    Connect {
        /// Lower-case host, IPv6 literals in brackets.
        host: String,
        /// Destination port.
        port: u16,
    },
    /// An absolute `http://` URL to forward (plain http, ws upgrades).
    Forward(Url),
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, as sent.
    pub method: String,
    /// The destination.
    pub target: Target,
    /// Header lines as `(name, value)`, in order, values as sent.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl RequestHead {
    /// Host and port to connect to.
    pub fn destination(&self) -> (String, u16) {
        match &self.target {
            Target::Connect { host, port } => (host.clone(), *port),
            Target::Forward(url) => (
                url.host_str().unwrap_or_default().to_owned(),
                url.port_or_known_default().unwrap_or(80),
            ),
        }
    }

    /// The request asks to switch protocols (a WebSocket handshake over plain http).
    pub fn is_upgrade(&self) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("upgrade"))
    }

    /// The head to send the server for a forwarded request: origin-form target, `Host` from the
    /// URL, hop-by-hop headers dropped, and `Connection: close` unless the request upgrades
    /// (then its `Connection` header is kept, as the handshake needs it).
    pub fn upstream_head(&self) -> Vec<u8> {
        let Target::Forward(url) = &self.target else {
            return Vec::new();
        };
        let mut path = url.path().to_owned();
        if let Some(query) = url.query() {
            path = format!("{path}?{query}");
        }
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let mut out = format!("{} {path} HTTP/1.1\r\nHost: {host}\r\n", self.method).into_bytes();
        let upgrade = self.is_upgrade();
        for (name, value) in &self.headers {
            let lower = name.to_ascii_lowercase();
            let keep_connection = upgrade && lower == "connection";
            if lower == "host" || (HOP_HEADERS.contains(&lower.as_str()) && !keep_connection) {
                continue;
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        if !upgrade {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

/// The length of the head at the start of `buf` (up to and including the empty line), once
/// it is all there.
pub fn head_len(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// The length of the response head at the start of `buf`, once it is all there. Servers may
/// end lines with a bare LF, which browsers accept: a page must not load in a browser and fail
/// in a capture.
pub fn response_head_len(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = buf[from..].iter().position(|&b| b == b'\n') {
        let lf = from + at;
        match &buf[lf + 1..] {
            [b'\n', ..] => return Some(lf + 2),
            [b'\r', b'\n', ..] => return Some(lf + 3),
            _ => from = lf + 1,
        }
    }
    None
}

/// Parses a complete request head (as delimited by [`head_len`]).
pub fn parse_request(head: &[u8]) -> Result<RequestHead, HeadError> {
    let body = head
        .strip_suffix(b"\r\n\r\n")
        .ok_or(HeadError("no end of head"))?;
    let lines = crlf_lines(body);
    if lines
        .iter()
        .any(|line| line.contains(&b'\r') || line.contains(&b'\n'))
    {
        return Err(HeadError("bare CR or LF"));
    }
    let mut lines = lines.into_iter();
    let request_line = lines.next().ok_or(HeadError("empty head"))?;
    let request_line =
        std::str::from_utf8(request_line).map_err(|_| HeadError("request line not ASCII"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError("request line is not METHOD TARGET VERSION"));
    };
    if method.is_empty() || !method.bytes().all(is_token) {
        return Err(HeadError("bad method"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(HeadError("unsupported HTTP version"));
    }
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HeadError("bad request target"));
    }
    let target = if method == "CONNECT" {
        connect_target(target)?
    } else {
        Target::Forward(forward_target(target)?)
    };

    let mut headers = Vec::new();
    for line in lines {
        if headers.len() == MAX_HEADERS {
            return Err(HeadError("too many headers"));
        }
        headers.push(header(line)?);
    }
    Ok(RequestHead {
        method: method.to_owned(),
        target,
        headers,
    })
}

/// `body` split at every CRLF.
fn crlf_lines(body: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i + 1 < body.len() {
        if &body[i..i + 2] == b"\r\n" {
            lines.push(&body[start..i]);
            i += 2;
            start = i;
        } else {
            i += 1;
        }
    }
    lines.push(&body[start..]);
    lines
}

fn header(line: &[u8]) -> Result<(String, Vec<u8>), HeadError> {
    if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
        return Err(HeadError("folded header line"));
    }
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(HeadError("header line without a colon"))?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() || !name.iter().copied().all(is_token) {
        return Err(HeadError("bad header name"));
    }
    let value = value.trim_ascii();
    if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(HeadError("control character in a header value"));
    }
    let name = String::from_utf8(name.to_vec()).map_err(|_| HeadError("bad header name"))?;
    Ok((name, value.to_vec()))
}

/// `host:port`, the host a name or an IP literal (IPv6 in brackets).
fn connect_target(target: &str) -> Result<Target, HeadError> {
    let bad = HeadError("CONNECT target is not host:port");
    if target.contains(['/', '@', '?', '#', '\\']) {
        return Err(bad);
    }
    let (host, port_text) = target.rsplit_once(':').ok_or(bad.clone())?;
    // One port only: the URL parser would take `host:80:443` as `host` and drop the 80.
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return Err(bad);
    }
    let port: u16 = match port_text.parse() {
        Ok(port) if port > 0 && !port_text.starts_with('+') => port,
        _ => return Err(bad),
    };
    // The URL parser normalises the host as the browser and the resolver map do.
    let url = Url::parse(&format!("http://{host}/")).map_err(|_| bad.clone())?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or(bad)?;
    Ok(Target::Connect {
        host: host.to_owned(),
        port,
    })
}

fn forward_target(target: &str) -> Result<Url, HeadError> {
    let url = Url::parse(target).map_err(|_| HeadError("target is not an absolute URL"))?;
    if url.scheme() != "http" {
        return Err(HeadError(
            "only http:// URLs are forwarded (https goes by CONNECT)",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HeadError("credentials in the target URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(HeadError("target URL has no host"));
    }
    Ok(url)
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// What the proxy does with a server's response head.
#[derive(Debug, PartialEq, Eq)]
pub enum ResponseHead {
    /// An interim `1xx` answer (not 101): passed on as is; the real head follows.
    Interim(Vec<u8>),
    /// `101 Switching Protocols`: passed on as is; raw bytes follow.
    Switching(Vec<u8>),
    /// The final head, rewritten to close the connection after this response.
    Final(Vec<u8>),
}

/// Reads a complete response head leniently and rewrites it as [`ResponseHead`] says.
pub fn rewrite_response(head: &[u8]) -> ResponseHead {
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let status = first_line
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.trim().parse::<u16>().ok());
    match status {
        Some(101) => return ResponseHead::Switching(head.to_vec()),
        Some(100..=199) => return ResponseHead::Interim(head.to_vec()),
        _ => {}
    }
    let end = head.iter().rposition(|&b| b != b'\r' && b != b'\n');
    let body = &head[..end.map_or(0, |i| i + 1)];
    let mut out = Vec::with_capacity(head.len() + 24);
    for (index, line) in body.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let name = line.split(|&b| b == b':').next().unwrap_or_default();
        let hop = ["connection", "keep-alive", "proxy-connection"]
            .iter()
            .any(|h| name.trim_ascii().eq_ignore_ascii_case(h.as_bytes()));
        if index > 0 && hop {
            continue;
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\nProxy-Connection: close\r\n\r\n");
    ResponseHead::Final(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RequestHead, HeadError> {
        parse_request(text.as_bytes())
    }

    #[test]
    fn connect_targets_are_host_and_port() {
        let head = parse("CONNECT Lab.Test:8443 HTTP/1.1\r\nHost: lab.test:8443\r\n\r\n").unwrap();
        assert_eq!(head.destination(), ("lab.test".to_owned(), 8443));
        let v6 = parse("CONNECT [::1]:443 HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(v6.destination(), ("[::1]".to_owned(), 443));

        for bad in [
            "lab.test",
            "lab.test:0",
            "lab.test:99999",
            "a@b:80",
            ":443",
            "x:+1",
        ] {
            let text = format!("CONNECT {bad} HTTP/1.1\r\n\r\n");
            assert!(parse(&text).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn forwarded_requests_need_an_absolute_http_url() {
        let head = parse("GET http://lab.test:8080/a?b=1 HTTP/1.1\r\nAccept: */*\r\n\r\n");
        assert_eq!(head.unwrap().destination(), ("lab.test".to_owned(), 8080));
        assert!(parse("GET /a HTTP/1.1\r\nHost: lab.test\r\n\r\n").is_err());
        assert!(parse("GET https://lab.test/ HTTP/1.1\r\n\r\n").is_err());
        assert!(parse("GET http://u:p@lab.test/ HTTP/1.1\r\n\r\n").is_err());
    }

    #[test]
    fn malformed_lines_and_headers_are_refused() {
        for bad in [
            "GET http://a.test/ HTTP/1.1\n\r\n\r\n",
            "GET  http://a.test/ HTTP/1.1\r\n\r\n",
            "GET http://a.test/ HTTP/2\r\n\r\n",
            "G(T http://a.test/ HTTP/1.1\r\n\r\n",
            "GET http://a.test/ HTTP/1.1\r\nNo colon\r\n\r\n",
            "GET http://a.test/ HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "GET http://a.test/ HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            "GET http://a.test/ HTTP/1.1\r\nA: b\x00c\r\n\r\n",
            "\r\n\r\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        let many = "X: y\r\n".repeat(MAX_HEADERS + 1);
        let text = format!("GET http://a.test/ HTTP/1.1\r\n{many}\r\n");
        assert_eq!(parse(&text).unwrap_err(), HeadError("too many headers"));
    }

    #[test]
    fn the_upstream_head_is_origin_form_and_closes() {
        let head = parse(
            "GET http://lab.test:8080/p?q HTTP/1.1\r\nHost: evil.test\r\n\
             Proxy-Connection: keep-alive\r\nConnection: keep-alive\r\nCookie: a=b\r\n\r\n",
        )
        .unwrap();
        let text = String::from_utf8(head.upstream_head()).unwrap();
        assert_eq!(
            text,
            "GET /p?q HTTP/1.1\r\nHost: lab.test:8080\r\nCookie: a=b\r\nConnection: close\r\n\r\n"
        );

        let upgrade = parse(
            "GET http://lab.test/ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        )
        .unwrap();
        let text = String::from_utf8(upgrade.upstream_head()).unwrap();
        assert!(
            text.contains("Connection: Upgrade\r\n") && !text.contains("close"),
            "{text}"
        );
    }

    #[test]
    fn response_heads_are_made_to_close_except_switches_and_interim_ones() {
        let rewritten =
            rewrite_response(b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nA: b\r\n\r\n");
        let expected =
            b"HTTP/1.1 200 OK\r\nA: b\r\nConnection: close\r\nProxy-Connection: close\r\n\r\n";
        assert_eq!(rewritten, ResponseHead::Final(expected.to_vec()));

        let switching = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
        assert_eq!(
            rewrite_response(switching),
            ResponseHead::Switching(switching.to_vec())
        );
        let early = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n";
        assert_eq!(
            rewrite_response(early),
            ResponseHead::Interim(early.to_vec())
        );
    }
}
