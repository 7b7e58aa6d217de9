//! One capture's HTTP session: resolution, the guard, address pinning and single requests.
//!
//! Every URL passes [`Session::admit`] before it is requested: scheme and port checks, then
//! resolution through the capture's [`Resolver`], then the address check. The chosen address
//! is pinned for the rest of the capture, and the HTTP client resolves names only from those
//! pins (it refuses anything else), so the address the guard approved is the address
//! connected to and no DNS happens inside reqwest. One client per capture keeps connections
//! reusable within a capture and pins from leaking between captures. Documents (top-level
//! navigations) are requested over a direct HTTP/1.1 connection to the pinned address instead,
//! so their headers are recorded as sent (see `http1`).
//!
//! Requests are single attempts: no retries, no redirect following (the caller walks the
//! chain), bodies decoded by `body`. Errors come back as [`FetchError`], never panics.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use tokio::sync::OnceCell;
use tokio::time::Instant;
use url::Url;

use super::body::{self, BodyOutcome, BodyPlan};
use super::guard::{self, GuardPolicy};
use super::http1;
use super::model::DnsInfo;
use super::resolve::Resolver;
use crate::blobs::BlobStore;

/// Why a URL was not fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Refused by policy (guard or sealed resolver); belongs in the capture's `blocked` list.
    Refused(String),
    /// Tried and failed (DNS, connection, TLS, timeout …).
    Failed(String),
}

impl FetchError {
    /// The explanation.
    pub fn message(&self) -> &str {
        match self {
            Self::Refused(m) | Self::Failed(m) => m,
        }
    }
}

/// The address a host was pinned to, with the resolution that produced it.
#[derive(Debug, Clone)]
pub struct Pin {
    /// The approved address.
    pub ip: IpAddr,
    /// How the host resolved.
    pub dns: DnsInfo,
}

/// What kind of resource is requested (sets `Accept` as Chrome does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// A page (top-level navigation).
    Document,
    /// A script.
    Script,
    /// A stylesheet.
    Style,
    /// An image or icon.
    Image,
    /// Anything else.
    Other,
}

impl Destination {
    fn accept(self) -> &'static str {
        match self {
            Self::Document => {
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,\
                 image/apng,*/*;q=0.8"
            }
            Self::Image => "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
            Self::Style => "text/css,*/*;q=0.1",
            Self::Script | Self::Other => "*/*",
        }
    }
}

/// A response as the capture records it.
#[derive(Debug)]
pub struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// Headers: for documents exactly as sent (order, case, repeats); for other resources in
    /// server order with names lower-cased and repeats grouped (reqwest's view).
    pub headers: Vec<(String, String)>,
    /// Where the connection went.
    pub pin: Pin,
    /// `Location` of a 3xx response (its body is not read).
    pub location: Option<String>,
    /// `Content-Type` as sent.
    pub content_type: Option<String>,
    /// Served with `Content-Disposition: attachment`.
    pub attachment: bool,
    /// The server's leaf certificate (DER), for HTTPS.
    pub certificate: Option<Vec<u8>>,
    /// The body, unless this was a redirect.
    pub body: Option<BodyOutcome>,
}

type PinCell = Arc<OnceCell<Result<Pin, FetchError>>>;

#[derive(Default)]
struct PinTable {
    hosts: Mutex<HashMap<String, PinCell>>,
}

impl PinTable {
    fn cell(&self, host: &str) -> PinCell {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts.entry(host.to_owned()).or_default().clone()
    }

    fn pinned(&self, host: &str) -> Option<IpAddr> {
        let hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        match hosts.get(host)?.get()? {
            Ok(pin) => Some(pin.ip),
            Err(_) => None,
        }
    }
}

/// reqwest's resolver for a session: pinned addresses only.
struct PinnedDns(Arc<PinTable>);

