//! The script sandbox: running a page's inline scripts in QuickJS to see where they navigate.
//!
//! Redirector kits hide their target (char codes, `eval(atob(…))`, string timer callbacks), so
//! the fast capturer cannot always find it by reading the script (`script_redirect`). This
//! module runs the page's inline `<script>` blocks in document order in a fresh QuickJS runtime
//! per page, inside a stub browser (`sandbox_prelude.js`): `window`, `document`, `location`,
//! `navigator`, timers, load events, `document.write`, `atob`… The first navigation (setting
//! `location`, `location.href`, `assign`, `replace`, `window.open(…, '_self')`, clicking a
//! scripted `<a>`) is recorded and stops the page. After the scripts, `DOMContentLoaded` and
//! `load` handlers run, then queued timers in virtual-time order. Inline scripts written by
//! `document.write` run after the script that wrote them; a meta refresh written that way
//! counts when nothing navigated.
//!
//! What the page's code can reach is the pure engine plus the prelude: no network, files,
//! clock-driven timers or host objects. External scripts (`src=`) are neither fetched nor run;
//! `fetch` and `XMLHttpRequest` never answer; element event handlers (clicks) never fire.
//!
//! Bounds, per page ([`SandboxLimits`]): engine memory, native stack, a wall-clock budget
//! enforced by QuickJS's interrupt handler (so `while(true){}` ends), total script bytes, and
//! queued callbacks. Running the engine blocks, so [`run_detached`] runs it on tokio's blocking
//! pool; the runtime is created, used and dropped inside that closure (it is not `Send`).
//!
//! Error policy: a page's script errors are data ([`SandboxReport::errors`]) and the next script
//! still runs, as in a browser. [`run`] fails only when the engine cannot start; nothing here
//! panics on hostile input.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::{Coerced, Context, Ctx, Exception, FromJs, Function, Object, Runtime, Value};
use scraper::{Html, Selector};
use url::Url;

use super::model::HopKind;
use super::redirect::{self, NextHop};
use super::script_redirect::is_javascript;

const PRELUDE: &str = include_str!("sandbox_prelude.js");

/// Bytes of `document.write` output kept per page.
const MAX_WRITTEN_BYTES: usize = 1024 * 1024;
/// Promise jobs run after each script or callback.
const MAX_JOBS_PER_STEP: usize = 1000;
/// Script errors and `window.open` targets kept in a report.
const MAX_NOTES: usize = 10;

/// How much one page's scripts may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Wall-clock time for the whole page: engine start, scripts, handlers and timers.
    pub budget: Duration,
    /// Memory the JavaScript engine may allocate.
    pub memory_bytes: usize,
    /// Native stack the engine may use (deep recursion ends in a `RangeError`).
    pub stack_bytes: usize,
    /// Total bytes of script source run; a script that would pass it is skipped.
    pub max_script_bytes: usize,
    /// Event handlers and timer callbacks run after the scripts.
    pub max_callbacks: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            budget: Duration::from_millis(250),
            memory_bytes: 32 * 1024 * 1024,
            stack_bytes: 512 * 1024,
            max_script_bytes: 512 * 1024,
            max_callbacks: 50,
        }
    }
}

/// The code a page runs as it loads: its inline scripts and its `<body onload>` attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageScripts {
    /// Inline JavaScript blocks, in document order.
    pub inline: Vec<String>,
    /// The body's `onload` attribute.
    pub body_onload: Option<String>,
}

impl PageScripts {
    /// The inline scripts (no `src`, a JavaScript type) and body `onload` of `document`.
    pub fn from_document(document: &Html) -> Self {
        let scripts = Selector::parse("script:not([src])").expect("static selector");
        let inline = document
            .select(&scripts)
            .filter(|script| is_javascript(script.value().attr("type")))
            .map(|script| script.text().collect::<String>())
            .filter(|source| !source.trim().is_empty())
            .collect();
        let body = Selector::parse("body[onload]").expect("static selector");
        let body_onload = document
            .select(&body)
            .next()
            .and_then(|body| body.value().attr("onload"))
            .map(str::to_owned);
        Self {
            inline,
            body_onload,
        }
    }

    /// Whether there is nothing to run.
    pub fn is_empty(&self) -> bool {
        self.inline.is_empty() && self.body_onload.is_none()
    }
}

/// A page to run: where it is and what it runs.
#[derive(Debug, Clone)]
pub struct SandboxPage {
    /// The document's URL (what `location` reads).
    pub url: Url,
    /// The document's base URL, against which navigation targets resolve.
    pub base: Url,
    /// What the page runs.
    pub scripts: PageScripts,
    /// `navigator.userAgent`.
    pub user_agent: String,
}

