//! The browser pool: K Chromium processes, each driven by a fixed number of worker threads
//! with one reusable tab each, fed from one queue.
//!
//! Lifecycle policy:
//! - A browser is launched on first use, with a fresh profile in a temporary folder, and is
//!   replaced after `pages_per_browser` pages, after any protocol error or hung call, after
//!   the watchdog killed it, and when it sat idle longer than `max_idle`. Replacement is
//!   graceful: the slot forgets the old browser; it is killed (process tree) when the last
//!   worker still using it drops it.
//! - A tab is created once per worker per browser (a new tab costs about 0.6 s) and
//!   re-navigated for every page.
//! - The watchdog kills a browser whose page runs past its deadline plus `watchdog_grace`;
//!   the page then ends with an error naming the watchdog and the pool heals by launching a
//!   new browser for the next page.
//! - [`BrowserPool::shutdown`] answers queued pages with an error, waits for running pages
//!   (each bounded by its deadline and the watchdog) and kills every browser.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::BrowserError;
use crate::config::BrowserConfig;
use crate::instance::{Instance, WorkerTab};
use crate::page::{PageRequest, PageResult};

type Done = Box<dyn FnOnce(PageResult) + Send>;

struct Job {
    req: PageRequest,
    done: Done,
}

/// A page in progress, as the watchdog sees it.
struct Busy {
    kill_at: Instant,
    instance: Arc<Instance>,
}

struct Slot {
    current: Mutex<Option<Arc<Instance>>>,
}

struct Inner {
    config: BrowserConfig,
    queue: Mutex<VecDeque<Job>>,
    wake: Condvar,
    stopping: AtomicBool,
    slots: Vec<Slot>,
    busy: Mutex<Vec<Option<Busy>>>,
    generation: AtomicU64,
    launched: AtomicUsize,
    killed: AtomicUsize,
}

/// Counters for logs and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Browsers launched so far.
    pub launched: usize,
    /// Browsers the watchdog killed.
    pub killed_by_watchdog: usize,
}

/// A pool of headless Chromium browsers; see the module documentation.
pub struct BrowserPool {
    inner: Arc<Inner>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl BrowserPool {
    /// Starts the worker threads and the watchdog. Fails when the executable is missing;
    /// browsers themselves are launched on first use.
    pub fn start(config: BrowserConfig) -> Result<BrowserPool, BrowserError> {
        if !config.chromium.is_file() {
            return Err(BrowserError::Missing(config.chromium.clone()));
        }
        let workers = config.browsers.max(1) * config.tabs_per_browser.max(1);
        let inner = Arc::new(Inner {
            slots: (0..config.browsers.max(1))
                .map(|_| Slot {
                    current: Mutex::new(None),
                })
                .collect(),
            busy: Mutex::new((0..workers).map(|_| None).collect()),
            config,
            queue: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
            stopping: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            launched: AtomicUsize::new(0),
            killed: AtomicUsize::new(0),
        });
        let mut threads = Vec::new();
        for index in 0..workers {
            let inner = inner.clone();
            let slot = index / inner.config.tabs_per_browser.max(1);
            let thread = std::thread::Builder::new()
                .name(format!("browser-{slot}-tab-{index}"))
                .spawn(move || worker(&inner, index, slot))
                .map_err(BrowserError::Thread)?;
            threads.push(thread);
        }
        let watchdog_inner = inner.clone();
        let watchdog = std::thread::Builder::new()
            .name("browser-watchdog".to_owned())
            .spawn(move || watchdog(&watchdog_inner))
            .map_err(BrowserError::Thread)?;
        threads.push(watchdog);
        Ok(BrowserPool {
            inner,
            threads: Mutex::new(threads),
        })
    }

    /// Pages captured at once.
    pub fn capacity(&self) -> usize {
        self.inner.busy.lock().map_or(0, |b| b.len())
    }

    /// Queues `req`; `done` is called with the result on a pool thread (with an error result
    /// when the pool is shutting down).
    pub fn submit(&self, req: PageRequest, done: impl FnOnce(PageResult) + Send + 'static) {
        if self.inner.stopping.load(Ordering::SeqCst) {
            done(refused(&req));
            return;
        }
        let job = Job {
            req,
            done: Box::new(done),
        };
        self.inner.queue.lock().expect("pool queue").push_back(job);
        self.inner.wake.notify_one();
    }

    /// Captures `req` on the calling thread's behalf, blocking until it is done.
    pub fn capture_blocking(&self, req: PageRequest) -> PageResult {
        let (tx, rx) = std::sync::mpsc::channel();
        let url = req.url.clone();
        self.submit(req, move |r| {
            let _ = tx.send(r);
        });
        rx.recv().unwrap_or_else(|_| PageResult {
            final_url: url,
            error: Some("browser pool stopped".to_owned()),
            ..PageResult::default()
        })
    }

    /// Launch and watchdog counters.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            launched: self.inner.launched.load(Ordering::SeqCst),
            killed_by_watchdog: self.inner.killed.load(Ordering::SeqCst),
        }
    }

    /// Stops the pool: queued pages are refused, running pages finish, browsers are killed.
    /// Idempotent.
    pub fn shutdown(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.wake.notify_all();
        let threads = std::mem::take(&mut *self.threads.lock().expect("pool threads"));
        for thread in threads {
            let _ = thread.join();
        }
        for slot in &self.inner.slots {
            slot.current.lock().expect("pool slot").take();
        }
    }
}

