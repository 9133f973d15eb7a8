from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tracker.campaigns.middleware import SESSION_KEY


def campaign(request: HttpRequest) -> dict[str, Any]:
    """The chosen campaign as the header shows it (name, archive or not), from the session: no query."""
    chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return {"chosen_campaign": chosen if isinstance(chosen, dict) else None}