/// What running a page's scripts showed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxReport {
    /// The first navigation target, as the page wrote it (resolve it against the base URL).
    pub navigation: Option<String>,
    /// Whether that target came from a meta refresh written with `document.write`.
    pub navigation_written: bool,
    /// `window.open` targets that do not replace the page, first few.
    pub opened: Vec<String>,
    /// Uncaught script errors, first few (`inline-script-2: SyntaxError: …`).
    pub errors: Vec<String>,
    /// Whether the wall-clock budget ran out.
    pub budget_exhausted: bool,
    /// Whether the engine's memory limit was hit (a page that throws `null` itself looks the
    /// same: that is what QuickJS throws when it cannot allocate its own error).
    pub out_of_memory: bool,
    /// Scripts run, written ones included.
    pub scripts_run: usize,
    /// Scripts not run: over the byte cap, past the budget or after the navigation.
    pub scripts_skipped: usize,
    /// Event handlers and timer callbacks run.
    pub callbacks_run: usize,
    /// Time spent.
    pub elapsed: Duration,
}

/// Why the sandbox could not give a report.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The engine or its stub browser could not be set up.
    #[error("cannot start the script sandbox: {0}")]
    Engine(String),
    /// The blocking task failed (a bug: nothing in the sandbox should panic).
    #[error("the script sandbox task failed: {0}")]
    Task(String),
    /// The engine did not stop near its budget (an engine call that never checks it).
    #[error("the script sandbox did not stop within {0:?}")]
    Stalled(Duration),
}

/// Runs `page` on the blocking pool; gives up waiting (the thread may still finish later)
/// when it overruns its budget by far.
pub async fn run_detached(
    page: SandboxPage,
    limits: SandboxLimits,
) -> Result<SandboxReport, SandboxError> {
    let patience = limits.budget * 4 + Duration::from_secs(2);
    let task = tokio::task::spawn_blocking(move || run(&page, &limits));
    match tokio::time::timeout(patience, task).await {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => Err(SandboxError::Task(e.to_string())),
        Err(_) => Err(SandboxError::Stalled(patience)),
    }
}

/// The navigation `page`'s scripts perform, as a hop, logging what the sandbox saw. Targets
/// that only reload the page are left for the caller to drop.
pub(super) async fn navigation(page: SandboxPage, limits: SandboxLimits) -> Option<NextHop> {
    let url = page.url.clone();
    let base = page.base.clone();
    let report = match run_detached(page, limits).await {
        Ok(report) => report,
        Err(e) => {
            tracing::debug!(url = %url, error = %e, "script sandbox failed");
            return None;
        }
    };
    tracing::debug!(
        url = %url,
        navigation = ?report.navigation,
        written = report.navigation_written,
        scripts = report.scripts_run,
        skipped = report.scripts_skipped,
        callbacks = report.callbacks_run,
        budget_exhausted = report.budget_exhausted,
        out_of_memory = report.out_of_memory,
        errors = ?report.errors,
        opened = ?report.opened,
        elapsed_ms = report.elapsed.as_millis(),
        "script sandbox done"
    );
    let target = report.navigation?;
    let next = base.join(target.trim()).ok()?;
    Some(NextHop {
        url: next,
        kind: HopKind::Script,
    })
}

