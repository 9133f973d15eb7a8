"""Text helpers of the ledgers: the key a site or topic is compared by, and a guard on control characters."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0/C1 control characters other than tab and newlines: invisible, and they break Excel exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normalise_key(text: str) -> str:
    """The form two names are compared in: full-width folded to half-width, case, spaces and punctuation ignored.

    "城关街道 第一社区", "城关街道第一社区 " and "城关街道（第一社区）" all give the same key, so a visit
    typed slightly differently still counts as the same site.
    """
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZC" and ch not in "~`^+=<>|$")


def no_control_characters(value: str) -> None:
    if value and _CONTROL.search(value):
        raise ValidationError(_("Remove the invisible control characters from this text."), code="control_chars")


def split_names(text: str) -> list[str]:
    """Names in an attendance list, separated by commas, enumeration commas, semicolons or line breaks."""
    return [name for name in re.split(r"[,，、;；\s]+", text or "") if name]
