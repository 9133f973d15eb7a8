"""The load of the scale-out drill (scripts/scaleout_drill.py): logged-in people through nginx.

Writers add entries, each with a unique text, and remember every one the server confirmed (a
302 after the POST); readers open task pages and the landing page; the office starts ledger
exports (background jobs) and opens their pages. Every request is recorded with its start, end
and status, so the drill can tell errors in flight at the kill from errors after it.
Standard library only (urllib with a cookie jar), so the drill needs nothing beyond the app.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
JOB = re.compile(r"/jobs/(\d+)/")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 302 is an answer here, not something to follow
        return None


@dataclass
class Record:
    start: float
    end: float
    status: int  # 0: no HTTP answer (connection refused, reset, timeout)
    kind: str


@dataclass
class Tally:
    records: list[Record] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)  # entry texts the server confirmed
    jobs: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


class Browser:
    """One logged-in person: a cookie jar (session and CSRF cookies) and a recorded request method."""

    def __init__(self, base: str, tally: Tally, timeout: float = 30):
        self.base, self.tally, self.timeout = base, tally, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, kind: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, body, Location) of one request; status 0 when no HTTP answer came back."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + "/"})
        start = time.time()
        status, text, location = 0, "", ""
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, text = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, location = error.code, error.headers.get("Location", "")
            text = error.read().decode(errors="replace")
        except OSError:
            status = 0
        self.tally.add(Record(start, time.time(), status, kind))
        return status, text, location

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def log_in(self, username: str, password: str) -> bool:
        for _attempt in range(5):
            status, page, _ = self.request("login", "/accounts/login/")
            token = TOKEN.search(page)
            if status == 200 and token:
                form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
                if self.request("login", "/accounts/login/", form)[0] == 302:
                    return True
            time.sleep(1)
        return False


def writer(browser: Browser, tasks: list[int], prefix: str, stop: threading.Event) -> None:
    """Entries with unique texts, round robin over the person's tasks; reads a task page now and then."""
    n = 0
    while not stop.is_set() and tasks:
        task = tasks[n % len(tasks)]
        n += 1
        text = f"{prefix}-{n}"
        status, _, _ = browser.request(
            "write",
            f"/tasks/{task}/entries/",
            {
                "csrfmiddlewaretoken": browser.csrf(),
                "text": text,
                "occurred_on": time.strftime("%Y-%m-%d"),
            },
        )
        if status == 302:
            with browser.tally.lock:
                browser.tally.confirmed.append(text)
        elif status == 422:  # a task that takes no more entries (done): leave it
            tasks.remove(task)
        if n % 3 == 0:
            browser.request("read", f"/tasks/{task}/")


def reader(browser: Browser, tasks: list[int], stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        browser.request("read", f"/tasks/{tasks[n % len(tasks)]}/" if tasks and n % 2 else "/")
        n += 1


def office(browser: Browser, stop: threading.Event, every: float = 1.5) -> None:
    """Ledger exports as background jobs, and their pages (which settle a job whose worker died)."""
    while not stop.is_set():
        status, _, location = browser.request("job", "/dashboard/ledger.xlsx", {"csrfmiddlewaretoken": browser.csrf()})
        found = JOB.search(location or "")
        if status == 302 and found:
            with browser.tally.lock:
                browser.tally.jobs.add(int(found.group(1)))
        for job in list(browser.tally.jobs)[-3:]:
            browser.request("read", f"/jobs/{job}/")
        stop.wait(every)


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def summary(tally: Tally, began: float, ended: float, kill_began: float, killed_at: float) -> dict:
    """Requests per second, and errors (5xx or no answer) before, at (in flight) and after the kill:
    in flight are the requests started before the killed processes were gone that ended after the
    kill -9 was sent."""
    records = tally.records

    def failed(r: Record) -> bool:
        return r.status == 0 or r.status >= 500

    after = [r for r in records if r.start >= killed_at]
    in_flight = [r for r in records if r.start < killed_at and r.end >= kill_began]
    return {
        "requests": len(records),
        "rps": round(len(records) / max(ended - began, 0.001), 1),
        "writes_confirmed": len(tally.confirmed),
        "errors_before_kill": sum(1 for r in records if r.end < kill_began and failed(r)),
        "errors_in_flight_at_kill": sum(1 for r in in_flight if failed(r)),
        "requests_after_kill": len(after),
        "errors_after_kill": sum(1 for r in after if failed(r)),
        "p99_ms_after_kill": round(1000 * p99([r.end - r.start for r in after])),
        "p99_ms_before_kill": round(1000 * p99([r.end - r.start for r in records if r.end < kill_began])),
        "statuses": _count(str(r.status) for r in records),
    }


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
