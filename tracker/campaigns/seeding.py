"""Load the campaign definition (seeds/campaign.yaml) into the database, idempotently.

Rows are matched by their codes and updated in place, so loading twice gives the same data
and a corrected wording reaches an existing campaign. Every citation is checked against the
speech files in seeds/sources/: a quote that is not on the cited line stops the load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from tracker.campaigns.models import Campaign, Measure, TaskTemplate
from tracker.orgs.models import Unit, UnitCategory

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"
DEFAULT_DEFINITION = SEEDS_DIR / "campaign.yaml"
DEFAULT_LENGTH_DAYS = 120
M = TypeVar("M", bound=Model)
# Campaign settings a definition may carry (export_campaign writes them); absent ones stay as they are.
OPTIONAL_CAMPAIGN_KEYS = (
    "group_red_percent",
    "reminders_enabled",
    "overdue_repeat_workdays",
    "escalate_after_days",
    "digest_weekday",
    "escalation_ignores_quiet_hours",
    "self_chosen_soft_cap",
)


def _date(value: Any) -> date | None:
    """A date from YAML: PyYAML reads an unquoted 2026-01-31 as a date, a quoted one as text."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(f"campaign: {value!r} is not a date (YYYY-MM-DD)") from exc


@dataclass(frozen=True)
class SeedResult:
    campaign: Campaign
    categories: int
    measures: int
    templates: int


def _source_lines(sources_dir: Path) -> dict[str, list[str]]:
    return {path.name: path.read_text(encoding="utf-8").splitlines() for path in sources_dir.glob("*.txt")}


def _citation(where: str, source: dict | None, lines: dict[str, list[str]]) -> dict:
    if not source:
        return {"source_file": "", "source_line": None, "source_quote": ""}
    file, line, quote = source.get("file"), source.get("line"), source.get("quote", "")
    if file not in lines:
        raise ValidationError(f"{where}: source file {file!r} is not in seeds/sources/")
    if not isinstance(line, int) or not 1 <= line <= len(lines[file]):
        raise ValidationError(f"{where}: {file} has no line {line!r}")
    if quote and quote not in lines[file][line - 1]:
        raise ValidationError(f"{where}: the quote {quote!r} is not on {file} line {line}")
    return {"source_file": file, "source_line": line, "source_quote": quote}


