//! Reading response bodies out of the browser while the page is still settling.
//!
//! Chromium keeps each response body in the tab's network buffer; `Network.getResponseBody`
//! reads one per call. Read one after the other at the end of a capture, a page with many
//! sub-resources spent most of its time there. The [`BodyReader`] starts a read as soon as a
//! request has finished (the driver feeds it while it waits for the page to go quiet), keeps
//! a bounded number of reads in progress, and hands the bodies over when the page is
//! collected.
//!
//! Error policy: a read that fails, or is not answered within [`READ_LIMIT`] or by the
//! page's deadline, gives no body (the resource is still recorded); it never fails the page.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Network;
use serde_json::json;

use crate::calls::{Pending, method, start};
use crate::page::Body;

/// Reads in progress at once per tab.
pub(crate) const PARALLEL_READS: usize = 6;
/// Longest wait for one body.
pub(crate) const READ_LIMIT: Duration = Duration::from_secs(2);
/// How long [`BodyReader::finish`] sleeps between looks at the reads in progress.
const FINISH_POLL: Duration = Duration::from_millis(5);

type Answer = Network::GetResponseBodyReturnObject;

struct Read {
    request_id: String,
    cap: usize,
    started: Instant,
    answer: Pending<Answer>,
}

/// The bodies of one page, read a bounded number at a time.
pub(crate) struct BodyReader<'a> {
    tab: &'a Arc<Tab>,
    parallel: usize,
    queued: VecDeque<(String, usize)>,
    reading: Vec<Read>,
    asked: HashSet<String>,
    bodies: HashMap<String, Body>,
}

impl<'a> BodyReader<'a> {
    /// A reader for `tab` with at most `parallel` reads in progress.
    pub fn new(tab: &'a Arc<Tab>, parallel: usize) -> Self {
        BodyReader {
            tab,
            parallel: parallel.max(1),
            queued: VecDeque::new(),
            reading: Vec::new(),
            asked: HashSet::new(),
            bodies: HashMap::new(),
        }
    }

    /// Whether the body of `request_id` was already asked for.
    pub fn asked(&self, request_id: &str) -> bool {
        self.asked.contains(request_id)
    }

    /// Queues a read of the body of a finished request, cut at `cap` bytes (once per
    /// request); it starts at the next [`BodyReader::pump`].
    pub fn ask(&mut self, request_id: &str, cap: usize) {
        if self.asked.insert(request_id.to_owned()) {
            self.queued.push_back((request_id.to_owned(), cap));
        }
    }

    /// Takes in the answers that arrived and starts queued reads, none past `deadline`.
    pub fn pump(&mut self, deadline: Instant) {
        let now = Instant::now();
        let mut i = 0;
        while i < self.reading.len() {
            let read = &self.reading[i];
            let answer = read.answer.poll();
            let overdue = now >= deadline || now - read.started >= READ_LIMIT;
            if answer.is_none() && !overdue {
                i += 1;
                continue;
            }
            let read = self.reading.swap_remove(i);
            if let Some(body) = answer
                .and_then(Result::ok)
                .and_then(|a| decode(a, read.cap))
            {
                self.bodies.insert(read.request_id, body);
            }
        }
        while self.reading.len() < self.parallel && now < deadline {
            let Some((request_id, cap)) = self.queued.pop_front() else {
                break;
            };
            let get = method::<Network::GetResponseBody>(json!({"requestId": request_id}));
            self.reading.push(Read {
                answer: start(self.tab, get),
                request_id,
                cap,
                started: now,
            });
        }
    }

    /// Waits until every body asked for has been read, failed or given up on (at
    /// `deadline` at the latest). Reads not started by then are dropped.
    pub fn finish(&mut self, deadline: Instant) {
        loop {
            self.pump(deadline);
            if self.reading.is_empty() && (self.queued.is_empty() || Instant::now() >= deadline) {
                self.queued.clear();
                return;
            }
            std::thread::sleep(FINISH_POLL);
        }
    }

    /// The body read for `request_id`, if any (moved out).
    pub fn take(&mut self, request_id: &str) -> Option<Body> {
        self.bodies.remove(request_id)
    }
}

fn decode(answer: Answer, cap: usize) -> Option<Body> {
    let bytes = if answer.base_64_encoded {
        base64::engine::general_purpose::STANDARD
            .decode(answer.body)
            .ok()?
    } else {
        answer.body.into_bytes()
    };
    Some(capped(bytes, cap))
}

/// `bytes` cut at `cap`.
pub(crate) fn capped(mut bytes: Vec<u8>, cap: usize) -> Body {
    let truncated = bytes.len() > cap;
    bytes.truncate(cap);
    Body { bytes, truncated }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_cut_at_the_cap() {
        let body = capped(vec![1; 10], 4);
        assert_eq!((body.bytes.len(), body.truncated), (4, true));
        assert!(!capped(vec![1; 4], 4).truncated);
    }

    #[test]
    fn base64_answers_are_decoded_and_text_kept_as_is() {
        let encoded = Answer {
            body: "aGVsbG8=".to_owned(),
            base_64_encoded: true,
        };
        assert_eq!(decode(encoded, 10).unwrap().bytes, b"hello");
        let text = Answer {
            body: "héllo".to_owned(),
            base_64_encoded: false,
        };
        let body = decode(text, 3).unwrap();
        assert_eq!(
            (body.bytes.as_slice(), body.truncated),
            (&b"h\xc3\xa9"[..], true)
        );
        let broken = Answer {
            body: "!!".to_owned(),
            base_64_encoded: true,
        };
        assert!(decode(broken, 10).is_none());
    }
}
