"""Lookyloo's capture library (PyPI `PlaywrightCapture`) on a URL list.

For bench/full_capture_lookyloo.sh.

Run from a throwaway virtualenv (see full_capture_lookyloo.sh). Usage:
    lookyloo_capture.py URL_LIST RESOLVE_FILE PARALLEL SETTLE_SECONDS TIMEOUT_SECONDS
Prints one JSON line per URL (url, ok, error, seconds) and a final summary line.

Loopback only: Playwright's launch is patched to run Debian's /usr/bin/chromium with
`--no-sandbox` and `--host-resolver-rules` built from RESOLVE_FILE, sealed with
`MAP * ~NOTFOUND`; the library's own HTTP client (favicons, reCAPTCHA audio, timestamps) is
disabled so nothing resolves names outside the browser.
"""
import asyncio
import json
import sys
import time

import aiohttp
from playwright.async_api._generated import BrowserType
from playwrightcapture import Capture
from lookyloo_models import CaptureSettings

import os
LOGLEVEL = os.environ.get("PWC_LOGLEVEL", "ERROR")
import logging
logging.basicConfig(level=LOGLEVEL, format="%(asctime)s %(message)s")
urls_file, resolve_file, parallel, settle, timeout = sys.argv[1:6]
parallel, settle, timeout = int(parallel), int(settle), int(timeout)

rules = []
for line in open(resolve_file):
    line = line.strip()
    if line and not line.startswith("#") and "=" in line:
        host, ip = line.split("=", 1)
        rules.append(f"MAP {host} {ip}")
rules.append("MAP * ~NOTFOUND")
RESOLVER = "--host-resolver-rules=" + ", ".join(rules)

_launch = BrowserType.launch


async def launch(self, **kwargs):
    kwargs.pop("channel", None)
    kwargs["executable_path"] = "/usr/bin/chromium"
    kwargs["args"] = list(kwargs.get("args") or []) + ["--no-sandbox", RESOLVER]
    return await _launch(self, **kwargs)


BrowserType.launch = launch


class NoNetwork:
    def __init__(self, *a, **k):
        raise RuntimeError("bench: the library's own HTTP client is disabled (loopback only)")


aiohttp.ClientSession = NoNetwork


async def no_favicons(self, *a, **k):
    return set()


async def no_solver(self, *a, **k):
    return False


Capture.get_favicons = no_favicons
Capture._recaptcha_solver = no_solver

# Same settle policy as Trawl: the library's fixed waits (5 s after load, 5-10 s around
# instrumentation, final_wait of at least 5 s) are cut to SETTLE_SECONDS.
_wait = Capture._wait_for_random_timeout


async def settle_wait(self, page, seconds):
    await page.wait_for_timeout(min(seconds, settle) * 1000)


Capture._wait_for_random_timeout = settle_wait


async def one(url, sem):
    async with sem:
        start = time.monotonic()
        settings = CaptureSettings(url=url, browser="chromium", headless=True,
                                   general_timeout_in_sec=timeout, final_wait=settle,
                                   with_favicon=False)
        error = None
        try:
            async with Capture(capture_settings=settings, only_global_lookup=False,
                               loglevel=LOGLEVEL) as capture:
                await capture.initialize_context()
                result = await capture.capture_page(url, max_depth_capture_time=timeout)
                error = result.get("error")
                ok = bool(result.get("html")) and bool(result.get("png"))
        except Exception as e:  # report, keep going
            ok, error = False, f"{type(e).__name__}: {e}"
        secs = time.monotonic() - start
        print(json.dumps({"url": url, "ok": ok, "error": error, "seconds": round(secs, 2)}),
              flush=True)
        return ok


async def main():
    urls = [u.strip() for u in open(urls_file) if u.strip()]
    sem = asyncio.Semaphore(parallel)
    start = time.monotonic()
    oks = await asyncio.gather(*(one(u, sem) for u in urls))
    secs = time.monotonic() - start
    print(json.dumps({"summary": True, "targets": len(urls), "ok": sum(oks),
                      "seconds": round(secs, 1), "per_min": round(len(urls) * 60 / secs, 1)}))


asyncio.run(main())