impl reqwest::dns::Resolve for PinnedDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let found = self.0.pinned(name.as_str());
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let ip = found.ok_or_else(|| format!("{name} was not admitted by the guard"))?;
            let addrs: reqwest::dns::Addrs = Box::new(std::iter::once(SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// Settings a session needs.
#[derive(Clone)]
pub struct SessionConfig {
    /// The destination policy.
    pub guard: GuardPolicy,
    /// Bound on each request, body included.
    pub per_request: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

/// The HTTP side of one capture.
pub struct Session {
    client: reqwest::Client,
    pins: Arc<PinTable>,
    resolver: Arc<dyn Resolver>,
    config: SessionConfig,
    blobs: BlobStore,
    deadline: Instant,
}

impl Session {
    /// A session that must finish by `deadline`.
    pub fn new(
        config: SessionConfig,
        resolver: Arc<dyn Resolver>,
        blobs: BlobStore,
        deadline: Instant,
    ) -> Result<Self, String> {
        let pins = Arc::new(PinTable::default());
        let mut headers = HeaderMap::new();
        headers.insert("accept-language", HeaderValue::from_static(ACCEPT_LANGUAGE));
        headers.insert("accept-encoding", HeaderValue::from_static(ACCEPT_ENCODING));

        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .tls_backend_preconfigured(lenient_tls()?)
            .tls_info(true)
            .dns_resolver(PinnedDns(pins.clone()))
            .user_agent(config.user_agent.clone())
            .default_headers(headers)
            .connect_timeout(config.per_request)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", body::error_chain(&e)))?;
        Ok(Self {
            client,
            pins,
            resolver,
            config,
            blobs,
            deadline,
        })
    }

    /// The capture's deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Checks `url` against the guard, resolving and pinning its host (once per capture).
    pub async fn admit(&self, url: &Url) -> Result<Pin, FetchError> {
        guard::check_url(url).map_err(FetchError::Refused)?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let cell = self.pins.cell(&host);
        let resolved = cell.get_or_init(|| self.resolve_and_check(host.clone()));
        match tokio::time::timeout_at(self.deadline, resolved).await {
            Ok(result) => result.clone(),
            Err(_) => Err(FetchError::Failed(format!("timed out resolving {host}"))),
        }
    }

    async fn resolve_and_check(&self, host: String) -> Result<Pin, FetchError> {
        let dns = self.resolver.resolve(&host).await.map_err(|e| {
            if e.is_refusal() {
                FetchError::Refused(e.to_string())
            } else {
                FetchError::Failed(e.to_string())
            }
        })?;
        let mapped = dns.source == "resolver-map";

        let mut first_refusal = None;
        for address in &dns.addresses {
            let Ok(ip) = address.parse::<IpAddr>() else {
                continue;
            };
            match guard::check_ip(ip, self.config.guard, mapped) {
                Ok(()) => {
                    return Ok(Pin {
                        ip,
                        dns: dns.clone(),
                    });
                }
                Err(reason) => {
                    first_refusal.get_or_insert(reason);
                }
            }
        }
        Err(FetchError::Refused(
            first_refusal.unwrap_or_else(|| format!("{host} has no usable address")),
        ))
    }

    /// Admits and requests `url`; reads the body by `plan` unless the answer is a redirect.
    /// Documents go over a direct HTTP/1.1 connection that keeps headers as sent; other
    /// resources over the session's pooled reqwest client.
    pub async fn fetch(
        &self,
        url: &Url,
        destination: Destination,
        referrer: Option<&Url>,
        plan: BodyPlan,
    ) -> Result<Fetched, FetchError> {
        let pin = self.admit(url).await?;
        let request_deadline = self
            .deadline
            .min(after(Instant::now(), self.config.per_request));
        let referer = referrer.and_then(|from| referrer_header(from, url));
        let timed_out = || {
            FetchError::Failed(timeout_message(
                &self.config,
                request_deadline,
                self.deadline,
            ))
        };

        let (status, headers, certificate, mut answer) = if destination == Destination::Document {
            let port = url.port_or_known_default().unwrap_or(80);
            let mut request_headers = vec![
                ("connection", "keep-alive".to_owned()),
                ("upgrade-insecure-requests", "1".to_owned()),
                ("user-agent", self.config.user_agent.clone()),
                ("accept", destination.accept().to_owned()),
                ("accept-encoding", ACCEPT_ENCODING.to_owned()),
                ("accept-language", ACCEPT_LANGUAGE.to_owned()),
            ];
            request_headers.extend(referer.map(|r| ("referer", r)));
            let addr = SocketAddr::new(pin.ip, port);
            let response = http1::get(addr, url, &request_headers, request_deadline)
                .await
                .map_err(|e| {
                    if e.starts_with("timed out") {
                        timed_out()
                    } else {
                        FetchError::Failed(e)
                    }
                })?;
            let (status, headers, certificate) =
                (response.status, response.headers, response.certificate);
            (status, headers, certificate, Answer::Direct(response.body))
        } else {
            let mut request_url = url.clone();
            request_url.set_fragment(None);
            let mut request = self
                .client
                .get(request_url)
                .header("accept", destination.accept());
            if let Some(referer) = referer {
                request = request.header("referer", referer);
            }
            let response = match tokio::time::timeout_at(request_deadline, request.send()).await {
                Err(_) => return Err(timed_out()),
                Ok(Err(e)) => return Err(FetchError::Failed(body::error_chain(&e))),
                Ok(Ok(response)) => response,
            };
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let certificate = response
                .extensions()
                .get::<reqwest::tls::TlsInfo>()
                .and_then(|info| info.peer_certificate())
                .map(<[u8]>::to_vec);
            (
                response.status().as_u16(),
                headers,
                certificate,
                Answer::Pooled(response),
            )
        };

        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let location = header("location").filter(|_| is_redirect(status));
        let content_type = header("content-type");
        let encoding = header("content-encoding");
        let attachment = header("content-disposition").is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("attachment")
        });

        let body = if location.is_some() {
            None
        } else {
            let encoding = encoding.as_deref();
            Some(match &mut answer {
                Answer::Direct(body) => {
                    body::read_body(body, encoding, plan, &self.blobs, request_deadline).await
                }
                Answer::Pooled(response) => {
                    body::read_body(response, encoding, plan, &self.blobs, request_deadline).await
                }
            })
        };
        Ok(Fetched {
            status,
            headers,
            pin,
            location,
            content_type,
            attachment,
            certificate,
            body,
        })
    }
}

/// A response whose body is still to be read.
enum Answer {
    Direct(hyper::body::Incoming),
    Pooled(reqwest::Response),
}

const ACCEPT_ENCODING: &str = "gzip, deflate, br";
const ACCEPT_LANGUAGE: &str = "en-US,en;q=0.9";

/// The TLS client setup of captures: any certificate is accepted (its problems are recorded
/// separately). Built once per process, because loading the system trust store costs tens of
/// milliseconds.
pub fn lenient_tls() -> Result<native_tls::TlsConnector, String> {
    static CONNECTOR: OnceLock<Result<native_tls::TlsConnector, String>> = OnceLock::new();
    let built = CONNECTOR.get_or_init(|| {
        native_tls::TlsConnector::builder()
            .danger_accept_invalid_certs(true)
            .danger_accept_invalid_hostnames(true)
            .build()
            .map_err(|e| format!("cannot set up TLS: {e}"))
    });
    built.clone()
}

/// `start + wait`, saturating far in the future instead of overflowing.
pub fn after(start: Instant, wait: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
    start.checked_add(wait).unwrap_or_else(|| start + YEAR)
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

fn timeout_message(config: &SessionConfig, request_deadline: Instant, deadline: Instant) -> String {
    if request_deadline < deadline {
        format!(
            "timed out after {}s waiting for a response",
            config.per_request.as_secs_f32()
        )
    } else {
        "capture time limit reached waiting for a response".to_owned()
    }
}

/// The `Referer` a browser sends under its default policy (strict-origin-when-cross-origin).
pub fn referrer_header(from: &Url, to: &Url) -> Option<String> {
    if !matches!(from.scheme(), "http" | "https") {
        return None;
    }
    if from.scheme() == "https" && to.scheme() == "http" {
        return None;
    }
    if from.origin() == to.origin() {
        let mut full = from.clone();
        full.set_fragment(None);
        let _ = full.set_username("");
        let _ = full.set_password(None);
        return Some(full.to_string());
    }
    Some(format!("{}/", from.origin().ascii_serialization()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn referrer_follows_strict_origin_when_cross_origin() {
        let page = url("https://a.test/path/page?q=1#frag");
        assert_eq!(
            referrer_header(&page, &url("https://a.test/x.js")).as_deref(),
            Some("https://a.test/path/page?q=1")
        );
        assert_eq!(
            referrer_header(&page, &url("https://cdn.test/x.js")).as_deref(),
            Some("https://a.test/")
        );
        assert_eq!(referrer_header(&page, &url("http://a.test/x.js")), None);
    }
}