impl Drop for BrowserPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn refused(req: &PageRequest) -> PageResult {
    PageResult {
        final_url: req.url.clone(),
        error: Some("browser pool is shutting down".to_owned()),
        ..PageResult::default()
    }
}

impl Inner {
    /// The next job, or `None` when stopping (queued jobs are answered with an error).
    fn next_job(&self) -> Option<Job> {
        let mut queue = self.queue.lock().expect("pool queue");
        loop {
            if self.stopping.load(Ordering::SeqCst) {
                for job in queue.drain(..) {
                    (job.done)(refused(&job.req));
                }
                return None;
            }
            if let Some(job) = queue.pop_front() {
                return Some(job);
            }
            queue = self
                .wake
                .wait_timeout(queue, Duration::from_millis(500))
                .expect("pool queue")
                .0;
        }
    }

    /// The slot's live browser, launching one when needed.
    fn browser(&self, slot: usize) -> Result<Arc<Instance>, BrowserError> {
        let mut current = self.slots[slot].current.lock().expect("pool slot");
        if let Some(instance) = current.as_ref()
            && instance.usable(self.config.max_idle)
        {
            return Ok(instance.clone());
        }
        current.take();
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let instance = Arc::new(Instance::launch(&self.config, generation)?);
        self.launched.fetch_add(1, Ordering::SeqCst);
        tracing::info!(slot, generation, pid = ?instance.pid(), "browser launched");
        *current = Some(instance.clone());
        Ok(instance)
    }

    /// Makes the slot forget `instance` (it dies when its last user drops it).
    fn retire(&self, slot: usize, instance: &Instance, why: &str) {
        instance.retire();
        let mut current = self.slots[slot].current.lock().expect("pool slot");
        if current
            .as_ref()
            .is_some_and(|c| c.generation() == instance.generation())
        {
            current.take();
            tracing::debug!(
                slot,
                generation = instance.generation(),
                why,
                "browser retired"
            );
        }
    }
}

fn worker(inner: &Inner, index: usize, slot: usize) {
    let mut tab: Option<WorkerTab> = None;
    while let Some(job) = inner.next_job() {
        let result = run_job(inner, index, slot, &mut tab, &job.req);
        (job.done)(result);
    }
    if let Some(tab) = tab.take() {
        tab.close();
    }
}

fn run_job(
    inner: &Inner,
    index: usize,
    slot: usize,
    tab: &mut Option<WorkerTab>,
    req: &PageRequest,
) -> PageResult {
    let failed = |error: String| PageResult {
        final_url: req.url.clone(),
        error: Some(error),
        browser_failed: true,
        ..PageResult::default()
    };
    let instance = match inner.browser(slot) {
        Ok(instance) => instance,
        Err(e) => return failed(e.to_string()),
    };
    if tab
        .as_ref()
        .is_none_or(|t| t.generation() != instance.generation())
    {
        if let Some(old) = tab.take() {
            old.close();
        }
        match WorkerTab::open(&instance, index, inner.config.viewport) {
            Ok(opened) => *tab = Some(opened),
            Err(e) => {
                inner.retire(slot, &instance, "tab setup failed");
                return failed(format!("browser tab setup failed: {e}"));
            }
        }
    }
    let worker_tab = tab.as_ref().expect("tab opened above");

    let kill_at = Instant::now() + req.total_timeout + inner.config.watchdog_grace;
    inner.busy.lock().expect("pool busy")[index] = Some(Busy {
        kill_at,
        instance: instance.clone(),
    });
    let mut result = worker_tab.capture(&instance, req);
    inner.busy.lock().expect("pool busy")[index] = None;

    if instance.killed() {
        let limit = req.total_timeout + inner.config.watchdog_grace;
        result.error = Some(format!("browser killed by the watchdog after {limit:?}"));
        result.browser_failed = true;
    }
    let pages = instance.count_page();
    if result.browser_failed {
        inner.retire(slot, &instance, "protocol error or hang");
    } else if pages >= inner.config.pages_per_browser {
        inner.retire(slot, &instance, "page quota reached");
    }
    if result.browser_failed
        && let Some(old) = tab.take()
    {
        old.close();
    }
    result
}

fn watchdog(inner: &Inner) {
    while !inner.stopping.load(Ordering::SeqCst)
        || inner
            .busy
            .lock()
            .is_ok_and(|b| b.iter().any(Option::is_some))
    {
        std::thread::sleep(Duration::from_millis(250));
        let now = Instant::now();
        let overdue: Vec<Arc<Instance>> = inner
            .busy
            .lock()
            .expect("pool busy")
            .iter()
            .flatten()
            .filter(|b| now >= b.kill_at && !b.instance.killed())
            .map(|b| b.instance.clone())
            .collect();
        for instance in overdue {
            tracing::warn!(
                generation = instance.generation(),
                "watchdog: page overran its deadline, killing its browser"
            );
            instance.kill();
            inner.killed.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Where a browser keeps its profile and downloads.
pub(crate) fn profile_root() -> PathBuf {
    std::env::temp_dir()
}