/// Runs `page`'s scripts to completion, navigation or a limit. Blocks.
pub fn run(page: &SandboxPage, limits: &SandboxLimits) -> Result<SandboxReport, SandboxError> {
    let started = Instant::now();
    let deadline = started + limits.budget;
    let engine = |e: rquickjs::Error| SandboxError::Engine(e.to_string());

    let runtime = Runtime::new().map_err(engine)?;
    runtime.set_memory_limit(limits.memory_bytes);
    runtime.set_max_stack_size(limits.stack_bytes);
    let flags = Flags::default();
    let (stop, expired) = (flags.stop.clone(), flags.expired.clone());
    runtime.set_interrupt_handler(Some(Box::new(move || {
        if !stop.get() && Instant::now() >= deadline {
            expired.set(true);
        }
        stop.get() || expired.get()
    })));
    let context = Context::full(&runtime).map_err(engine)?;

    let host = Rc::new(RefCell::new(Host::new(page)));
    let mut report = context.with(|ctx| {
        let mut run = PageRun {
            ctx: ctx.clone(),
            host: host.clone(),
            flags: flags.clone(),
            deadline,
            report: SandboxReport::default(),
        };
        run.execute(page, limits)?;
        Ok::<_, SandboxError>(run.report)
    })?;
    drop(context);
    drop(runtime);

    let mut host = host.borrow_mut();
    report.navigation = host.navigation.take();
    report.opened = std::mem::take(&mut host.opened);
    if report.navigation.is_none() {
        report.navigation = written_refresh(&host.written, &page.base);
        report.navigation_written = report.navigation.is_some();
    }
    report.budget_exhausted = flags.expired.get();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// A meta refresh in what the page wrote with `document.write`.
fn written_refresh(written: &str, base: &Url) -> Option<String> {
    if written.is_empty() {
        return None;
    }
    let document = Html::parse_document(written);
    redirect::document_redirect(&document, base).map(|next| next.url.to_string())
}

/// Flags shared with the interrupt handler.
#[derive(Debug, Clone, Default)]
struct Flags {
    /// A navigation was recorded: nothing more runs.
    stop: Rc<Cell<bool>>,
    /// The budget ran out: nothing more runs.
    expired: Rc<Cell<bool>>,
}

/// What the page's code told the stub browser, through its native functions.
#[derive(Debug)]
struct Host {
    url: Url,
    base: Url,
    navigation: Option<String>,
    opened: Vec<String>,
    written: String,
    /// How much of `written` has been looked at for scripts.
    written_seen: usize,
}

impl Host {
    fn new(page: &SandboxPage) -> Self {
        Self {
            url: page.url.clone(),
            base: page.base.clone(),
            navigation: None,
            opened: Vec::new(),
            written: String::new(),
            written_seen: 0,
        }
    }

    /// Records `target` unless it stays on the page or is not a navigation at all.
    fn navigate(&mut self, target: &str) -> bool {
        if self.navigation.is_some() {
            return true;
        }
        let Ok(next) = self.base.join(target.trim()) else {
            return false;
        };
        if next.scheme() == "javascript" || same_document(&next, &self.url) {
            return false;
        }
        self.navigation = Some(target.to_owned());
        true
    }

    fn write(&mut self, html: &str) {
        let room = MAX_WRITTEN_BYTES.saturating_sub(self.written.len());
        let mut end = html.len().min(room);
        while !html.is_char_boundary(end) {
            end -= 1;
        }
        self.written.push_str(&html[..end]);
    }

    /// Inline scripts in what was written since the last call.
    fn new_written_scripts(&mut self) -> Vec<String> {
        if self.written_seen == self.written.len() {
            return Vec::new();
        }
        let fresh = &self.written[self.written_seen..];
        self.written_seen = self.written.len();
        if !fresh.to_ascii_lowercase().contains("<script") {
            return Vec::new();
        }
        PageScripts::from_document(&Html::parse_document(fresh)).inline
    }
}

fn same_document(a: &Url, b: &Url) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}

/// One page being run inside a context.
struct PageRun<'js> {
    ctx: Ctx<'js>,
    host: Rc<RefCell<Host>>,
    flags: Flags,
    deadline: Instant,
    report: SandboxReport,
}

impl<'js> PageRun<'js> {
    fn execute(&mut self, page: &SandboxPage, limits: &SandboxLimits) -> Result<(), SandboxError> {
        let engine = |e: rquickjs::Error| match e {
            rquickjs::Error::Exception => {
                SandboxError::Engine(describe(&self.ctx, self.ctx.catch()))
            }
            other => SandboxError::Engine(other.to_string()),
        };
        let tasks = self.install(page).map_err(engine)?;
        let run_task: Function = tasks.get("runTask").map_err(engine)?;
        let set_body_onload: Function = tasks.get("setBodyOnload").map_err(engine)?;

        if let Some(code) = &page.scripts.body_onload {
            let result = set_body_onload.call::<_, ()>((code.as_str(),));
            self.note("body onload", result);
        }

        // The page's scripts, with the ones they write run right after them.
        let mut bytes_left = limits.max_script_bytes;
        let mut queue: VecDeque<String> = page.scripts.inline.iter().cloned().collect();
        while let Some(source) = queue.pop_front() {
            self.run_script(&source, &mut bytes_left);
            let written = self.host.borrow_mut().new_written_scripts();
            for (at, source) in written.into_iter().enumerate() {
                queue.insert(at, source);
            }
        }

        // Load events, then timers.
        while !self.halted() && self.report.callbacks_run < limits.max_callbacks {
            let result = run_task.call::<_, bool>(());
            if matches!(result, Ok(false)) {
                break;
            }
            self.report.callbacks_run += 1;
            self.note("callback", result);
            self.run_jobs();
            let written = self.host.borrow_mut().new_written_scripts();
            for source in written {
                self.run_script(&source, &mut bytes_left);
            }
        }
        Ok(())
    }

