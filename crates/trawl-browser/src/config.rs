//! How the pool launches Chromium: executable, pool shape, and the command-line flags that keep
//! a browser headless, offline except for what the caller allows, and quiet.
//!
//! Flag policy: no sandbox (Trawl often runs as root in containers, where Chromium refuses the
//! sandbox), no GPU, no QUIC, no background traffic of its own (component updates, sync,
//! default apps, safe browsing lists), popups blocked, permission prompts denied, and the
//! caller's host map as `--host-resolver-rules` — one argument, no quotes — ending in
//! `MAP * ~NOTFOUND` when the map is sealed, so the browser reaches nothing else.
//!
//! With a proxy ([`BrowserConfig::proxy`]) the browser reaches everything through it, loopback
//! included (`--proxy-bypass-list=<-loopback>`), and resolves no name itself: the resolver
//! rules always end in `MAP * ~NOTFOUND`, after an `EXCLUDE` of the proxy's own address (the
//! catch-all would cover that IP literal too), and WebRTC may not send UDP around the proxy.
//! Without one, `--no-proxy-server`.
//!
//! Certificate errors are ignored (`--ignore-certificate-errors`): phishing sites often have
//! bad certificates, and Chromium upgrades HSTS-preloaded names (every `.dev`, `.app`, …) to
//! `https://` even when asked for `http://`; the capturer records what was wrong instead.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The pool's shape and the browser's launch settings.
/// Loopback ports that belong to the capture machinery itself (the proxy, each browser's
/// DevTools endpoint): no page may connect to them.
pub type ControlPorts = Arc<Mutex<HashSet<u16>>>;

#[derive(Debug, Clone)]
pub struct BrowserConfig {
    /// The Chromium executable.
    pub chromium: PathBuf,
    /// Browsers running at once.
    pub browsers: usize,
    /// Pages captured at once in one browser (one worker thread and one tab each).
    pub tabs_per_browser: usize,
    /// A browser is replaced after this many pages.
    pub pages_per_browser: usize,
    /// Extra time past a page's deadline before the watchdog kills its browser.
    pub watchdog_grace: Duration,
    /// A browser idle longer than this is replaced before its next page (headless_chrome
    /// drops connections that see no event for `idle_timeout`).
    pub max_idle: Duration,
    /// headless_chrome's idle timeout (also its per-call timeout).
    pub idle_timeout: Duration,
    /// Host names mapped to addresses (`*.suffix` allowed), passed as resolver rules.
    pub host_map: Vec<(String, IpAddr)>,
    /// Refuse every name the map does not list.
    pub sealed: bool,
    /// The HTTP proxy every connection goes through (the caller's guard), if any.
    pub proxy: Option<SocketAddr>,
    /// Where each browser's DevTools port is registered while it runs, so that the proxy can
    /// refuse pages a connection to it.
    pub control_ports: Option<ControlPorts>,
    /// Viewport size in CSS pixels.
    pub viewport: (u32, u32),
}

impl Default for BrowserConfig {
    fn default() -> Self {
        BrowserConfig {
            chromium: PathBuf::from("/usr/bin/chromium"),
            browsers: 1,
            tabs_per_browser: 2,
            pages_per_browser: 50,
            watchdog_grace: Duration::from_secs(10),
            max_idle: Duration::from_secs(20 * 60),
            idle_timeout: Duration::from_secs(3600),
            host_map: Vec::new(),
            sealed: false,
            proxy: None,
            control_ports: None,
            viewport: (1366, 768),
        }
    }
}

/// headless_chrome defaults Trawl drops: popups must stay blocked, and the feature list is
/// replaced by [`DISABLED_FEATURES`] (Chromium reads only one `--disable-features`).
pub const DROPPED_DEFAULT_ARGS: [&str; 2] = [
    "--disable-popup-blocking",
    "--disable-features=TranslateUI,BlinkGenPropertyTrees",
];

/// Features turned off: the defaults headless_chrome disables, plus HTTPS upgrades (they
/// would change the URL asked for) and services that phone home.
pub const DISABLED_FEATURES: &str = "--disable-features=TranslateUI,BlinkGenPropertyTrees,\
    HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,OptimizationHints,MediaRouter,\
    AutofillServerCommunication,CertificateTransparencyComponentUpdater";

