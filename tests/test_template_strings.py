"""Every word a user can see in a template is marked for translation, and is in the catalog.

The scan covers every template the project ships (templates/ and any tracker/<app>/templates/),
so templates added later are checked without touching this file. What is left of a template
after removing template tags, variables, comments, {% blocktranslate %} blocks, markup and
invisible attributes must not contain letters (Chinese characters count as letters), except
for the few strings in ALLOWED.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.template import templatize

from tests.test_i18n import po_entries, unescape

# Shown as they are in every language: the language switch names each language in itself, and
# file formats keep their names.
ALLOWED = {"中文", "English", "Excel (.xlsx)", "CSV"}
# Attributes whose values people see or hear (tooltips, placeholders, screen readers).
VISIBLE_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label", "aria-description", "label"}
# Input types whose value is the button's caption.
CAPTION_INPUTS = {"submit", "button", "reset"}

BASE = Path(settings.BASE_DIR)
REMOVED = [
    re.compile(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*(blocktranslate|blocktrans)\b.*?%}.*?{%\s*end(blocktranslate|blocktrans)\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%.*?%}", re.S),
    re.compile(r"{{.*?}}", re.S),
]
LETTER = re.compile(r"[^\W\d_]")


def template_files() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]] + sorted((BASE / "tracker").glob("*/templates"))
    return sorted({path for root in roots for path in root.rglob("*") if path.suffix in {".html", ".txt"}})


def strip_template_language(source: str) -> str:
    """Blank out template syntax, keeping every newline so reported line numbers stay right."""
    for pattern in REMOVED:
        source = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    return source


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden = 0  # inside <script> or <style>

    def _keep(self, text: str) -> None:
        text = " ".join(text.split())
        if text and LETTER.search(text) and text not in ALLOWED:
            self.found.append((self.getpos()[0], text))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            visible = name in VISIBLE_ATTRIBUTES or (
                tag == "input" and name == "value" and values.get("type") in CAPTION_INPUTS
            )
            if visible and value:
                self._keep(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden:
            self._keep(data)


def untranslated(source: str) -> list[tuple[int, str]]:
    parser = VisibleText()
    parser.feed(strip_template_language(source))
    parser.close()
    return parser.found


def test_the_scan_sees_the_templates():
    names = {path.relative_to(BASE).as_posix() for path in template_files()}
    assert {"templates/base.html", "templates/work/task_detail.html"} <= names


def test_the_scan_catches_what_it_should():
    source = """{% load i18n %}<h1>{% translate "Units" %}</h1>
<p>Plain words</p>{# a comment #}{% comment %}notes{% endcomment %}
<input placeholder="Search here" title="{% translate 'Ok' %}" type="submit" value="Send">
<img alt="{{ x }}" src="a.png"><span aria-label="未翻译">{{ value }} / {{ total }}</span>
{% blocktranslate with n=3 %}{{ n }} tasks{% endblocktranslate %} &amp; — <b>中文</b>
<script nonce="x">var text = "ignored";</script><option value="raw-value">{{ label }}</option>"""
    assert untranslated(source) == [(2, "Plain words"), (3, "Search here"), (3, "Send"), (4, "未翻译")]


@pytest.mark.parametrize("path", template_files(), ids=lambda p: p.relative_to(BASE).as_posix())
def test_template_text_is_marked_for_translation(path):
    found = untranslated(path.read_text(encoding="utf-8"))
    assert found == [], "\n".join(f"{path.relative_to(BASE)}:{line}: {text!r}" for line, text in found)


CALL = re.compile(r"\b(gettext|ngettext|pgettext|npgettext)\(")
LITERAL = re.compile(r"""\s*u('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*,?""")


def template_msgids(source: str) -> set[str]:
    """The msgids makemessages would extract from a template, context joined as gettext does."""
    found = set()
    code = templatize(source)
    for call in CALL.finditer(code):
        position, strings = call.end(), []
        while match := LITERAL.match(code, position):
            strings.append(ast.literal_eval(match.group(1)))
            position = match.end()
        name = call.group(1)
        if name.startswith("np") or name.startswith("p"):
            found.add(f"{strings[0]}\x04{strings[1]}")
        else:
            found.add(strings[0])
    return found


def test_every_template_msgid_is_in_the_catalog():
    catalog = {unescape(msgid) for _, msgid, _ in po_entries()}
    missing = {
        f"{path.relative_to(BASE)}: {msgid!r}"
        for path in template_files()
        for msgid in template_msgids(path.read_text(encoding="utf-8"))
        if msgid not in catalog
    }
    assert missing == set(), "run `make messages` and translate:\n" + "\n".join(sorted(missing))


# A colon or bracket typed into a template sits next to translated words: half-width is wrong in
# Chinese. Templates use {% colon %} / {% paren %} (tracker/core/templatetags/punctuation.py) or
# put the punctuation inside the translated string. Mail bodies (.txt) are plain text and exempt.
HALF_WIDTH = re.compile(r"[:()]")


def half_width_punctuation(source: str) -> list[tuple[int, str]]:
    class Punctuation(VisibleText):
        def _keep(self, text: str) -> None:
            text = " ".join(text.split())
            for allowed in ALLOWED:
                text = text.replace(allowed, "")
            if HALF_WIDTH.search(text):
                self.found.append((self.getpos()[0], text))

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self._hidden += 1

    parser = Punctuation()
    parser.feed(strip_template_language(source))
    parser.close()
    return parser.found


def test_the_punctuation_scan_catches_what_it_should():
    source = '{% load i18n %}<p>{% translate "Owner" %}: {{ x }}</p><p>{{ a }} ({{ b }})</p><p>Excel (.xlsx)</p>'
    assert half_width_punctuation(source) == [(1, ":"), (1, "( )")]


@pytest.mark.parametrize(
    "path", [p for p in template_files() if p.suffix == ".html"], ids=lambda p: p.relative_to(BASE).as_posix()
)
def test_no_half_width_punctuation_typed_next_to_translated_text(path):
    found = half_width_punctuation(path.read_text(encoding="utf-8"))
    assert found == [], "\n".join(f"{path.relative_to(BASE)}:{line}: {text!r}" for line, text in found)
