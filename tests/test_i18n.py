"""The zh_Hans catalog is complete and compiled: Chinese is the default UI language."""

import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def po_entries():
    """(flags, msgid, msgstr) of every entry but the header; continuation lines joined."""
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    for block in blocks:
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        msgid = (
            "".join(
                re.findall(r'^(?:msgid|")\s*"?(.*?)"$', re.split(r"^msgid_plural|^msgstr", block, flags=re.M)[0], re.M)
            )
            if "msgid" in block
            else ""
        )
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$((?:\n".*")*)', block, re.M)
        if not msgid or block.lstrip().startswith("#~"):
            continue
        context = re.search(r'^msgctxt "(.*)"$', block, re.M)
        if context:  # the compiled catalog keys a message with a context as "context\x04msgid"
            msgid = f"{context.group(1)}\x04{msgid}"
        yield flags, msgid, ["".join([head, *re.findall(r'"(.*)"', tail)]) for head, tail in strs]


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def test_catalog_has_no_fuzzy_or_missing_translations():
    entries = list(po_entries())
    assert len(entries) > 150
    fuzzy = [msgid for flags, msgid, _ in entries if "fuzzy" in flags]
    missing = [msgid for _, msgid, strs in entries if not all(strs)]
    assert fuzzy == [] and missing == []


def test_compiled_catalog_matches_the_source():
    import gettext

    with PO.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for _, msgid, strs in po_entries():
        source = unescape(msgid)
        translated = compiled.gettext(source)
        if translated == source:  # a message with plural forms is looked up as such
            translated = compiled.ngettext(source, source, 1)
        assert translated == unescape(strs[0]), msgid


def test_default_language_is_simplified_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


CJK = "\u3400-\u9fff\u3000-\u303f\uff01-\uff5e"
HALF_WIDTH_NEXT_TO_CJK = re.compile(rf"[{CJK}] ?[:()]|[:()] ?[{CJK}]")


def test_chinese_text_uses_full_width_colons_and_brackets():
    """A half-width ":" "(" or ")" touching Chinese text reads as a typo; "%(name)s" placeholders are fine."""
    offending = [
        (msgid, text)
        for _, msgid, strs in po_entries()
        for text in strs
        if HALF_WIDTH_NEXT_TO_CJK.search(re.sub(r"%\(\w+\)[sd]", "", text))
    ]
    assert offending == []
