"""Access matrix: every route of the app, every role: login redirect, 200, 403 or 404.

A route added to the URLconf without a row here fails `test_every_route_is_in_the_matrix`.
Every pattern counts, named or not: the app's routes are in MATRIX, Django's login, logout
and language switch have their own tests below, and every admin pattern is requested by
`test_admin_is_for_superusers_only` (the admin is Django's own; only staff get past its login).
A refused write (403, 404, login redirect) must leave every table as it was.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.api.test_api import API_MATRIX  # the read API, requested with tokens for every role
from tests.conftest import PDF_BYTES, login, table_counts
from tests.factories import make_delivery, make_notify_item, make_outbox_mail, make_user
from tracker.orgs.models import Role
from tracker.work import services

ROLES = [
    "anonymous",
    "staff_a",
    "leader_a",
    "staff_b",
    "guide",
    "office_east",
    "office_city",
    "office_west",
    "leadership",
]
READERS_OF_A = {"staff_a", "leader_a", "guide", "office_east", "office_city", "leadership"}
EDITORS_OF_A = {"staff_a", "leader_a"}
REVIEWERS_OF_A = {"guide", "office_east", "office_city"}
OFFICES = {"office_east", "office_city", "office_west"}
NOT_OFFICES = set(ROLES) - OFFICES - {"anonymous"}
# Dashboards and exports: every role but unit staff, each scoped to what it reads; staff get 404.
DASHBOARD_ROLES = set(ROLES) - {"anonymous", "staff_a", "staff_b"}


def prepare(city):
    """Task A with an entry and evidence, and a deleted entry; a second task of A submitted for review."""
    task = city.task_a()
    entry = services.entry_add(task=task, by=city.staff_a, text="y", files=[SimpleUploadedFile("a.pdf", PDF_BYTES)])
    deleted = services.entry_delete(entry=services.entry_add(task=task, by=city.staff_a, text="d"), by=city.staff_a)
    submitted = city.unit_a.tasks.exclude(pk=task.pk).first()
    submitted = services.entry_add(task=submitted, by=city.staff_a, text="z").task
    submitted = services.task_submit(task=submitted, by=city.staff_a, expected_version=submitted.version)
    task.refresh_from_db()
    return {"task": task, "submitted": submitted, "evidence": entry.evidence.get(), "entry": entry, "deleted": deleted}


def with_preview(evidence) -> int:
    """Give the evidence a preview image (its PDF is a stub that renders none), so the preview route has one."""
    from django.core.files.base import ContentFile

    from tracker.work.models import Evidence

    if not evidence.file.storage.exists(evidence.preview_name(0)):
        evidence.file.storage.save(evidence.preview_name(0), ContentFile(b"\xff\xd8\xff preview"))
    Evidence.objects.filter(pk=evidence.pk).update(preview_pages=1, preview_state="ready")
    return evidence.pk


def _ok(status: int) -> bool:
    return status in (200, 302)


# route name → (method, args builder, data builder, who succeeds, in-scope roles refused with 403)
MATRIX = {
    "home": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "home:unit_list": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "work:review_queue": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "work:unit_detail": ("get", lambda c, o: [c.unit_a.pk], None, READERS_OF_A, set()),
    "work:task_detail": ("get", lambda c, o: [o["task"].pk], None, READERS_OF_A, set()),
    "work:task_history": ("get", lambda c, o: [o["task"].pk], None, READERS_OF_A, set()),
    "work:evidence_download": ("get", lambda c, o: [o["evidence"].pk], None, READERS_OF_A, set()),
    "work:evidence_preview": ("get", lambda c, o: [with_preview(o["evidence"]), 0], None, READERS_OF_A, set()),
    "work:unit_task_create": (
        "get",
        lambda c, o: [c.unit_a.pk],
        None,
        EDITORS_OF_A,
        READERS_OF_A - EDITORS_OF_A,
    ),
    "work:task_entry_add": (
        "post",
        lambda c, o: [o["task"].pk],
        lambda c, o: {"text": "new", "occurred_on": timezone.localdate().isoformat()},
        EDITORS_OF_A,
        READERS_OF_A - EDITORS_OF_A,
    ),
    "work:task_owner": (
        "post",
        lambda c, o: [o["task"].pk],
        lambda c, o: {"version": o["task"].version, "owner": c.staff_a.pk},
        EDITORS_OF_A,
        READERS_OF_A - EDITORS_OF_A,
    ),
    "work:task_submit": (
        "post",
        lambda c, o: [o["task"].pk],
        lambda c, o: {"version": o["task"].version},
        EDITORS_OF_A,
        READERS_OF_A - EDITORS_OF_A,
    ),
    "work:task_review": (
        "post",
        lambda c, o: [o["submitted"].pk],
        lambda c, o: {"version": o["submitted"].version, "decision": "accept"},
        REVIEWERS_OF_A,
        READERS_OF_A - REVIEWERS_OF_A,
    ),
    # Batch accept: the confirmation page and the write, for reviewers of every ticked task.
    "work:review_batch": (
        "get",
        lambda c, o: [],
        lambda c, o: {"task": f"{o['submitted'].pk}:{o['submitted'].version}"},
        REVIEWERS_OF_A,
        READERS_OF_A - REVIEWERS_OF_A,
    ),
    "work:review_batch_accept": (
        "post",
        lambda c, o: [],
        lambda c, o: {"task": f"{o['submitted'].pk}:{o['submitted'].version}", "note": "好"},
        REVIEWERS_OF_A,
        READERS_OF_A - REVIEWERS_OF_A,
    ),
    # Reminders: 催办 is for reviewers (office, guidance group); the outbox for offices.
    "reminders:task_urge": (
        "post",
        lambda c, o: [o["task"].pk],
        lambda c, o: {"note": "请本周内完成"},
        REVIEWERS_OF_A,
        READERS_OF_A - REVIEWERS_OF_A,
    ),
    "reminders:unit_urge": (
        "post",
        lambda c, o: [c.unit_a.pk],
        lambda c, o: {"note": ""},
        REVIEWERS_OF_A,
        READERS_OF_A - REVIEWERS_OF_A,
    ),
    "reminders:outbox": ("get", lambda c, o: [], None, OFFICES, set(ROLES) - {"anonymous"} - OFFICES),
    "reminders:outbox_retry": (
        "post",
        lambda c, o: [make_outbox_mail(unit=c.unit_a, recipient=c.staff_a).pk],
        lambda c, o: {},
        {"office_east", "office_city"},
        set(ROLES) - {"anonymous"} - OFFICES,
    ),
    "reminders:preferences": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    # Notification centre: one's own bell and list; an item is its recipient's alone (404 for anyone else).
    "notify:list": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "notify:bell": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "notify:sent": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "notify:settings": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
    "notify:read": (
        "post",
        lambda c, o: [make_notify_item(recipient=c.staff_a).pk],
        lambda c, o: {},
        {"staff_a"},
        set(),
    ),
    "notify:read_all": ("post", lambda c, o: [], lambda c, o: {}, set(ROLES) - {"anonymous"}, set()),
    "notify:outbox": ("get", lambda c, o: [], None, OFFICES, set(ROLES) - {"anonymous"} - OFFICES),
    "notify:resend": (
        "post",
        lambda c, o: [make_delivery(recipient=c.staff_a).pk],
        lambda c, o: {},
        {"office_east", "office_city"},
        set(ROLES) - {"anonymous"} - OFFICES,
    ),
    "dashboards:overview": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
    "dashboards:matrix": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
    "dashboards:matrix_export": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
    "dashboards:ledger_export": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
    # The working-day calendar: every office reads it; only the city-level office enters a year.
    "holidays:calendar": ("get", lambda c, o: [], None, OFFICES, set(ROLES) - {"anonymous"} - OFFICES),
    "holidays:calendar_save": (
        "post",
        lambda c, o: [],
        lambda c, o: {"year": 2027, "notice": "元旦：1月1日放假，共1天。"},
        {"office_city"},
        set(ROLES) - {"anonymous", "office_city"},
    ),
}


# ---------------------------------------------------------------------------- ledgers


def ledger_objects(city):
    """Rows of unit A's ledgers, made once per test: an item with evidence, a long-term item with a
    staged target, an item awaiting close-out, and a rule with its document."""
    if not hasattr(city, "_ledger_objects"):
        from tests.factories import make_ledger_row
        from tracker.ledgers import services as ledger_services

        pdf = lambda: SimpleUploadedFile("a.pdf", PDF_BYTES)  # noqa: E731
        item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, files=[pdf()])
        long_item = make_ledger_row(
            "rectification", unit=city.unit_a, by=city.staff_a, kind="long_term", problem="长期问题"
        )
        milestone = ledger_services.milestone_add(
            item=long_item, by=city.staff_a, title="第一阶段", due_on=timezone.localdate()
        )
        requested = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, files=[pdf()])
        requested = ledger_services.rectification_request_close(
            item=requested, by=city.staff_a, expected_version=requested.version, note="已整改"
        )
        institution = make_ledger_row("institutions", unit=city.unit_a, by=city.staff_a, document=pdf())
        city._ledger_objects = {
            "item": item,
            "long": long_item,
            "milestone": milestone,
            "requested": requested,
            "institution": institution,
            "evidence": item.files.get(),
        }
    return city._ledger_objects


def _lo(key):
    return lambda c, o: [ledger_objects(c)[key].pk]


MATRIX.update(
    {
        "ledgers:book": ("get", lambda c, o: [c.unit_a.pk], None, READERS_OF_A, set()),
        "ledgers:book_export": ("get", lambda c, o: [c.unit_a.pk], None, READERS_OF_A, set()),
        "ledgers:ledger_export": ("get", lambda c, o: [c.unit_a.pk, "study"], None, READERS_OF_A, set()),
        "ledgers:row_create": (
            "get",
            lambda c, o: [c.unit_a.pk, "study"],
            None,
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "ledgers:rectification_raise": (
            "get",
            lambda c, o: [c.unit_a.pk],
            None,
            REVIEWERS_OF_A,
            READERS_OF_A - REVIEWERS_OF_A,
        ),
        "ledgers:row_detail": (
            "get",
            lambda c, o: ["rectification", ledger_objects(c)["item"].pk],
            None,
            READERS_OF_A,
            set(),
        ),
        "ledgers:row_edit": (
            "get",
            lambda c, o: ["rectification", ledger_objects(c)["item"].pk],
            None,
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "ledgers:row_delete": (
            "post",
            lambda c, o: ["rectification", ledger_objects(c)["item"].pk],
            lambda c, o: {"version": ledger_objects(c)["item"].version},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "ledgers:milestone_add": (
            "post",
            _lo("long"),
            lambda c, o: {"title": "第二阶段", "due_on": timezone.localdate().isoformat()},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "ledgers:milestone_reach": (
            "post",
            _lo("milestone"),
            lambda c, o: {},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "ledgers:close_request": (
            "post",
            _lo("item"),
            lambda c, o: {"version": ledger_objects(c)["item"].version, "note": "已整改到位"},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "ledgers:close_review": (
            "post",
            _lo("requested"),
            lambda c, o: {"version": ledger_objects(c)["requested"].version, "decision": "verify"},
            REVIEWERS_OF_A,
            READERS_OF_A - REVIEWERS_OF_A,
        ),
        "ledgers:evidence_download": ("get", _lo("evidence"), None, READERS_OF_A, set()),
        "ledgers:document_download": ("get", _lo("institution"), None, READERS_OF_A, set()),
        "ledgers:crowding": (
            "get",
            lambda c, o: [],
            None,
            {"guide", "office_east", "office_city", "office_west", "leadership"},
            {"staff_a", "leader_a", "staff_b"},
        ),
        # Renewing a wide scope's crowding snapshot starts a job of its own (it writes a Job row).
        "ledgers:crowding_refresh": (
            "post",
            lambda c, o: [],
            lambda c, o: {},
            {"guide", "office_east", "office_city", "office_west", "leadership"},
            {"staff_a", "leader_a", "staff_b"},
        ),
    }
)

# Imports: only offices; a job is its uploader's, another office gets 404.


def _import_job(city):
    from tracker.imports.models import ImportJob

    return ImportJob.objects.create(kind="units", status="ready", created_by=city.office_city, file_name="u.xlsx")


MATRIX.update(
    {
        "imports:start": ("get", lambda c, o: [], None, OFFICES, NOT_OFFICES),
        "imports:template": ("get", lambda c, o: ["units", "xlsx"], None, OFFICES, NOT_OFFICES),
        "imports:job_detail": ("get", lambda c, o: [_import_job(c).pk], None, {"office_city"}, NOT_OFFICES),
        "imports:job_run": ("post", lambda c, o: [_import_job(c).pk], lambda c, o: {}, {"office_city"}, NOT_OFFICES),
    }
)

# Briefings: the office and the leadership group; a briefing is its requester's
# (another office gets 404); guides and unit leaders have dashboards but no briefings (403).
BRIEFERS = OFFICES | {"leadership"}
NOT_BRIEFERS = {"guide", "leader_a"}


def _briefing(city):
    from django.core.files.base import ContentFile

    from tracker.briefings.models import BriefingJob

    job = BriefingJob.objects.create(
        created_by=city.office_city,
        campaign=city.campaign,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        status="done",
        progress=100,
    )
    job.file.save(job.file_name, ContentFile(b"PK docx"))
    return job


MATRIX.update(
    {
        "briefings:start": ("get", lambda c, o: [], None, BRIEFERS, NOT_BRIEFERS),
        "briefings:job_detail": ("get", lambda c, o: [_briefing(c).pk], None, {"office_city"}, NOT_BRIEFERS),
        "briefings:download": ("get", lambda c, o: [_briefing(c).pk], None, {"office_city"}, NOT_BRIEFERS),
    }
)

# The set-password link is public by design (the token is the credential); a bad token gets the
# "link invalid" page, for everyone alike.
MATRIX.update(
    {
        "password_reset_confirm": ("get", lambda c, o: ["MQ", "bad-token"], None, set(ROLES), set()),
        "password_reset_complete": ("get", lambda c, o: [], None, set(ROLES), set()),
        # Forgotten password by e-mail: public, and says the same for every address.
        "password_reset": ("get", lambda c, o: [], None, set(ROLES), set()),
        "password_reset_done": ("get", lambda c, o: [], None, set(ROLES), set()),
    }
)
# People's accounts: the office of the person's subtree only (East and the city for staff_a).
MATRIX.update(
    {
        "personnel:account_list": ("get", lambda c, o: [], None, OFFICES, set(ROLES) - {"anonymous"} - OFFICES),
        "personnel:account_detail": (
            "get",
            lambda c, o: [c.staff_a.pk],
            None,
            {"office_east", "office_city"},
            set(),
        ),
        "personnel:account_link": (
            "post",
            lambda c, o: [c.staff_a.pk],
            lambda c, o: {},
            {"office_east", "office_city"},
            set(),
        ),
    }
)
# Security and reliability: soft delete of entries, health for load balancers.
MATRIX.update(
    {
        "work:entry_delete": (
            "post",
            lambda c, o: [o["entry"].pk],
            None,
            EDITORS_OF_A,  # staff_a wrote it; leader_a leads the unit
            READERS_OF_A - EDITORS_OF_A,
        ),
        "work:entry_restore": ("post", lambda c, o: [o["deleted"].pk], None, EDITORS_OF_A, READERS_OF_A - EDITORS_OF_A),
        "healthz": ("get", lambda c, o: [], None, set(ROLES), set()),
        # The security officer's audit: offices read their own people's record.
        "ops_audit": ("get", lambda c, o: [], None, OFFICES, set(ROLES) - {"anonymous"} - OFFICES),
        "ops_audit_export": ("get", lambda c, o: [], None, OFFICES, set(ROLES) - {"anonymous"} - OFFICES),
    }
)

# The template editor: the office's. Other roles with dashboards get 403, unit staff 404; a
# district's own template is another district's 404, the city's templates are read-only (403) to it.
EDITOR_REFUSED = {"guide", "leader_a", "leadership"}


def _local_template(city):
    from tracker.campaigns.models import TaskTemplate

    base = TaskTemplate.objects.get(code="reading")
    template, _created = TaskTemplate.objects.get_or_create(
        campaign=city.campaign,
        code="east-own",
        defaults={"measure": base.measure, "title_zh": "东区自定动作", "owner_unit": city.east},
    )
    return template


def _template_change(city):
    from tracker.campaigns.models import TaskTemplate
    from tracker.editor.models import TemplateChange

    template = TaskTemplate.objects.get(code="reading")
    return TemplateChange.objects.create(
        campaign=city.campaign,
        template=template,
        kind="retire",
        base_version=template.version,
        created_by=city.office_city,
    )


def _city_template(city):
    from tracker.campaigns.models import TaskTemplate

    return TaskTemplate.objects.get(code="reading")


# Background jobs: everyone has a list of their own; a job is its owner's alone (404 for anyone else).


def _job(city, status="done"):
    from django.core.files.base import ContentFile

    from tracker.jobs.models import Job

    job = Job.objects.create(kind="ledger_export", owner=city.office_city, status=status)
    if status == "done":
        job.result.save("ledger.xlsx", ContentFile(b"PK xlsx"), save=False)
        job.result_name, job.expires_at = "ledger.xlsx", timezone.now() + timedelta(hours=1)
        job.save()
    return job


MATRIX.update(
    {
        "editor:template_list": ("get", lambda c, o: [], None, OFFICES, EDITOR_REFUSED),
        "editor:template_create": ("get", lambda c, o: [], None, OFFICES, EDITOR_REFUSED),
        "editor:template_detail": (
            "get",
            lambda c, o: [_local_template(c).pk],
            None,
            {"office_east", "office_city"},
            EDITOR_REFUSED,
        ),
        "editor:template_edit": (
            "get",
            lambda c, o: [_local_template(c).pk],
            None,
            {"office_east", "office_city"},
            EDITOR_REFUSED,
        ),
        "editor:template_retire": (
            "post",
            lambda c, o: [_city_template(c).pk],
            lambda c, o: {"version": 1, "reason": "合并"},
            {"office_city"},
            EDITOR_REFUSED | {"office_east", "office_west"},
        ),
        "editor:soft_cap": (
            "post",
            lambda c, o: [],
            lambda c, o: {"cap": "3", "seen": ""},
            {"office_city"},
            EDITOR_REFUSED | {"office_east", "office_west"},
        ),
        "editor:change_detail": ("get", lambda c, o: [_template_change(c).pk], None, {"office_city"}, EDITOR_REFUSED),
        "editor:change_confirm": (
            "post",
            lambda c, o: [_template_change(c).pk],
            lambda c, o: {},
            {"office_city"},
            EDITOR_REFUSED,
        ),
        "jobs:list": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
        "jobs:detail": ("get", lambda c, o: [_job(c).pk], None, {"office_city"}, set()),
        "jobs:download": ("get", lambda c, o: [_job(c).pk], None, {"office_city"}, set()),
        "jobs:cancel": ("post", lambda c, o: [_job(c, "queued").pk], lambda c, o: {}, {"office_city"}, set()),
        "jobs:retry": ("post", lambda c, o: [_job(c, "failed").pk], lambda c, o: {}, {"office_city"}, set()),
    }
)

# ---------------------------------------------------------------------------- directives


def directive_objects(city):
    """Three 交办 to unit A (new, acknowledged, replied), a notice to East with a file, a pending
    extension of task A, a question from unit A with a file, and a 批示 on unit A."""
    if not hasattr(city, "_directive_objects"):
        from datetime import timedelta

        from tracker.directives import lines
        from tracker.directives import services as directives

        def issue(title):
            assignment = directives.assignment_issue(
                by=city.office_city,
                campaign=city.campaign,
                measure=city.org,
                units=[city.unit_a],
                title=title,
                text="请落实",
                due_on=timezone.localdate() + timedelta(days=5),
                files=[SimpleUploadedFile("a.pdf", PDF_BYTES)],
            )
            return assignment.targets.get()

        fresh, acknowledged, replied = issue("一"), issue("二"), issue("三")
        for target in (acknowledged, replied):
            directives.assignment_acknowledge(target=target, by=city.staff_a)
        directives.assignment_reply(target=replied, by=city.staff_a, text="已办", expected_version=None)
        replied.task.refresh_from_db()
        notice = directives.notice_publish(
            by=city.office_east,
            root=city.east,
            title="通知",
            body="请阅",
            files=[SimpleUploadedFile("n.pdf", PDF_BYTES)],
        )
        task = city.task_a()
        extension = lines.extension_request(
            task=task,
            by=city.staff_a,
            new_due_on=max(task.due_on, timezone.localdate()) + timedelta(days=3),
            reason="忙",
        )
        thread = lines.thread_open(
            unit=city.unit_a,
            by=city.staff_a,
            kind="question",
            addressee="guide",
            subject="问",
            text="如何办",
            files=[SimpleUploadedFile("q.pdf", PDF_BYTES)],
        )
        instruction = lines.instruction_write(unit=city.unit_a, by=city.leadership, text="抓紧")
        city._directive_objects = {
            "fresh": fresh,
            "acknowledged": acknowledged,
            "replied": replied,
            "file": fresh.assignment.files.get(),
            "notice": notice,
            "notice_file": notice.files.get(),
            "extension": extension,
            "thread": thread,
            "thread_file": thread.messages.get().files.get(),
            "instruction": instruction,
        }
    return city._directive_objects


def _do(key, attr="pk"):
    return lambda c, o: [getattr(directive_objects(c)[key], attr)]


LOGGED_IN = set(ROLES) - {"anonymous"}
ISSUERS = {"guide", "office_east", "office_city", "office_west"}
THREAD_WRITERS = EDITORS_OF_A | REVIEWERS_OF_A
MATRIX.update(
    {
        "directives:assignment_list": ("get", lambda c, o: [], None, LOGGED_IN, set()),
        "directives:assignment_create": ("get", lambda c, o: [], None, ISSUERS, LOGGED_IN - ISSUERS),
        # The unit's own people are sent on to their copy (302); outside the units: 404.
        "directives:assignment_detail": ("get", _do("fresh", "assignment_id"), None, READERS_OF_A, set()),
        "directives:assignment_urge": (
            "post",
            _do("fresh", "assignment_id"),
            lambda c, o: {},
            REVIEWERS_OF_A,
            LOGGED_IN - ISSUERS,
        ),
        "directives:assignment_file": ("get", _do("file"), None, READERS_OF_A, set()),
        "directives:target_detail": ("get", _do("fresh"), None, READERS_OF_A, set()),
        "directives:target_acknowledge": (
            "post",
            _do("fresh"),
            lambda c, o: {},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "directives:target_reply": (
            "post",
            _do("acknowledged"),
            lambda c, o: {"text": "已办", "version": directive_objects(c)["acknowledged"].task.version},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "directives:target_review": (
            "post",
            _do("replied"),
            lambda c, o: {"decision": "accept", "reason": "", "version": directive_objects(c)["replied"].task.version},
            REVIEWERS_OF_A,
            READERS_OF_A - REVIEWERS_OF_A,
        ),
        "directives:notice_list": ("get", lambda c, o: [], None, LOGGED_IN, set()),
        "directives:notice_create": ("get", lambda c, o: [], None, OFFICES, NOT_OFFICES),
        "directives:notice_detail": ("get", _do("notice"), None, READERS_OF_A, set()),
        "directives:notice_urge": (
            "post",
            _do("notice"),
            lambda c, o: {},
            {"office_east", "office_city"},
            READERS_OF_A - {"office_east", "office_city"},
        ),
        "directives:notice_file": ("get", _do("notice_file"), None, READERS_OF_A, set()),
        "directives:extension_list": ("get", lambda c, o: [], None, LOGGED_IN, set()),
        "directives:extension_create": (
            "get",
            lambda c, o: [c.task_a().pk],
            None,
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "directives:extension_decide": (
            "post",
            _do("extension"),
            lambda c, o: {"decision": "approve", "note": "", "version": 1},
            REVIEWERS_OF_A,
            READERS_OF_A - REVIEWERS_OF_A,
        ),
        "directives:thread_list": ("get", lambda c, o: [], None, LOGGED_IN, set()),
        "directives:thread_create": (
            "get",
            lambda c, o: [c.unit_a.pk],
            None,
            EDITORS_OF_A | {"guide"},
            READERS_OF_A - EDITORS_OF_A - {"guide"},
        ),
        "directives:thread_detail": ("get", _do("thread"), None, READERS_OF_A, set()),
        "directives:thread_post": (
            "post",
            _do("thread"),
            lambda c, o: {"text": "答复", "version": directive_objects(c)["thread"].version},
            THREAD_WRITERS,
            READERS_OF_A - THREAD_WRITERS,
        ),
        "directives:thread_forward": (
            "post",
            _do("thread"),
            lambda c, o: {"note": ""},
            REVIEWERS_OF_A,
            READERS_OF_A - REVIEWERS_OF_A,
        ),
        "directives:thread_close": (
            "post",
            _do("thread"),
            lambda c, o: {},
            THREAD_WRITERS,
            READERS_OF_A - THREAD_WRITERS,
        ),
        "directives:thread_file": ("get", _do("thread_file"), None, READERS_OF_A, set()),
        "directives:instruction_create": (
            "get",
            lambda c, o: [c.unit_a.pk],
            None,
            {"leadership"},
            READERS_OF_A - {"leadership"},
        ),
        "directives:instruction_detail": ("get", _do("instruction"), None, READERS_OF_A, set()),
        "directives:instruction_acknowledge": (
            "post",
            _do("instruction"),
            lambda c, o: {},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "reminders:unit_urges": ("get", lambda c, o: [c.unit_a.pk], None, READERS_OF_A, set()),
    }
)

# Campaigns and batches (issue 15): the switcher is everyone's; the comparison is a dashboard; a
# unit's own window is set by the offices over the unit.
MATRIX.update(
    {
        "campaigns:switch": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
        "dashboards:compare": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
        "work:unit_window": (
            "get",
            lambda c, o: [c.unit_a.pk],
            None,
            {"office_east", "office_city"},
            READERS_OF_A - {"office_east", "office_city"},
        ),
        # Campaigns are the whole city's: only the city-level office creates, batches and closes them.
        "work:campaigns": ("get", lambda c, o: [], None, {"office_city"}, set(ROLES) - {"anonymous", "office_city"}),
        "work:campaign_create": (
            "post",
            lambda c, o: [],
            lambda c, o: {
                "source": f"clone:{c.campaign.pk}",
                "code": "next-run",
                "name_zh": "下一批",
                "starts_on": c.campaign.starts_on.isoformat(),
                "ends_on": c.campaign.ends_on.isoformat(),
            },
            {"office_city"},
            set(ROLES) - {"anonymous", "office_city"},
        ),
        "work:batch_create": (
            "post",
            lambda c, o: [c.campaign.pk],
            lambda c, o: {
                "code": "first",
                "name_zh": "第一批",
                "starts_on": c.campaign.starts_on.isoformat(),
                "ends_on": c.campaign.ends_on.isoformat(),
                "unit_codes": c.unit_a.code,
            },
            {"office_city"},
            set(ROLES) - {"anonymous", "office_city"},
        ),
        "work:campaign_close": (
            "post",
            lambda c, o: [c.campaign.pk],
            lambda c, o: {},
            {"office_city"},
            set(ROLES) - {"anonymous", "office_city"},
        ),
    }
)

# People, planned research, public surveys and formalism signals (tracker.people, .surveys, .insights).


def people_objects(city):
    """Unit A's roster (a leader), a study session, a deed with a survey, and a planned visit."""
    if not hasattr(city, "_people_objects"):
        from datetime import timedelta

        from tests.factories import make_ledger_row
        from tracker.people.models import RosterMember
        from tracker.people.services import planned_visit_create
        from tracker.surveys.services import survey_open

        leader = RosterMember.objects.create(unit=city.unit_a, name="王书记", post="党委书记", is_leader=True)
        session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
        deed = make_ledger_row("deeds", unit=city.unit_a, by=city.staff_a)
        survey = survey_open(
            by=city.staff_a, subject=deed, public_title="社区食堂", ends_on=timezone.localdate() + timedelta(days=9)
        )
        plan = planned_visit_create(
            unit=city.unit_a,
            campaign=city.campaign,
            by=city.staff_a,
            site="城关街道第一社区",
            planned_on=timezone.localdate() + timedelta(days=3),
            leader_name="王书记",
        )
        city._people_objects = {"leader": leader, "session": session, "deed": deed, "survey": survey, "plan": plan}
    return city._people_objects


