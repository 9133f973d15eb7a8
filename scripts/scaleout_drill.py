"""Scale-out drill: two web processes and two workers behind Debian's nginx, one killed of each mid-run.

Started by scripts/scaleout-drill.sh (see its header for the environment). What it does:
1. a scratch database (created, migrated, seeded with the demo), or an existing one (--database-url);
2. an SMTP sink (aiosmtpd) on a free port, two gunicorn processes, two Celery workers and one beat
   on the same PostgreSQL, Redis and MEDIA_ROOT, and nginx (non-daemon, generated config) with
   both web processes in one upstream, like deploy/nginx/campaign-tracker.conf without TLS;
3. a load through nginx (drill_load.py): entries with unique texts, page reads, ledger exports as
   jobs; and mail: urgent notifications for every person of the load, queued in the outbox;
4. halfway, kill -9 of one web process and one worker (each with all its children);
5. afterwards it waits for the outbox and the jobs to settle (a job the dead worker held is
   reaped as interrupted and retried), then checks and prints: no confirmed write missing, no
   mail delivered twice or lost, no job stuck, errors and p99 after the kill, requests per second;
   the last line is RESULT {json}. Exit status 1 when an invariant fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise SystemExit(f"drill: {what} did not happen within {timeout:.0f} s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


class SmtpSink:
    """Every message the workers deliver, as (recipients, subject)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[tuple[str, str]] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        subject = str(message_from_bytes(envelope.content).get("Subject", ""))
        self.received.append((",".join(sorted(envelope.rcpt_tos)), subject))
        return "250 OK"


class Processes:
    """The drill's children, each in its own session so kill -9 takes its workers along."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir, self.env, self.started = workdir, env, {}

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("w")
        process = subprocess.Popen(
            argv, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started[name] = process
        return process

    def kill(self, name: str) -> None:
        """kill -9 of the process and all its children (gunicorn's and Celery's pool processes)."""
        group = self.started[name].pid
        os.killpg(group, signal.SIGKILL)
        self.started[name].wait()
        deadline = time.monotonic() + 2  # the children's sockets close as they exit
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)

    def stop_all(self) -> None:
        for process in self.started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


NGINX = """worker_processes 1;
daemon off;
{user}
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {work}/nginx-tmp/body;
    proxy_temp_path {work}/nginx-tmp/proxy;
    fastcgi_temp_path {work}/nginx-tmp/fastcgi;
    uwsgi_temp_path {work}/nginx-tmp/uwsgi;
    scgi_temp_path {work}/nginx-tmp/scgi;
    access_log {work}/nginx-access.log;
    upstream campaign_tracker {{
        server 127.0.0.1:{web1} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:{web2} max_fails=1 fail_timeout=5s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 210m;
        proxy_read_timeout 35s;
        location / {{
            proxy_pass http://campaign_tracker;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
"""


def database(args: argparse.Namespace, env: dict[str, str]) -> tuple[str, str | None]:
    """The database URL the drill runs on, and the scratch database's name to drop afterwards."""
    if args.database_url:
        return args.database_url, None
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campaign_tracker")
    server, name = base.rsplit("/", 1)[0], f"ct_drill_{os.getpid()}"
    subprocess.run(["psql", f"{server}/postgres", "-qc", f'create database "{name}"'], check=True)
    url = f"{server}/{name}"
    seed = {**env, "DATABASE_URL": url, "DEV_TOOLS": "1"}
    for command in (["migrate", "--noinput", "-v0"], ["seed_campaign", "-v0"], ["seed_demo", "-v0"]):
        print("drill: manage.py", " ".join(command), flush=True)
        manage = [sys.executable, "manage.py", *command]
        subprocess.run(manage, cwd=ROOT, env=seed, check=True, stdout=subprocess.DEVNULL)
    return url, name


def server_env(args: argparse.Namespace, workdir: Path, sink: SmtpSink) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    return {
        **keep,
        "DEBUG": "0",
        "SECRET_KEY": "scale-out-drill-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback: the drill's client keeps its cookies
        "CSRF_COOKIE_SECURE": "0",
        "MEDIA_ROOT": str(workdir / "media"),  # one evidence folder for both web processes and workers
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "LOG_FORMAT": "plain",
        "DEV_TOOLS": "0",
        "PYTHONPATH": str(ROOT),
        # Short enough to see the dead worker's work come back within the drill.
        "JOBS_HEARTBEAT_SECONDS": "2",
        "JOBS_STALE_SECONDS": "10",
        "NOTIFY_LEASE_SECONDS": "15",
        "CELERY_VISIBILITY_TIMEOUT": "20",
    }


def start_everything(procs: Processes, workdir: Path, nginx_port: int) -> tuple[int, int]:
    web1, web2 = free_port(), free_port()
    for name, port in (("web1", web1), ("web2", web2)):
        procs.start(
            name,
            [
                str(BIN / "gunicorn"),
                "tracker.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
            ],
        )
    for name in ("worker1", "worker2"):
        procs.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "tracker",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "-n",
                f"{name}-{os.getpid()}@%h",
                "--purge",
            ],
        )
    procs.start(
        "beat",
        [
            str(BIN / "celery"),
            "-A",
            "tracker",
            "beat",
            "--loglevel",
            "INFO",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
        ],
    )
    (workdir / "nginx-tmp").mkdir(exist_ok=True)
    user = "user root root;" if os.geteuid() == 0 else ""
    conf = NGINX.format(user=user, work=workdir, web1=web1, web2=web2, port=nginx_port)
    (workdir / "nginx.conf").write_text(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    error_log = str(workdir / "nginx-error.log")
    procs.start("nginx", [nginx, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-e", error_log])
    for port in (web1, web2, nginx_port):
        wait_until(lambda port=port: answers(f"http://127.0.0.1:{port}/healthz"), 120, f"127.0.0.1:{port} to answer")
    for name in ("worker1", "worker2"):
        wait_until(lambda name=name: " ready." in (workdir / f"{name}.log").read_text(), 120, f"{name} to start")
    return web1, web2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--database-url", help="an existing, migrated database with the people below (no seeding)")
    parser.add_argument("--writers", default="staff,staff2,unitlead")
    parser.add_argument("--readers", default="leader,guide")
    parser.add_argument("--office", default="office")
    parser.add_argument("--password", default="campaign-demo")
    parser.add_argument("--threads-per-writer", type=int, default=2)
    parser.add_argument("--settle", type=float, default=90, help="seconds to wait for the outbox and the jobs")
    parser.add_argument("--workdir", default=str(ROOT / "var" / "drill"))
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    workdir = Path(args.workdir).resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "media").mkdir(parents=True)
    sink = SmtpSink()
    sink.controller.start()
    env = server_env(args, workdir, sink)
    url, scratch = database(args, env)
    env["DATABASE_URL"] = url
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tracker.settings"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import drill_checks  # needs Django

    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    procs = Processes(workdir, env)
    nginx_port = free_port()
    try:
        _web1, web2 = start_everything(procs, workdir, nginx_port)
        result = drill_checks.run(args, procs, sink, f"http://127.0.0.1:{nginx_port}", web2)
    finally:
        procs.stop_all()
        sink.controller.stop()
        if scratch and not args.keep_database:
            from django.db import connections

            connections.close_all()
            server = url.rsplit("/", 1)[0]
            subprocess.run(["psql", f"{server}/postgres", "-qc", f'drop database if exists "{scratch}" with (force)'])
    print("RESULT " + json.dumps(result, sort_keys=True), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
