"""The scale-out drill's run and its checks, in the drill's own process with Django set up on the
drill's database (scripts/scaleout_drill.py): the people and their tasks, the mail it queues, the
kill halfway, the settling of outbox and jobs, and the invariants."""

from __future__ import annotations

import re
import threading
import time
import urllib.request
from collections import Counter

import drill_load
from django.contrib.auth import get_user_model
from django.db import close_old_connections

from tracker.jobs.models import Job, JobStatus
from tracker.notify.models import Delivery, DeliveryStatus, Item
from tracker.notify.services import notify
from tracker.orgs.models import RoleAssignment
from tracker.work.models import Entry, Task, TaskStatus


def tasks_of(username: str, limit: int = 30) -> list[int]:
    units = RoleAssignment.objects.filter(user__username=username, unit__isnull=False).values_list("unit_id")
    tasks = Task.objects.filter(unit_id__in=units).exclude(status=TaskStatus.DONE).order_by("id")
    return list(tasks.values_list("id", flat=True)[:limit])


RUN_JOB = re.compile(r"tracker\.jobs\.tasks\.run_job\[([0-9a-f-]+)\] (received|succeeded|failed|raised)")


def holding_a_job(procs) -> str | None:
    """The worker whose log shows a job it received and has not finished, if one does."""
    for name in ("worker1", "worker2"):
        held: set[str] = set()
        for task, what in RUN_JOB.findall((procs.workdir / f"{name}.log").read_text(errors="replace")):
            (held.add if what == "received" else held.discard)(task)
        if held:
            return name
    return None


def mailer(run: str, people: list[str], stop: threading.Event, every: float = 1.0) -> None:
    """Urgent notifications (sent at any hour) for every person of the load, one round a second."""
    users = list(get_user_model().objects.filter(username__in=people))
    for user in users:
        user.email = f"{user.username}@drill.example"
    get_user_model().objects.bulk_update(users, ["email"])
    n = 0
    while not stop.is_set():
        n += 1
        notify(recipients=users, kind="drill", key=f"{run}-{n}", step="drill", subject=f"{run} mail {n}", urgent=True)
        stop.wait(every)
    close_old_connections()


def settle(run: str, tally: drill_load.Tally, office: drill_load.Browser, timeout: float) -> dict:
    """Wait until no drill mail is queued or being sent and no drill job is queued or running; a job
    that ended interrupted (its worker died) is retried once, as the office would from its page."""
    deadline = time.monotonic() + timeout
    retried: set[int] = set()
    while time.monotonic() < deadline:
        jobs = Job.objects.filter(pk__in=tally.jobs) | Job.objects.filter(retry_of__in=tally.jobs)
        for job in jobs.filter(status=JobStatus.FAILED, interrupted=True).exclude(pk__in=retried):
            form = {"csrfmiddlewaretoken": office.csrf()}
            _status, _, location = office.request("retry", f"/jobs/{job.pk}/retry/", form)
            retried.add(job.pk)
            found = drill_load.JOB.search(location or "")
            if found:
                tally.jobs.add(int(found.group(1)))
        active = list(jobs.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).values_list("pk", flat=True))
        for pk in active:
            office.request("settle", f"/jobs/{pk}/")  # a poll settles a job whose heartbeat stopped
        pending = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
        outbox = Delivery.objects.filter(item__key__startswith=run, status__in=pending)
        if not active and not outbox.exists():
            break
        time.sleep(1)
    return {"interrupted_jobs_retried": len(retried)}