def _upsert(model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """The row matching `lookup`, created or updated to `values`; saved only if something differs.

    An unchanged row is not saved, so a re-run writes no history row and `updated_at` stays put.
    """
    row = model._default_manager.filter(**lookup).first()
    if row is None:
        row = model(**lookup, **values)
        row.full_clean()
        row.save()
        return row
    if _assign(row, values):
        row.full_clean()
        row.save()
    return row


def _assign(row: Model, values: dict[str, Any]) -> bool:
    """Set `values` on the row; whether any of them changed."""
    changed = False
    for field, value in values.items():
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    return changed


def _owner_unit(where: str, code: str | None) -> Unit | None:
    """A district's own template names its owner by unit code; the unit must exist here."""
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationError(f"{where}: owner unit {code!r} does not exist; import the units first")
    return unit


@transaction.atomic
def campaign_seed(
    *,
    path: Path = DEFAULT_DEFINITION,
    starts_on: date | None = None,
    ends_on: date | None = None,
    code: str | None = None,
    name_zh: str | None = None,
) -> SeedResult:
    """Create or update the campaign, categories, measures and templates from a YAML file.

    Tasks are not generated here: `manage.py seed_campaign` does it after this commits.

    Dates are set when the campaign is first created (default: today for 120 days) and changed
    later only when given, so re-running the seed never moves a running campaign.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # An exported definition (export_campaign) may travel without the speeches: cite ours then.
    sources = path.parent / "sources"
    lines = _source_lines(sources if sources.is_dir() else SEEDS_DIR / "sources")

    categories = {}
    for order, row in enumerate(data["categories"]):
        categories[row["code"]] = _upsert(
            UnitCategory,
            {"code": row["code"]},
            {"name_zh": row["name_zh"], "name_en": row.get("name_en", ""), "order": row.get("order", order)},
        )

    measures = {}
    for row in data["measures"]:
        measures[row["code"]] = _upsert(
            Measure,
            {"code": row["code"]},
            {
                "name_zh": row["name_zh"],
                "name_en": row.get("name_en", ""),
                "order": row.get("order", 0),
                **_citation(f"measure {row['code']}", row.get("source"), lines),
            },
        )

    spec = data["campaign"]
    # The office may load a shipped definition as a new campaign under its own code and name.
    spec = {**spec, **({"code": code} if code else {}), **({"name_zh": name_zh} if name_zh else {})}
    campaign = Campaign.objects.filter(code=spec["code"]).first()
    if campaign is None:
        # An exported definition carries its dates; given dates win, else today for 120 days.
        start = starts_on or _date(spec.get("starts_on")) or timezone.localdate()
        end = ends_on or _date(spec.get("ends_on"))
        campaign = Campaign(
            code=spec["code"],
            starts_on=start,
            ends_on=end if end and end >= start else start + timedelta(days=DEFAULT_LENGTH_DAYS),
        )
    changed = _assign(
        campaign,
        {
            "starts_on": starts_on or campaign.starts_on,
            "ends_on": ends_on or campaign.ends_on,
            "name_zh": spec["name_zh"],
            "name_en": spec.get("name_en", ""),
            "general_requirement": spec.get("general_requirement", ""),
            "yellow_due_workdays": spec.get("yellow_due_workdays", settings.TRACKER_DEFAULT_YELLOW_DUE_WORKDAYS),
            "stale_days": spec.get("stale_days", settings.TRACKER_DEFAULT_STALE_DAYS),
            "research_window_days": spec.get("research_window_days", settings.TRACKER_DEFAULT_RESEARCH_WINDOW_DAYS),
            **{key: spec[key] for key in OPTIONAL_CAMPAIGN_KEYS if key in spec},
            **_citation("campaign", spec.get("source"), lines),
        },
    )
    if changed or campaign.pk is None:
        campaign.full_clean()
        campaign.save()

    seen_codes = set()
    for order, row in enumerate(data["templates"]):
        code = row["code"]
        where = f"template {code}"
        if code in seen_codes:
            raise ValidationError(f"{where}: duplicate code")
        seen_codes.add(code)
        if row["measure"] not in measures:
            raise ValidationError(f"{where}: unknown measure {row['measure']!r}")
        unknown = set(row.get("categories") or []) - categories.keys()
        if unknown:
            raise ValidationError(f"{where}: unknown categories {sorted(unknown)}")
        due = row.get("due") or {}
        template = _upsert(
            TaskTemplate,
            {"campaign": campaign, "code": code},
            {
                "measure": measures[row["measure"]],
                "title_zh": row["title_zh"],
                "title_en": row.get("title_en", ""),
                "description": row.get("description_zh", ""),
                "done_criteria": row.get("done_criteria_zh", ""),
                "evidence_expected": row.get("evidence_zh", ""),
                "due_anchor": due.get("anchor", "start"),
                "due_offset_days": due.get("offset_days", 30),
                "recurrence": row.get("recurrence", "none"),
                "weight": row.get("weight", 1),
                "target_count": row.get("target_count", 1),
                "ledger": row.get("ledger", ""),
                "ledger_filter": row.get("ledger_filter") or {},
                "order": row.get("order", order),
                "is_active": row.get("active", True),
                "owner_unit": _owner_unit(where, row.get("owner_unit")),
                **_citation(where, row.get("source"), lines),
            },
        )
        template.categories.set([categories[c] for c in row.get("categories") or []])
    return SeedResult(campaign=campaign, categories=len(categories), measures=len(measures), templates=len(seen_codes))
