"""The two long jobs of issue 21 through the real stack: gunicorn (default timeout) and a Celery worker.

Started by scripts/jobs-through-gunicorn.sh, which starts gunicorn and the worker and passes their
address. As the bench city's office user (the first office holder of the city, as
tracker.bench.scenarios.BenchContext picks it) it:

1. opens the task ledger export (/dashboard/ledger.xlsx), starts it (POST: a background job above
   INLINE_MAX_ROWS), polls /jobs/<pk>/ like htmx does until the job has ended (286), downloads
   /jobs/<pk>/download/ and counts the workbook's rows with openpyxl (read-only);
2. uploads a UNITS-row unit workbook (the rows of tracker.bench.jobs_scenarios.unit_rows, new schools
   under the bench district) through the form at /imports/ (multipart, CSRF token from the cookie),
   polls the import page while its check job runs, confirms the run, polls the import page until
   the rows are written and the run's job (/jobs/<pk>/) until it has ended, i.e. the new units' tasks are generated too;
3. deletes what it created (units, their tasks, their history, the two jobs, the session), marks the
   roll-ups for a rebuild and runs `manage.py check_rollups`, and compares the counts of units and
   tasks with those before the run.

Django is set up in this process only to mint the session (as Client.force_login does), to find the
dataset's objects, to read the jobs' timestamps and to clean up; every request goes over the socket.
The last line is RESULT {json}; the exit status is 1 when a request took longer than gunicorn's
default timeout (30 s), answered 5xx or not at all, a job failed or got stuck, the workbook's rows
were not the ledger's, the counts changed or the roll-ups differ from a recount.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_TIMEOUT = 30.0  # gunicorn's default --timeout: a sync worker silent this long is killed
STATUS = re.compile(r'class="status status-(\w+)"')
JOB_LINK = re.compile(r"/jobs/(\d+)/")
ACTIVE = ("checking", "queued", "running")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 302 is an answer to record, followed by hand
        return None


@dataclass
class Record:
    label: str
    method: str
    path: str
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    seconds: float


@dataclass
class Answer:
    status: int
    body: bytes
    location: str
    content_type: str

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


@dataclass
class Browser:
    """One logged-in person: a cookie jar (session and CSRF cookies); every request is recorded."""

    base: str
    timeout: float = 120.0  # longer than gunicorn's, so a killed worker shows as such, not as our timeout
    records: list[Record] = field(default_factory=list)
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def set_cookie(self, name: str, value: str) -> None:
        host = self.base.split("//", 1)[1].split(":", 1)[0]
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {}
            )
        )

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(
        self,
        label: str,
        path: str,
        *,
        data: bytes | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        htmx: bool = False,
        sink: Path | None = None,
    ) -> Answer:
        """One request; with `sink` the body is streamed to that file instead of kept."""
        headers = {"Referer": self.base + "/", "Accept-Language": "zh-hans"}
        if data is not None:  # a browser's POST: same-origin, the CSRF token of the cookie
            headers.update({"Origin": self.base, "X-CSRFToken": self.csrf(), "Content-Type": content_type})
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        started = time.perf_counter()
        answer = Answer(0, b"", "", "")
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                answer = Answer(response.status, b"", "", response.headers.get("Content-Type", ""))
                if sink is None:
                    answer.body = response.read()
                else:
                    with sink.open("wb") as out:
                        while chunk := response.read(1 << 20):
                            out.write(chunk)
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.read(), error.headers.get("Location", ""), "")
        except OSError as error:
            print(f"  {label}: no answer ({error})", flush=True)
        seconds = time.perf_counter() - started
        method = "GET" if data is None else "POST"
        self.records.append(Record(label, method, path, answer.status, seconds))
        if answer.status == 0 or answer.status >= 500 or seconds > GUNICORN_TIMEOUT:
            print(f"  {label}: {method} {path} -> {answer.status} in {seconds:.2f} s", flush=True)
        return answer


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, kind) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {kind}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Failed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def poll_job(browser: Browser, label: str, pk: int, *, limit: float, every: float) -> tuple[str, float]:
    """Poll /jobs/<pk>/ as htmx does until it answers 286 (ended); (final status, monotonic time)."""
    deadline = time.monotonic() + limit
    while True:
        answer = browser.request(label, f"/jobs/{pk}/", htmx=True)
        expect(answer.status in (200, 286), f"{label}: /jobs/{pk}/ answered {answer.status}")
        if answer.status == 286:
            found = STATUS.search(answer.text)
            return (found.group(1) if found else "?"), time.monotonic()
        expect(time.monotonic() < deadline, f"{label}: job {pk} still active after {limit:.0f} s (stuck?)")
        time.sleep(every)


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()


def counts() -> dict[str, int]:
    from tracker.orgs.models import Unit
    from tracker.work.models import Task

    return {
        "units": Unit.objects.count(),
        "tasks": Task.objects.count(),
        "historical_units": Unit.history.count(),
        "historical_tasks": Task.history.count(),
    }


def bench_objects(scale: str, seed: int):
    """The dataset's office user of the city and the district new units go under (as the bench)."""
    from tracker.bench.generator import dataset_find
    from tracker.orgs.models import Role, RoleAssignment, Unit, UnitLevel

    dataset = dataset_find(scale=scale, seed=seed)
    expect(dataset is not None, f"no bench dataset {scale}/{seed}: run manage.py bench --scale {scale} first")
    city = dataset.city()
    bureau = (
        Unit.objects.filter(
            path__startswith=city.path, level=UnitLevel.UNIT, category__code="organ", parent__level=UnitLevel.DISTRICT
        )
        .order_by("path")
        .select_related("parent")
        .first()
    )
    expect(bureau is not None, "the bench city has no district bureau")
    holder = RoleAssignment.objects.filter(role=Role.OFFICE, unit=city).order_by("user__username").first()
    expect(holder is not None, "the bench city has no office user")
    return holder.user, bureau.parent


