//! One launched Chromium ([`Instance`]) and one worker's tab in it ([`WorkerTab`]).
//!
//! An instance owns its profile folder and its process tree: dropping it (when the pool and
//! every worker have let go) kills the tree and removes the folder. A worker tab is set up
//! once — network events, request interception by the page's policy, downloads into the
//! tab's own folder, the viewport, popups refused, focus emulated — and then reused page after
//! page. Focus emulation makes every tab render as the focused one: without it only the
//! browser's foreground tab draws focus styles (an `autofocus` field's ring), so the same page
//! gave different screenshots depending on which of a browser's tabs captured it. Each worker's
//! tab is opened in its own window, in the foreground: a background tab's renderer is
//! throttled, and `Page.captureScreenshot` on it sometimes never answered (one page in 62 per
//! corpus run, with two tabs per browser).

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::{Emulation, Network, Page, Target};
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::json;

use crate::BrowserError;
use crate::calls::{call, method};
use crate::config::{BrowserConfig, ControlPorts, DROPPED_DEFAULT_ARGS};
use crate::driver::Driver;
use crate::link::{Link, SharedPolicy};
use crate::page::{AllowAll, PageRequest, PageResult};
use crate::process::kill_tree;
use crate::recorder::{PageState, listener};

/// Runs before any page script: `window.open` opens nothing (the popup blocker is on too).
const NO_POPUPS_JS: &str = "window.open = function () { return null; };";

/// A running browser.
pub(crate) struct Instance {
    browser: Browser,
    generation: u64,
    pid: Option<u32>,
    pages: AtomicUsize,
    retired: AtomicBool,
    killed: AtomicBool,
    last_used: Mutex<Instant>,
    /// Targets known not to be popups (the workers' own tabs): not asked about again.
    not_popups: Mutex<HashSet<String>>,
    profile: tempfile::TempDir,
    /// The registry its DevTools port is listed in while it runs, and the port.
    control: Option<(ControlPorts, u16)>,
}

impl Instance {
    /// Launches Chromium with `config`'s flags and a fresh profile.
    pub fn launch(config: &BrowserConfig, generation: u64) -> Result<Instance, BrowserError> {
        let profile = tempfile::Builder::new()
            .prefix("trawl-chromium-")
            .tempdir_in(crate::pool::profile_root())
            .map_err(|e| BrowserError::Launch(format!("no profile folder: {e}")))?;
        let args = config.chromium_args();
        let options = LaunchOptions {
            headless: true,
            sandbox: false,
            enable_gpu: false,
            window_size: Some(config.viewport),
            path: Some(config.chromium.clone()),
            user_data_dir: Some(profile.path().join("profile")),
            idle_browser_timeout: config.idle_timeout,
            args: args.iter().map(OsStr::new).collect(),
            ignore_default_args: DROPPED_DEFAULT_ARGS.iter().map(OsStr::new).collect(),
            ..LaunchOptions::default()
        };
        let browser = Browser::new(options).map_err(|e| BrowserError::Launch(e.to_string()))?;
        let pid = browser.get_process_id();
        let control_port = url::Url::parse(&browser.get_ws_url())
            .ok()
            .and_then(|u| u.port());
        let control_ports = config.control_ports.clone();
        if let (Some(ports), Some(port)) = (&control_ports, control_port) {
            ports.lock().unwrap_or_else(|e| e.into_inner()).insert(port);
        }
        Ok(Instance {
            browser,
            generation,
            pid,
            pages: AtomicUsize::new(0),
            retired: AtomicBool::new(false),
            killed: AtomicBool::new(false),
            last_used: Mutex::new(Instant::now()),
            not_popups: Mutex::new(HashSet::new()),
            profile,
            control: control_ports.zip(control_port),
        })
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Still fit for a new page: not retired, not killed, not idle too long, answering.
    pub fn usable(&self, max_idle: Duration) -> bool {
        if self.retired.load(Ordering::SeqCst) || self.killed.load(Ordering::SeqCst) {
            return false;
        }
        let idle = self.last_used.lock().map_or(Duration::MAX, |t| t.elapsed());
        idle < max_idle && self.browser.get_version().is_ok()
    }

    /// Counts a finished page; returns the count.
    pub fn count_page(&self) -> usize {
        if let Ok(mut t) = self.last_used.lock() {
            *t = Instant::now();
        }
        self.pages.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
    }

    pub fn killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    /// Kills the process tree now (the watchdog); calls in progress fail.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.retire();
        if let Some(pid) = self.pid {
            kill_tree(pid);
        }
    }

