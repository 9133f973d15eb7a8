"""Text helpers of the ledgers: the key a site or topic is compared by, and a guard on control characters."""

from __future__ import annotations

import re
import unicodedata

from tracker.core.validators import validate_plain_text


def normalise_key(text: str) -> str:
    """The form two names are compared in: full-width folded to half-width, case, spaces and punctuation ignored.

    "城关街道 第一社区", "城关街道第一社区 " and "城关街道（第一社区）" all give the same key, so a visit
    typed slightly differently still counts as the same site.
    """
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZC" and ch not in "~`^+=<>|$")


def no_control_characters(value: str) -> None:
    """The project's one control-character rule (kept under this name: migrations refer to it)."""
    validate_plain_text(value)


def split_names(text: str) -> list[str]:
    """Names in an attendance list, separated by commas, enumeration commas, semicolons or line breaks."""
    return [name for name in re.split(r"[,，、;；\s]+", text or "") if name]
