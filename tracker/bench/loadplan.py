"""The request mix of the load test (scripts/loadtest.sh), built from the bench scenarios.

Each entry of LOAD_MIX names a registered scenario and its share of the traffic. The plan
spreads them over many units (a context per district bureau), logs each role in once with a
real session, and writes the requests as a Lua table for wrk (scripts/loadtest.lua). Cookies
and the CSRF header are the browser's: a session cookie, a csrftoken cookie and the same
token in X-CSRFToken, so POSTs pass CsrfViewMiddleware like the htmx page's would.

To put a dashboard in the mix, register its scenario and add (name, weight) here.
"""

from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client
from django.utils.crypto import get_random_string

from tracker.bench import scenarios
from tracker.bench.generator import Dataset
from tracker.bench.scenarios import BenchContext
from tracker.core.types import User

LOAD_MIX: list[tuple[str, int]] = [
    ("unit_page", 35),
    ("unit_page_htmx", 10),
    ("task_page", 15),
    ("entry_post", 20),
    ("unit_list_city", 3),
    ("review_queue_district", 7),
    # The dashboards, while the entry POSTs keep marking units for them to fold in.
    ("overview_city", 4),
    ("overview_district", 3),
    ("matrix_city", 3),
    # Where each person starts, and the ledgers (a tab of the unit's book).
    ("home_staff", 4),
    ("home_office_district", 1),
    ("home_office_city", 1),
    ("ledger_visits", 2),
    ("ledger_rectification", 2),
]


def _lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


class _Sessions:
    """One logged-in session per user, made the way Client.force_login makes them (stored server-side)."""

    def __init__(self) -> None:
        self.cookies: dict[int, tuple[str, str]] = {}

    def cookie(self, user: User) -> tuple[str, str]:
        """The Cookie header and the CSRF token of the user's session."""
        if user.pk not in self.cookies:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            csrf = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
            self.cookies[user.pk] = (
                f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
                csrf,
            )
        return self.cookies[user.pk]


def load_plan(dataset: Dataset, *, units: int = 40, per_scenario: int = 5) -> list[dict]:
    """Requests spread over `units` district bureaus; each scenario appears in proportion to its weight."""
    registry = {s.name: s for s in scenarios.SCENARIOS}
    unknown = {name for name, _ in LOAD_MIX} - registry.keys()
    if unknown:
        raise ValueError(f"LOAD_MIX names unknown scenarios: {sorted(unknown)}")
    sessions = _Sessions()
    requests: list[dict] = []
    for variant in range(units):
        ctx = BenchContext.build(dataset, variant=variant)
        for name, weight in LOAD_MIX:
            scenario = registry[name]
            if scenario.url is None:
                raise ValueError(f"{name}: the load test sends requests; the scenario has no url")
            user = ctx.users.get(scenario.role or "")
            if user is None:
                raise ValueError(f"{name}: the dataset has no user with role {scenario.role!r}")
            cookie, csrf = sessions.cookie(user)
            for i in range(weight * per_scenario // 10 or 1):
                headers = {"Cookie": cookie}
                if scenario.htmx:
                    headers["HX-Request"] = "true"
                body = ""
                if scenario.method == "post":
                    headers["X-CSRFToken"] = csrf
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                    body = urlencode(scenario.data(ctx, variant * 1000 + i) if scenario.data else {})
                requests.append(
                    {
                        "name": name,
                        "method": scenario.method.upper(),
                        "path": scenario.url(ctx, variant * 1000 + i),
                        "headers": headers,
                        "body": body,
                    }
                )
    # Interleaved, so every stretch of the run sees the whole mix.
    random.Random(0).shuffle(requests)
    return requests


def write_lua_plan(requests: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = sorted({r["name"] for r in requests})
    path.write_text(
        "-- generated by manage.py bench_loadplan; do not edit\nreturn "
        + _lua({"names": names, "requests": requests})
        + "\n",
        encoding="utf-8",
    )