def mint_session(user) -> tuple[str, str]:
    """A logged-in session stored server-side, made the way Client.force_login makes it: (name, key)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def wait_for_worker(limit: float = 60) -> None:
    from tracker.celery import app

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return
    raise Failed(f"no Celery worker answered a ping within {limit:.0f} s")


def unit_workbook(path: Path, *, prefix: str, parent: str, units: int) -> None:
    """The rows of tracker.bench.jobs_scenarios.unit_rows (new schools under `parent`) as .xlsx."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("units")
    sheet.append(["单位编码", "单位名称", "上级单位编码", "层级", "单位类别", "是否参加"])
    for n in range(units):
        sheet.append([f"{prefix}{n:05d}", f"导入测试单位{prefix}{n}", parent, "单位", "school", "是"])
    book.save(path)


def xlsx_rows(path: Path) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def job_times(pk: int) -> dict:
    from tracker.jobs.models import Job

    job = Job.objects.get(pk=pk)
    wait = (job.started_at - job.created_at).total_seconds() if job.started_at else None
    run = (job.finished_at - job.started_at).total_seconds() if job.started_at and job.finished_at else None
    return {"status": job.status, "queue_wait_s": wait, "run_s": run, "error": job.error, "outcome": job.outcome}


def run_export(browser: Browser, result: dict, *, limit: float, every: float, folder: Path) -> int | None:
    print("export: the task ledger of the city office", flush=True)
    clicked = time.monotonic()
    page = browser.request("export_page", "/dashboard/ledger.xlsx")
    expect(page.status == 200, f"/dashboard/ledger.xlsx answered {page.status}")
    if not browser.csrf():  # at most INLINE_MAX_ROWS rows (a small dataset): that GET was the file itself
        browser.request("csrf_page", "/imports/")
    posted = time.monotonic()
    start = browser.request("export_start", "/dashboard/ledger.xlsx", data=b"")
    found = JOB_LINK.search(start.location)
    expect(start.status == 302 and found is not None, f"POST /dashboard/ledger.xlsx answered {start.status}")
    pk = int(found.group(1))
    result["export"] = {"job": pk}
    page = browser.request("job_page", f"/jobs/{pk}/")
    expect(page.status == 200, f"/jobs/{pk}/ answered {page.status}")
    status, ended = poll_job(browser, "job_poll", pk, limit=limit, every=every)
    times = job_times(pk)
    export = result["export"]
    export.update(
        status=status,
        click_to_done_s=round(ended - clicked, 2),
        post_to_done_s=round(ended - posted, 2),
        queue_wait_s=times["queue_wait_s"],
        worker_run_s=times["run_s"],
        rows_expected=times["outcome"].get("rows"),
    )
    expect(status == "done", f"export job {pk} ended {status}: {times['error'] or 'see the worker log'}")
    target = folder / "ledger.xlsx"
    began = time.monotonic()
    download = browser.request("download", f"/jobs/{pk}/download/", sink=target)
    export["download_s"] = round(time.monotonic() - began, 2)
    expect(download.status == 200, f"/jobs/{pk}/download/ answered {download.status}")
    export["bytes"] = target.stat().st_size
    began = time.monotonic()
    rows = xlsx_rows(target) - 1  # the header row
    export["rows"], export["verify_s"] = rows, round(time.monotonic() - began, 2)
    print(
        f"  job {pk}: {status} {export['click_to_done_s']} s from opening the page "
        f"({export['post_to_done_s']} s from the POST; worker {times['run_s']:.2f} s, waited "
        f"{times['queue_wait_s']:.2f} s); download {export['download_s']} s, {export['bytes']:,} bytes, "
        f"{rows:,} rows",
        flush=True,
    )
    expect(rows == export["rows_expected"], f"the workbook has {rows} rows, the job wrote {export['rows_expected']}")
    return pk