def run(args, procs, sink, base: str, survivor_port: int) -> dict:
    run_id = f"drill{int(time.time())}"
    tally = drill_load.Tally()
    stop = threading.Event()
    threads: list[threading.Thread] = []
    writers = [u for u in args.writers.split(",") if u]
    readers = [u for u in args.readers.split(",") if u]

    def browser(username: str) -> drill_load.Browser:
        person = drill_load.Browser(base, tally)
        if not person.log_in(username, args.password):
            raise SystemExit(f"drill: {username} could not log in through nginx")
        return person

    all_tasks: list[int] = []
    for username in writers:
        tasks = tasks_of(username)
        all_tasks += tasks
        for n in range(args.threads_per_writer):
            own = tasks[n :: args.threads_per_writer] or tasks  # threads of one person write to different tasks
            prefix = f"{run_id}-{username}-{n}"
            work = (browser(username), list(own), prefix, stop)
            threads.append(threading.Thread(target=drill_load.writer, args=work))
    for username in readers:  # their own tasks (another unit's would be a 404), else the landing page
        threads.append(threading.Thread(target=drill_load.reader, args=(browser(username), tasks_of(username), stop)))
    office = browser(args.office)
    threads.append(threading.Thread(target=drill_load.office, args=(office, stop)))
    threads.append(threading.Thread(target=mailer, args=(run_id, [*writers, *readers, args.office], stop)))

    began = time.time()
    for thread in threads:
        thread.start()
    time.sleep(args.duration / 2)
    # Halfway, or a little later when a worker is in the middle of an export: that worker dies.
    wait_until = time.monotonic() + args.duration / 4
    while (victim := holding_a_job(procs)) is None and time.monotonic() < wait_until:
        time.sleep(0.05)
    held_a_job = victim is not None
    victim = victim or "worker1"
    kill_began = time.time()
    procs.kill("web1")
    procs.kill(victim)
    # From here on nginx must not pass a request to the dead process; one it had passed before
    # (still in flight) may fail: nginx does not resend a POST it already sent (it may have been done).
    killed_at = time.time()
    print(f"drill: kill -9 of web1 and {victim} at {killed_at - began:.1f} s", flush=True)
    time.sleep(max(0.0, began + args.duration - time.time()))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{survivor_port}/healthz", timeout=5) as response:
            survivor_ok = response.status == 200
    except OSError:
        survivor_ok = False
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    ended = time.time()
    load = drill_load.summary(tally, began, ended, kill_began, killed_at)
    settled = settle(run_id, tally, office, args.settle)
    result = {
        **checks(run_id, tally, sink),
        **load,
        **settled,
        "killed_worker": victim,
        "killed_worker_held_a_job": held_a_job,
        "survivor_answered": survivor_ok,
        "duration_s": round(ended - began, 1),
        "run": run_id,
    }
    result["ok"] = (
        result["writes_lost"] == 0
        and result["mail_received_twice"] == 0
        and result["mail_sent_not_received"] == 0
        and result["mail_unsent"] == 0
        and result["jobs_stuck"] == 0
        and result["errors_after_kill"] == 0
        and survivor_ok
    )
    return result


def checks(run_id: str, tally: drill_load.Tally, sink) -> dict:
    confirmed = set(tally.confirmed)
    stored = set(Entry.objects.filter(text__startswith=run_id).values_list("text", flat=True))
    deliveries = Delivery.objects.filter(item__key__startswith=run_id)
    received = Counter((to, subject) for to, subject in sink.received if subject.startswith(run_id))
    by_status = Counter(deliveries.values_list("status", flat=True))
    jobs = Job.objects.filter(pk__in=tally.jobs) | Job.objects.filter(retry_of__in=tally.jobs)
    job_status = Counter(jobs.values_list("status", flat=True))
    return {
        "writes_lost": len(confirmed - stored),
        "writes_stored": len(stored),  # may exceed the confirmed: a write done while its answer was lost
        "mail_items": Item.objects.filter(key__startswith=run_id).count(),
        "mail_deliveries": deliveries.count(),
        "mail_delivery_status": dict(by_status),
        "mail_received": sum(received.values()),
        "mail_received_twice": sum(count - 1 for count in received.values() if count > 1),
        "mail_sent_not_received": max(0, by_status.get(DeliveryStatus.SENT, 0) - len(received)),
        "mail_unsent": sum(count for status, count in by_status.items() if status != DeliveryStatus.SENT),
        "jobs": sum(job_status.values()),
        "job_status": dict(job_status),
        "jobs_stuck": job_status.get(JobStatus.QUEUED, 0) + job_status.get(JobStatus.RUNNING, 0),
    }