    /// Closes page targets the pages opened (popups); returns how many. Called many times a
    /// second while pages load: a target is asked about once, and only when it is new.
    fn close_popups(&self, own: &[String]) -> u32 {
        let tabs: Vec<Arc<Tab>> = match self.browser.get_tabs().lock() {
            Ok(tabs) => tabs.iter().cloned().collect(),
            Err(_) => return 0,
        };
        let mut closed = 0;
        for tab in tabs {
            let id = tab.get_target_id();
            let known = self.not_popups.lock().is_ok_and(|k| k.contains(id));
            if known || own.contains(id) {
                continue;
            }
            let opened_by_page = match tab.get_target_info() {
                Ok(info) => info.opener_id.is_some(),
                Err(_) => continue,
            };
            if !opened_by_page {
                if let Ok(mut known) = self.not_popups.lock() {
                    known.insert(id.clone());
                }
                continue;
            }
            let close = method::<Target::CloseTarget>(json!({"targetId": id}));
            if call(&tab, Duration::from_secs(2), close).is_ok() {
                closed += 1;
            }
        }
        closed
    }

    fn downloads_dir(&self, worker: usize) -> PathBuf {
        self.profile.path().join(format!("downloads-{worker}"))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(pid) = self.pid {
            kill_tree(pid);
        }
        if let Some((ports, port)) = &self.control {
            ports.lock().unwrap_or_else(|e| e.into_inner()).remove(port);
        }
        tracing::debug!(generation = self.generation, "browser stopped");
    }
}

/// One worker's reusable tab in one browser.
pub(crate) struct WorkerTab {
    generation: u64,
    tab: Arc<Tab>,
    state: Arc<Mutex<PageState>>,
    policy: SharedPolicy,
    /// The driver's own connection to the tab (also answers its paused requests).
    link: Link,
    user_agent: Mutex<Option<String>>,
    downloads: PathBuf,
}

impl WorkerTab {
    /// Opens and prepares a tab for worker `worker` in `instance`.
    pub fn open(
        instance: &Instance,
        worker: usize,
        viewport: (u32, u32),
    ) -> Result<WorkerTab, String> {
        let target = method::<Target::CreateTarget>(json!({
            "url": "about:blank",
            "width": viewport.0,
            "height": viewport.1,
            "newWindow": true,
            "background": false
        }));
        let tab = instance
            .browser
            .new_tab_with_options(target)
            .map_err(|e| e.to_string())?;
        let state = Arc::new(Mutex::new(PageState::new(tab.get_target_id())));
        let policy: SharedPolicy = Arc::new(Mutex::new(Arc::new(AllowAll)));
        let downloads = instance.downloads_dir(worker);
        std::fs::create_dir_all(&downloads).map_err(|e| format!("no download folder: {e}"))?;

        tab.add_event_listener(Arc::new(listener(state.clone(), Arc::downgrade(&tab))))
            .map_err(|e| e.to_string())?;
        let link = Link::start(
            &instance.browser.get_ws_url(),
            tab.get_target_id(),
            state.clone(),
            policy.clone(),
        )?;

        let limit = Duration::from_secs(5);
        let steps: Vec<Result<(), crate::calls::CallError>> = vec![
            call(&tab, limit, method::<Network::Enable>(json!({
                "maxTotalBufferSize": 64 * 1024 * 1024,
                "maxResourceBufferSize": 8 * 1024 * 1024
            })))
            .map(drop),
            call(&tab, limit, method::<Page::SetDownloadBehavior>(json!({
                "behavior": "allow",
                "downloadPath": downloads.display().to_string()
            })))
            .map(drop),
            call(&tab, limit, method::<Emulation::SetDeviceMetricsOverride>(json!({
                "width": viewport.0, "height": viewport.1, "deviceScaleFactor": 1, "mobile": false
            })))
            .map(drop),
            call(&tab, limit, method::<Emulation::SetFocusEmulationEnabled>(json!({
                "enabled": true
            })))
            .map(drop),
            call(&tab, limit, method::<Page::AddScriptToEvaluateOnNewDocument>(json!({
                "source": NO_POPUPS_JS
            })))
            .map(drop),
        ];
        if let Some(Err(e)) = steps.into_iter().find(Result::is_err) {
            return Err(e.to_string());
        }
        Ok(WorkerTab {
            generation: instance.generation,
            tab,
            state,
            policy,
            link,
            user_agent: Mutex::new(None),
            downloads,
        })
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Captures one page in this tab.
    pub fn capture(&self, instance: &Instance, req: &PageRequest) -> PageResult {
        if let Ok(mut p) = self.policy.lock() {
            *p = req.policy.clone();
        }
        let own = vec![self.tab.get_target_id().clone()];
        let close_popups = || instance.close_popups(&own);
        let driver = Driver {
            tab: &self.tab,
            link: &self.link,
            state: &self.state,
            downloads_dir: &self.downloads,
            user_agent: &self.user_agent,
            viewport: (1366, 768),
            close_popups: &close_popups,
        };
        driver.capture(req)
    }

    /// Closes the tab (bounded; a dead browser just fails the call).
    pub fn close(self) {
        let close = method::<Target::CloseTarget>(json!({"targetId": self.tab.get_target_id()}));
        let _ = call(&self.tab, Duration::from_secs(2), close);
    }
}