def run_import(
    browser: Browser, result: dict, *, prefix: str, parent: str, units: int, limit: float, every: float, folder: Path
) -> int | None:
    print(f"import: {units:,} new units under {parent}", flush=True)
    book = folder / "units.xlsx"
    unit_workbook(book, prefix=prefix, parent=parent, units=units)
    page = browser.request("import_page", "/imports/")
    expect(page.status == 200 and browser.csrf(), f"/imports/ answered {page.status} (or set no CSRF cookie)")
    body, kind = multipart(
        {"csrfmiddlewaretoken": browser.csrf(), "kind": "units"},
        {
            "file": (
                "units.xlsx",
                book.read_bytes(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
    )
    began = time.monotonic()
    upload = browser.request("import_upload", "/imports/", data=body, content_type=kind)
    found = re.search(r"/imports/(\d+)/", upload.location)
    expect(upload.status == 302 and found is not None, f"the upload answered {upload.status}")
    pk = int(found.group(1))
    result["import"] = {"import": pk, "units_requested": units}
    while True:  # the check is a job too: the import's page, as htmx polls it, until it has ended
        report = browser.request("import_report", f"/imports/{pk}/", htmx=True)
        expect(report.status == 200, f"/imports/{pk}/ answered {report.status}")
        status = (STATUS.search(report.text) or [None, "?"])[1]
        if status != "checking":
            break
        expect(time.monotonic() - began < limit, f"import {pk} still checking after {limit:.0f} s (stuck?)")
        time.sleep(every)
    checked = time.monotonic()
    imp = result["import"]
    imp["upload_check_s"] = round(checked - began, 2)
    expect(status == "ready", f"import {pk} is {status} after the check, not ready")
    run = browser.request("import_run", f"/imports/{pk}/run/", data=b"")
    expect(run.status == 302, f"POST /imports/{pk}/run/ answered {run.status}")
    job_pk: int | None = None
    while True:  # the import's page, as htmx polls it, until the rows are written
        answer = browser.request("import_poll", f"/imports/{pk}/", htmx=True)
        expect(answer.status == 200, f"/imports/{pk}/ answered {answer.status}")
        status = (STATUS.search(answer.text) or [None, "?"])[1]
        link = re.search(r"/jobs/(\d+)/(?:cancel|retry)/", answer.text)
        job_pk = int(link.group(1)) if link else job_pk
        if status not in ACTIVE:
            break
        expect(time.monotonic() - checked < limit, f"import {pk} still {status} after {limit:.0f} s (stuck?)")
        time.sleep(every)
    written = time.monotonic()
    imp["run_to_rows_written_s"] = round(written - checked, 2)
    if job_pk is None:  # ended before the first poll showed its cancel button: the page does not name it
        from tracker.imports.models import ImportJob

        job_pk = ImportJob.objects.get(pk=pk).job_id
    imp["job"] = job_pk
    expect(status == "done", f"import {pk} ended {status}")
    # The import is "done" once its rows are committed; its job ends after the tasks are generated.
    job_status, ended = poll_job(browser, "job_poll", job_pk, limit=limit, every=every)
    times = job_times(job_pk)
    imp.update(
        status=job_status,
        run_to_done_s=round(ended - checked, 2),
        total_s=round(ended - began, 2),
        queue_wait_s=times["queue_wait_s"],
        worker_run_s=times["run_s"],
    )
    expect(job_status == "done", f"import job {job_pk} ended {job_status}: {times['error'] or 'see the worker log'}")
    from tracker.imports.models import ImportJob
    from tracker.work.models import Task

    imp["units_created"] = ImportJob.objects.get(pk=pk).report.get("result", {}).get("created")
    imp["tasks_created"] = Task.objects.filter(unit__code__startswith=prefix).count()
    print(
        f"  import {pk}: upload and check {imp['upload_check_s']} s; run: rows written after "
        f"{imp['run_to_rows_written_s']} s, job {job_pk} done after {imp['run_to_done_s']} s (worker "
        f"{times['run_s']:.2f} s, waited {times['queue_wait_s']:.2f} s); {imp['units_created']:,} units, "
        f"{imp['tasks_created']:,} tasks",
        flush=True,
    )
    expect(imp["units_created"] == units, f"{imp['units_created']} units created, not {units}")
    return pk


def clean_up(*, prefix: str, jobs: list[int], imports: list[int], session: str) -> dict:
    """Delete the imported units with their tasks and history, the jobs and the session; roll-ups rebuilt."""
    from django.contrib.sessions.models import Session
    from django.db import connection, models, transaction

    from tracker.imports.models import ImportJob
    from tracker.jobs.models import Job
    from tracker.orgs.models import Unit
    from tracker.rollups.models import DirtyUnit
    from tracker.rollups.services import rollups_invalidate
    from tracker.work.models import Task

    steps: dict[str, float] = {}
    began = clock = time.monotonic()

    def step(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        steps[name], clock = round(now - clock, 2), now

    with transaction.atomic():
        unit_ids = list(Unit.objects.filter(code__startswith=prefix).values_list("pk", flat=True))
        tasks = Task.objects.filter(unit_id__in=unit_ids)
        # New tasks have nothing hanging off them; should anything, it goes the ORM's way first.
        # Hidden relations too (related_name="+"): the raw DELETE below would trip over them.
        for relation in Task._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
                continue
            if relation.on_delete is models.DO_NOTHING:  # history rows: no constraint, deleted below
                continue
            rows = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": tasks})
            if relation.on_delete is models.CASCADE:
                rows.delete()
            else:
                expect(not rows.exists(), f"{relation.related_model.__name__} rows point at the imported tasks")
        step("task_relations_s")
        Task.history.model.objects.filter(unit_id__in=unit_ids).delete()
        step("task_history_s")
        with connection.cursor() as cursor:  # 100,000 rows: one statement, not a signal (and a mark) each
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(Task._meta.db_table)} WHERE unit_id = ANY(%s)", [unit_ids]
            )
            tasks_deleted = cursor.rowcount
        step("tasks_s")
        units_deleted = Unit.objects.filter(pk__in=unit_ids).delete()[1].get("orgs.Unit", 0)
        step("units_s")
        Unit.history.model.objects.filter(id__in=unit_ids).delete()
        DirtyUnit.objects.filter(unit_id__in=unit_ids).delete()
        rollups_invalidate()  # their ancestors' subtree rows still count them until a rebuild
        for job in Job.objects.filter(pk__in=jobs):
            if job.result:
                job.result.delete(save=False)
        ImportJob.objects.filter(pk__in=imports).delete()
        Job.objects.filter(pk__in=jobs).delete()
        Job.objects.filter(kind="import_check", params__import__in=imports).delete()  # the uploads' checks
        Session.objects.filter(session_key=session).delete()
        step("rest_s")
    step("commit_s")
    cleaned = {"units_deleted": units_deleted, "tasks_deleted": tasks_deleted, "steps": steps}
    cleaned["seconds"] = round(time.monotonic() - began, 2)
    began = time.monotonic()
    check = subprocess.run(
        [sys.executable, "manage.py", "check_rollups"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    print(check.stdout + check.stderr, end="", flush=True)
    cleaned["check_rollups_s"] = round(time.monotonic() - began, 2)
    cleaned["rollups_ok"] = check.returncode == 0
    return cleaned


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("BASE_URL", "http://127.0.0.1:8766"))
    parser.add_argument("--scale", default=os.environ.get("SCALE", "city"))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED", "42")))
    parser.add_argument("--units", type=int, default=int(os.environ.get("UNITS", "2000")))
    parser.add_argument(
        "--poll", type=float, default=float(os.environ.get("POLL", "0.5")), help="seconds between polls"
    )
    parser.add_argument("--limit", type=float, default=float(os.environ.get("JOB_LIMIT", "300")), help="a job stuck")
    args = parser.parse_args()
    load_start = os.getloadavg()
    setup_django()
    office, district = bench_objects(args.scale, args.seed)
    before = counts()
    print(f"dataset {args.scale}/{args.seed}: {before}; office user {office.username}", flush=True)
    wait_for_worker()
    cookie, session = mint_session(office)
    browser = Browser(args.base)
    browser.set_cookie(cookie, session)
    result: dict = {"scale": args.scale, "units": args.units, "base": args.base}
    prefix = f"jg{int(time.time())}-"
    jobs: list[int] = []
    imports: list[int] = []
    failure = ""
    try:
        with tempfile.TemporaryDirectory(prefix="jobs-through-gunicorn-") as folder:
            try:
                run_export(browser, result, limit=args.limit, every=args.poll, folder=Path(folder))
            except Failed as error:
                failure = str(error)
            jobs += [result["export"]["job"]] if "export" in result else []
            if not failure:
                try:
                    run_import(
                        browser,
                        result,
                        prefix=prefix,
                        parent=district.code,
                        units=args.units,
                        limit=args.limit,
                        every=args.poll,
                        folder=Path(folder),
                    )
                except Failed as error:
                    failure = str(error)
            imp = result.get("import", {})
            imports += [imp["import"]] if "import" in imp else []
            jobs += [imp["job"]] if imp.get("job") else []
    finally:
        result["cleanup"] = clean_up(prefix=prefix, jobs=jobs, imports=imports, session=session)
    after = counts()
    result["counts_before"], result["counts_after"] = before, after
    http = {}
    for record in browser.records:
        entry = http.setdefault(record.label, {"n": 0, "max_s": 0.0, "statuses": {}})
        entry["n"] += 1
        entry["max_s"] = round(max(entry["max_s"], record.seconds), 3)
        entry["statuses"][str(record.status)] = entry["statuses"].get(str(record.status), 0) + 1
    slow = [r for r in browser.records if r.seconds > GUNICORN_TIMEOUT]
    broken = [r for r in browser.records if r.status == 0 or r.status >= 500]
    result["http"] = {
        "requests": len(browser.records),
        "max_s": round(max((r.seconds for r in browser.records), default=0.0), 3),
        "over_30s": len(slow),
        "5xx_or_no_answer": len(broken),
        "by_label": http,
    }
    print("requests (label: count, max latency, statuses):", flush=True)
    for label, entry in http.items():
        print(f"  {label:14} {entry['n']:4}  {entry['max_s']:7.3f} s  {entry['statuses']}", flush=True)
    problems = [failure] if failure else []
    problems += [f"{r.method} {r.path} took {r.seconds:.1f} s" for r in slow]
    problems += [f"{r.method} {r.path} answered {r.status or 'nothing'}" for r in broken]
    if (before["units"], before["tasks"]) != (after["units"], after["tasks"]):
        problems.append(f"counts changed: {before} -> {after}")
    if not result["cleanup"]["rollups_ok"]:
        problems.append("check_rollups: the roll-ups differ from a recount")
    result["loadavg_start"], result["loadavg_end"] = load_start, os.getloadavg()
    result["ok"], result["problems"] = not problems, problems
    for problem in problems:
        print(f"FAILED: {problem}", flush=True)
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str), flush=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
