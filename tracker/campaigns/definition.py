"""A campaign's definition as data: what `manage.py export_campaign` writes and `seed_campaign --file` reads.

The shape is the one of seeds/campaign.yaml (see tracker.campaigns.seeding), so a city can hand
its definition to the next: exporting a campaign and loading the file back changes nothing.
Units, batches and what units did are not part of a definition.
"""

from __future__ import annotations

from typing import Any

import yaml

from tracker.campaigns.models import Campaign, Measure, TaskTemplate
from tracker.orgs.models import UnitCategory

HEADER = (
    "# Campaign definition exported by manage.py export_campaign; load it with\n"
    "# manage.py seed_campaign --file PATH (see seeds/campaign.yaml for the conventions).\n"
)
# Campaign settings written under `campaign:` besides code, names and citation.
CAMPAIGN_KEYS = (
    "general_requirement",
    "yellow_due_workdays",
    "stale_days",
    "group_red_percent",
    "reminders_enabled",
    "overdue_repeat_workdays",
    "escalate_after_days",
    "digest_weekday",
    "research_window_days",
    "escalation_ignores_quiet_hours",
    "self_chosen_soft_cap",
)


def _source(row: Any) -> dict[str, Any] | None:
    if not row.source_file:
        return None
    source: dict[str, Any] = {"file": row.source_file, "line": row.source_line}
    if row.source_quote:
        source["quote"] = row.source_quote
    return source


def _with_source(data: dict[str, Any], row: Any) -> dict[str, Any]:
    source = _source(row)
    if source:
        data["source"] = source
    return data


def _template(template: TaskTemplate) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": template.code,
        "measure": template.measure.code,
        "order": template.order,
        "title_zh": template.title_zh,
        "title_en": template.title_en,
        "description_zh": template.description,
        "done_criteria_zh": template.done_criteria,
        "evidence_zh": template.evidence_expected,
        "due": {"anchor": template.due_anchor, "offset_days": template.due_offset_days},
        "recurrence": template.recurrence,
        "categories": sorted(c.code for c in template.categories.all()),
        "weight": template.weight,
        "target_count": template.target_count,
    }
    if template.ledger:
        data["ledger"] = template.ledger
    if template.ledger_filter:
        data["ledger_filter"] = template.ledger_filter
    if not template.is_active:
        data["active"] = False
    if template.owner_unit is not None:
        # A district's own template (分类指导): its owner by unit code, found again on load.
        data["owner_unit"] = template.owner_unit.code
    return _with_source(data, template)


def campaign_definition(*, campaign: Campaign) -> dict[str, Any]:
    """The campaign, the unit categories, the measures and the campaign's templates, as plain data."""
    spec: dict[str, Any] = {
        "code": campaign.code,
        "name_zh": campaign.name_zh,
        "name_en": campaign.name_en,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        **{key: getattr(campaign, key) for key in CAMPAIGN_KEYS},
    }
    templates = (
        campaign.templates.select_related("measure", "owner_unit")
        .prefetch_related("categories")
        .order_by("order", "code")
    )
    return {
        "campaign": _with_source(spec, campaign),
        "categories": [
            {"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en, "order": c.order}
            for c in UnitCategory.objects.order_by("order", "code")
        ],
        "measures": [
            _with_source({"code": m.code, "order": m.order, "name_zh": m.name_zh, "name_en": m.name_en}, m)
            for m in Measure.objects.order_by("order", "code")
        ],
        "templates": [_template(t) for t in templates],
    }


def campaign_export_yaml(*, campaign: Campaign) -> str:
    body = yaml.safe_dump(
        campaign_definition(campaign=campaign),
        allow_unicode=True,
        sort_keys=False,
        width=1000,
        default_flow_style=False,
    )
    return HEADER + body