def _po(key):
    return lambda c, o: [people_objects(c)[key].pk]


EDITORS_ANYWHERE = {"staff_a", "leader_a", "staff_b"} | OFFICES
REVIEWERS = {"guide"} | OFFICES
MATRIX.update(
    {
        "people:roster": ("get", lambda c, o: [c.unit_a.pk], None, READERS_OF_A, set()),
        "people:membership": (
            "post",
            lambda c, o: [c.unit_a.pk],
            lambda c, o: {"party_members": "30"},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "people:roster_import": ("get", lambda c, o: [], None, EDITORS_ANYWHERE, {"guide", "leadership"}),
        "people:study_attendance": ("get", _po("session"), None, EDITORS_OF_A, READERS_OF_A - EDITORS_OF_A),
        "people:task_leader": ("get", lambda c, o: [o["task"].pk], None, EDITORS_OF_A, READERS_OF_A - EDITORS_OF_A),
        "people:participation": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
        "people:leader": ("get", _po("leader"), None, READERS_OF_A, set()),
        "people:plans": ("get", lambda c, o: [c.unit_a.pk], None, READERS_OF_A, set()),
        "people:plan_record": (
            "post",
            _po("plan"),
            lambda c, o: {"version": 1, "visited_on": timezone.localdate().isoformat()},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "people:plan_cancel": (
            "post",
            _po("plan"),
            lambda c, o: {"version": 1},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "people:plan_suggest": (
            "post",
            _po("plan"),
            lambda c, o: {"version": 1, "suggested_on": timezone.localdate().isoformat()},
            REVIEWERS_OF_A,
            READERS_OF_A - REVIEWERS_OF_A,
        ),
        "people:calendar": (
            "get",
            lambda c, o: [],
            None,
            {"guide", "office_east", "office_city", "office_west", "leadership"},
            {"staff_a", "leader_a", "staff_b"},
        ),
        "surveys:public": ("get", lambda c, o: [people_objects(c)["survey"].token], None, set(ROLES), set()),
        "surveys:open": (
            "get",
            lambda c, o: ["deeds", people_objects(c)["deed"].pk],
            None,
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "surveys:results": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
        "surveys:export": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
        "surveys:detail": ("get", _po("survey"), None, READERS_OF_A, set()),
        "surveys:qr": ("get", _po("survey"), None, READERS_OF_A, set()),
        "surveys:codes": (
            "post",
            _po("survey"),
            lambda c, o: {"count": "5"},
            EDITORS_OF_A,
            READERS_OF_A - EDITORS_OF_A,
        ),
        "insights:signals": (
            "get",
            lambda c, o: [],
            None,
            REVIEWERS,
            {"staff_a", "leader_a", "staff_b", "leadership"},
        ),
    }
)

# Assessment scores: every role with dashboards reads them over its scope (staff: 404); only the
# city office sets the parameters (other readers: 403).
MATRIX.update(
    {
        "scoring:scores": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
        "scoring:export": ("get", lambda c, o: [], None, DASHBOARD_ROLES, set()),
        "scoring:settings": (
            "post",
            lambda c, o: [],
            lambda c, o: {"completion_weight": 50, "on_time_weight": 50, "late_penalty": 10},
            {"office_city"},
            DASHBOARD_ROLES - {"office_city"},
        ),
    }
)


# Model cases (典型案例): everyone reads the featured ones in scope; the office or the unit's guides
# propose (others reading the unit: 403); the office responsible for the unit decides.
def _proposed_case(city, task):
    from tracker.cases.models import ModelCase

    return ModelCase.objects.create(
        campaign=city.campaign, unit=task.unit, task=task, citation="做法新颖", proposed_by=city.guide
    )


MATRIX.update(
    {
        "cases:list": ("get", lambda c, o: [], None, set(ROLES) - {"anonymous"}, set()),
        "cases:task_propose": (
            "get",
            lambda c, o: [o["task"].pk],
            None,
            REVIEWERS_OF_A,
            READERS_OF_A - REVIEWERS_OF_A,
        ),
        "cases:deed_propose": ("get", _po("deed"), None, REVIEWERS_OF_A, READERS_OF_A - REVIEWERS_OF_A),
        "cases:decide": (
            "post",
            lambda c, o: [_proposed_case(c, o["task"]).pk],
            lambda c, o: {"feature": "1", "version": 1, "note": ""},
            {"office_east", "office_city"},
            READERS_OF_A - {"office_east", "office_city"},
        ),
    }
)

# Django's own auth and language views, tested one by one below (not unit-scoped).
# notify:click is the signed link in a mail or IM message: open to anyone holding it (tests/notify/test_views.py).
SPECIAL = {"login", "logout", "set_language", "notify:click"}
# Writes with no in-scope reader to refuse (everyone may switch language or log out; one's own
# notifications). A job has no reader but its owner; an account page has none but the person's office.
WRITES_WITHOUT_403 = {"jobs:cancel", "jobs:retry", "personnel:account_link", "notify:read", "notify:read_all"}


def all_patterns(resolver=None, prefix="", namespace=""):
    """(route as written, full name or None) of every pattern, named or not."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else None


def all_route_names():
    return {name for _route, name in all_patterns() if name}


def test_every_route_is_in_the_matrix():
    unaccounted = []
    for route, name in all_patterns():
        if route.startswith("admin/"):
            continue  # each one is requested by test_admin_is_for_superusers_only
        if name is None:
            unaccounted.append(f"{route} (give it a name)")
        elif name not in MATRIX and name not in SPECIAL and name not in API_MATRIX:
            unaccounted.append(name)
    assert unaccounted == [], "add the new route to MATRIX in tests/test_access.py (API: tests/api/test_api.py)"
    assert set(MATRIX) - all_route_names() == set(), "MATRIX names a route that no longer exists"
    assert set(API_MATRIX) - all_route_names() == set(), "API_MATRIX names a route that no longer exists"


def test_every_write_has_a_403_case():
    """A POST route must name the in-scope roles it refuses, so the 403 path is exercised."""
    unchecked = [name for name, row in MATRIX.items() if row[0] == "post" and not row[4]]
    assert set(unchecked) <= WRITES_WITHOUT_403, unchecked


def user_for(city, role):
    if role == "office_west":
        return make_user(Role.OFFICE, unit=city.west, username="office_west")
    return getattr(city, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_access(client, city, route, role):
    method, args, data, allowed, forbidden = MATRIX[route]
    objects = prepare(city)
    if role != "anonymous":
        login(client, user_for(city, role))
    url = reverse(route, args=args(city, objects))
    payload = data(city, objects) if data else None
    before = table_counts() if method == "post" else None
    response = getattr(client, method)(url, payload) if payload is not None else getattr(client, method)(url)
    if role in allowed:
        assert _ok(response.status_code), (route, role, response.status_code)
        return
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("login")), route
    elif role in forbidden:
        assert response.status_code == 403, (route, role, response.status_code)
    else:
        assert response.status_code == 404, (route, role, response.status_code)
    if before is not None:
        assert table_counts() == before, f"{route} refused {role} but wrote something"
        # The same write sent by htmx is refused the same way (anonymous: htmx reloads to the login page).
        response = client.post(url, payload, HTTP_HX_REQUEST="true")
        if role == "anonymous":
            assert response.status_code == 200 and response["HX-Redirect"].startswith(reverse("login")), route
        else:
            assert response.status_code == (403 if role in forbidden else 404), (route, role, response.status_code)
        assert table_counts() == before, f"{route} (htmx) refused {role} but wrote something"


# --- Django's own views: login, logout, language switch ------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_login_page(client, city, role):
    if role != "anonymous":
        login(client, user_for(city, role))
    response = client.get(reverse("login"))
    # Signed-in users are sent on to their work instead of seeing the form again.
    assert response.status_code == (200 if role == "anonymous" else 302)


@pytest.mark.parametrize("role", ROLES)
def test_logout_is_post_only_and_ends_the_session(client, city, role):
    if role != "anonymous":
        login(client, user_for(city, role))
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert client.get(reverse("home")).url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_language_switch_is_open_to_everyone(client, city, role):
    if role != "anonymous":
        login(client, user_for(city, role))
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"  # no open redirect


# --- the admin: every pattern, named or not ----------------------------------------------------------

SAMPLE_VALUES = {"app_label": "work", "url": "no-such-page/"}


def sample_path(route: str) -> str:
    """A concrete path for a route or regex, with "1" (or a sample) for every parameter."""
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_VALUES.get(m.group(1), "1"), path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_VALUES.get(m.group(1), "1"), path)
    return "/" + re.sub(r"\([^)]*\)", "1", path)


ADMIN_OPEN = {"admin:login"}  # the admin's own login form
ADMIN_LOGOUT = "admin:logout"  # POST only; the admin sends non-staff on to its index, hence its login


@pytest.mark.parametrize("role", [*ROLES, "superuser"])
def test_admin_is_for_superusers_only(client, city, role):
    """Anyone not staff is sent to the admin login; app roles (office included) are not staff."""
    if role == "superuser":
        login(client, make_user(is_superuser=True, is_staff=True, username="root"))
    elif role != "anonymous":
        login(client, user_for(city, role))
    admin_login = reverse("admin:login")
    routes = [(route, name) for route, name in all_patterns() if route.startswith("admin/")]
    assert len(routes) > 50
    for route, name in routes:
        path = sample_path(route)
        response = client.get(path)
        if name == ADMIN_LOGOUT:
            assert response.status_code == (405 if role == "superuser" else 302), path
        elif name in ADMIN_OPEN:
            assert response.status_code in (200, 302), path
        elif role == "superuser":
            # Past the door every page must work: 403 only where the admin itself refuses (axes'
            # logs are read-only, autocomplete needs its parameters), 404 for the sample ids.
            assert response.status_code in {200, 302, 403, 404}, (path, response.status_code)
        else:
            assert response.status_code == 302 and response.url.startswith(admin_login), (path, role)


def test_out_of_scope_probe_is_logged(client, city, caplog):
    login(client, city.staff_b)
    with caplog.at_level("WARNING", logger="tracker.access"):
        assert client.get(reverse("work:task_detail", args=[city.task_a().pk])).status_code == 404
    assert any("out-of-scope" in r.message and str(city.staff_b.pk) in r.getMessage() for r in caplog.records)


def test_writes_are_never_get(client, city):
    login(client, city.staff_a)
    for route in ("work:task_entry_add", "work:task_owner", "work:task_submit", "work:task_review"):
        assert client.get(reverse(route, args=[city.task_a().pk])).status_code == 405
    assert client.get(reverse("work:review_batch_accept")).status_code == 405


@pytest.mark.parametrize("role", sorted(set(ROLES) - EDITORS_OF_A))
def test_self_chosen_task_post_is_refused_like_its_get(client, city, role):
    """unit_task_create serves GET and POST; MATRIX requests the GET, this the write."""
    if role != "anonymous":
        login(client, user_for(city, role))
    before = table_counts()
    url = reverse("work:unit_task_create", args=[city.unit_a.pk])
    response = client.post(url, {"measure": city.study.pk, "title": "x", "due_on": timezone.localdate().isoformat()})
    expected = 302 if role == "anonymous" else 403 if role in READERS_OF_A else 404
    assert response.status_code == expected and table_counts() == before