    /// Sets up the stub browser; returns its task functions.
    fn install(&self, page: &SandboxPage) -> rquickjs::Result<Object<'js>> {
        let mut options = EvalOptions::default();
        options.strict = false;
        options.filename = Some("trawl-prelude.js".to_owned());
        let setup: Function = self.ctx.eval_with_options(PRELUDE, options)?;
        setup.call((self.host_object()?, self.page_object(page)?))
    }

    /// The native side of the stub browser; the prelude keeps it out of the page's reach.
    fn host_object(&self) -> rquickjs::Result<Object<'js>> {
        let object = Object::new(self.ctx.clone())?;
        let (host, stop) = (self.host.clone(), self.flags.stop.clone());
        let navigate = move |target: String| {
            let taken = host.borrow_mut().navigate(&target);
            if taken {
                stop.set(true);
            }
            taken
        };
        object.set("navigate", Function::new(self.ctx.clone(), navigate)?)?;
        let host = self.host.clone();
        let opened = move |target: String| {
            let opened = &mut host.borrow_mut().opened;
            if opened.len() < MAX_NOTES {
                opened.push(target);
            }
        };
        object.set("opened", Function::new(self.ctx.clone(), opened)?)?;
        let host = self.host.clone();
        let write = move |html: String| host.borrow_mut().write(&html);
        object.set("write", Function::new(self.ctx.clone(), write)?)?;
        Ok(object)
    }

    fn page_object(&self, page: &SandboxPage) -> rquickjs::Result<Object<'js>> {
        let url = &page.url;
        let hostname = url.host_str().unwrap_or_default();
        let port = url.port().map(|p| p.to_string()).unwrap_or_default();
        let host = if port.is_empty() {
            hostname.to_owned()
        } else {
            format!("{hostname}:{port}")
        };
        let object = Object::new(self.ctx.clone())?;
        object.set("href", url.as_str())?;
        object.set("protocol", format!("{}:", url.scheme()))?;
        object.set("host", host)?;
        object.set("hostname", hostname)?;
        object.set("port", port)?;
        object.set("pathname", url.path())?;
        object.set("search", prefixed('?', url.query()))?;
        object.set("hash", prefixed('#', url.fragment()))?;
        object.set("origin", url.origin().ascii_serialization())?;
        object.set("userAgent", page.user_agent.as_str())?;
        Ok(object)
    }

    /// Runs one script and its promise jobs, unless the page is halted or the script would
    /// pass the byte cap.
    fn run_script(&mut self, source: &str, bytes_left: &mut usize) {
        if self.halted() || source.len() > *bytes_left {
            self.report.scripts_skipped += 1;
            return;
        }
        *bytes_left -= source.len();
        let number = self.report.scripts_run + 1;
        let mut options = EvalOptions::default();
        options.strict = false;
        options.filename = Some(format!("inline-script-{number}"));
        let result = self.ctx.eval_with_options::<(), _>(source, options);
        self.report.scripts_run += 1;
        self.note(&format!("inline-script-{number}"), result);
        self.run_jobs();
    }

    /// Runs pending promise jobs (their errors are swallowed, as unhandled rejections are).
    fn run_jobs(&self) {
        for _ in 0..MAX_JOBS_PER_STEP {
            if self.halted() || !self.ctx.execute_pending_job() {
                break;
            }
        }
    }

    fn halted(&self) -> bool {
        if !self.flags.stop.get() && Instant::now() >= self.deadline {
            self.flags.expired.set(true);
        }
        self.flags.stop.get() || self.flags.expired.get()
    }

    /// Records an error of `what`, unless it only is the sandbox stopping the page.
    fn note<T>(&mut self, what: &str, result: rquickjs::Result<T>) {
        let Err(error) = result else {
            return;
        };
        let (message, thrown_null) = match error {
            rquickjs::Error::Exception => {
                let thrown = self.ctx.catch();
                (describe(&self.ctx, thrown.clone()), thrown.is_null())
            }
            other => (other.to_string(), false),
        };
        if self.halted() {
            return; // the navigation sentinel, or the interrupt after it or the budget
        }
        // QuickJS throws `null` when it cannot even allocate its "out of memory" error.
        if thrown_null || message.contains("out of memory") {
            self.report.out_of_memory = true;
        }
        if self.report.errors.len() < MAX_NOTES {
            let short: String = message.chars().take(200).collect();
            self.report.errors.push(format!("{what}: {short}"));
        }
    }
}

/// `Name: message` of a thrown value.
fn describe<'js>(ctx: &Ctx<'js>, thrown: Value<'js>) -> String {
    if let Some(exception) = thrown
        .as_object()
        .and_then(|o| Exception::from_object(o.clone()))
    {
        let name: Option<Coerced<String>> = exception.get("name").ok();
        let name = name.map_or_else(|| "Error".to_owned(), |n| n.0);
        return format!("{name}: {}", exception.message().unwrap_or_default());
    }
    Coerced::<String>::from_js(ctx, thrown)
        .map(|s| format!("thrown: {}", s.0))
        .unwrap_or_else(|_| "thrown: a value that is not a string".to_owned())
}

fn prefixed(mark: char, part: Option<&str>) -> String {
    match part {
        Some(text) if !text.is_empty() => format!("{mark}{text}"),
        _ => String::new(),
    }
}

#[cfg(test)]
#[path = "script_sandbox_tests.rs"]
mod tests;