impl BrowserConfig {
    /// Extra flags for one browser (headless_chrome adds `--headless`, `--no-sandbox`,
    /// `--disable-gpu`, `--user-data-dir` and its defaults).
    pub fn chromium_args(&self) -> Vec<String> {
        let mut args: Vec<String> = [
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--mute-audio",
            "--no-default-browser-check",
            "--deny-permission-prompts",
            "--safebrowsing-disable-auto-update",
            "--hide-scrollbars",
            // Capture sites with bad certificates anyway (validity is recorded, not enforced).
            "--ignore-certificate-errors",
            DISABLED_FEATURES,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        match self.proxy {
            Some(proxy) => args.extend([
                format!("--proxy-server=http://{proxy}"),
                // Loopback too: Chromium bypasses the proxy for it unless told not to.
                "--proxy-bypass-list=<-loopback>".to_owned(),
                "--force-webrtc-ip-handling-policy=disable_non_proxied_udp".to_owned(),
            ]),
            None => args.push("--no-proxy-server".to_owned()),
        }
        if let Some(rules) = self.resolver_rules() {
            args.push(format!("--host-resolver-rules={rules}"));
        }
        args
    }

    /// The `--host-resolver-rules` value, or `None` when nothing is mapped or sealed. With a
    /// proxy the browser needs no name resolved, so the rules are always sealed.
    pub fn resolver_rules(&self) -> Option<String> {
        let mut rules: Vec<String> = self
            .host_map
            .iter()
            .map(|(host, ip)| match ip {
                IpAddr::V4(v4) => format!("MAP {host} {v4}"),
                IpAddr::V6(v6) => format!("MAP {host} [{v6}]"),
            })
            .collect();
        if let Some(proxy) = self.proxy {
            // `MAP *` covers IP literals too: the proxy's address must stay itself.
            rules.push(format!("EXCLUDE {}", proxy.ip()));
        }
        if self.sealed || self.proxy.is_some() {
            rules.push("MAP * ~NOTFOUND".to_owned());
        }
        (!rules.is_empty()).then(|| rules.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_map_ends_with_a_catch_all_refusal() {
        let config = BrowserConfig {
            host_map: vec![
                ("a.test".into(), "127.0.10.1".parse().unwrap()),
                ("*.b.test".into(), "::1".parse().unwrap()),
            ],
            sealed: true,
            ..BrowserConfig::default()
        };
        assert_eq!(
            config.resolver_rules().unwrap(),
            "MAP a.test 127.0.10.1, MAP *.b.test [::1], MAP * ~NOTFOUND"
        );
        let args = config.chromium_args();
        let rules: Vec<_> = args
            .iter()
            .filter(|a| a.starts_with("--host-resolver"))
            .collect();
        assert_eq!(rules.len(), 1, "one argument, no quotes: {rules:?}");
        assert!(!rules[0].contains('"'));
    }

    #[test]
    fn no_map_and_no_seal_means_no_rules() {
        let config = BrowserConfig::default();
        assert_eq!(config.resolver_rules(), None);
        let args = config.chromium_args();
        assert!(args.iter().all(|a| !a.starts_with("--host-resolver-rules")));
        assert!(args.contains(&"--disable-quic".to_owned()));
        assert!(args.contains(&"--ignore-certificate-errors".to_owned()));
        assert_eq!(
            args.iter()
                .filter(|a| a.starts_with("--disable-features"))
                .count(),
            1
        );
        assert!(args.contains(&"--no-proxy-server".to_owned()));
    }

    #[test]
    fn a_proxy_carries_everything_and_the_browser_resolves_nothing() {
        let config = BrowserConfig {
            host_map: vec![("a.test".into(), "127.0.10.1".parse().unwrap())],
            proxy: Some("127.0.0.1:4321".parse().unwrap()),
            ..BrowserConfig::default()
        };
        let args = config.chromium_args();
        for expected in [
            "--proxy-server=http://127.0.0.1:4321",
            "--proxy-bypass-list=<-loopback>",
            "--disable-quic",
            "--host-resolver-rules=MAP a.test 127.0.10.1, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND",
        ] {
            assert!(args.contains(&expected.to_owned()), "{expected}: {args:?}");
        }
        assert!(!args.contains(&"--no-proxy-server".to_owned()));
    }
}
