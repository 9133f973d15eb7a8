"""README's production command lines, started exactly as written: gunicorn serves pages, the worker
runs a job, beat fires a periodic entry; and deploy/'s systemd units say the same commands."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.conftest import database_url, free_port, require_worker_services, wait_for
from tracker.core.tasks import HEARTBEAT_KEY

ROOT = Path(settings.BASE_DIR)
UNITS = {
    "web": "campaign-tracker-web.service",
    "worker": "campaign-tracker-worker.service",
    "beat": "campaign-tracker-beat.service",
}


def documented() -> dict[str, str]:
    """The three process lines of README's production block, by what they start."""
    block = (ROOT / "README.md").read_text().split("# the three processes", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.splitlines()[1:] if line.strip()]
    found = {}
    for line in lines:
        if "gunicorn" in line:
            found["web"] = line
        elif " worker" in line:
            found["worker"] = line
        elif " beat" in line:
            found["beat"] = line
    assert set(found) == set(UNITS), lines
    return found


def test_the_systemd_units_run_what_the_readme_documents():
    for name, line in documented().items():
        unit = (ROOT / "deploy" / "systemd" / UNITS[name]).read_text()
        exec_start = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)
        assert exec_start == line.replace(".venv/", "/srv/campaign-tracker/.venv/", 1), name
    nginx = (ROOT / "deploy" / "nginx" / "campaign-tracker.conf").read_text()
    assert "upstream campaign_tracker" in nginx and "X-Forwarded-Proto" in nginx


def _argv(line: str, port: int) -> list[str]:
    argv = shlex.split(line.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))
    argv[0] = str(Path(sys.executable).with_name(Path(argv[0]).name))  # this checkout's .venv/bin
    return argv


@pytest.fixture
def started(transactional_db, tmp_path):
    require_worker_services()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DEBUG": "0",
        "SECRET_KEY": "process-test-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "LOG_FORMAT": "plain",
        "PYTHONPATH": str(ROOT),
        "DEV_TOOLS": "0",
    }
    processes = []

    def start(name: str, port: int = 0) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("w")
        # cwd is a scratch folder: beat's pid file and gunicorn's control socket stay out of the checkout.
        process = subprocess.Popen(
            _argv(documented()[name], port), cwd=tmp_path, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        processes.append((process, log))
        return process

    yield start, tmp_path
    for process, log in processes:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except OSError:
        return 0, ""


def test_the_documented_processes_serve_a_page_run_a_job_and_fire_a_beat_entry(started):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from tracker.celery import app

    start, logs = started
    port = free_port()
    web = start("web", port)
    wait_for(
        lambda: _get(f"http://127.0.0.1:{port}/healthz")[0] == 200 or web.poll() is not None,
        timeout=60,
        what="gunicorn",
    )
    assert web.poll() is None, (logs / "web.log").read_text()
    status, page = _get(f"http://127.0.0.1:{port}/accounts/login/")
    assert status == 200 and "登录" in page

    cache.delete(HEARTBEAT_KEY)
    worker = start("worker")
    app.send_task("tracker.core.tasks.heartbeat")
    wait_for(lambda: cache.get(HEARTBEAT_KEY) or worker.poll() is not None, timeout=90, what="the worker to run a job")
    assert worker.poll() is None, (logs / "worker.log").read_text()

    # Only beat can set the key from now on (nothing else sends the job): a two-second entry of it.
    cache.delete(HEARTBEAT_KEY)
    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name="process test: heartbeat", defaults={"task": "tracker.core.tasks.heartbeat", "interval": every}
    )
    beat = start("beat")
    wait_for(lambda: cache.get(HEARTBEAT_KEY) or beat.poll() is not None, timeout=90, what="beat to fire an entry")
    assert beat.poll() is None, (logs / "beat.log").read_text()
