"""The briefing as a Word file: A4, 仿宋 body and 黑体 headings, tables and two charts.

Fonts are set on the styles (w:rFonts with w:eastAsia), not run by run, and the theme font
references of python-docx's template are removed, so Word and WPS both show the Chinese fonts.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.utils import formats
from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from tracker.briefings import charts
from tracker.briefings.selectors import Briefing
from tracker.work.lights import Light, completion_percent

BODY_FONT = ("Times New Roman", "仿宋")  # (Latin, East Asian)
HEADING_FONT = ("Arial", "黑体")
TITLE_FONT = ("Arial", "方正小标宋简体")  # falls back to the heading font where it is missing
TABLE_FONT = ("Times New Roman", "宋体")

Progress = Callable[[int], None]
Section = Callable[[DocxDocument, Briefing], None]


def _fonts(style_or_run, latin: str, east_asian: str) -> None:
    """Set all four rFonts slots and drop theme references, which would otherwise win in Word."""
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        rpr.append(language)
    language.set(qn("w:eastAsia"), "zh-CN")


def _styles(document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.size = Pt(14)  # 四号, the usual size of a government briefing's body
    _fonts(normal, *BODY_FONT)
    normal.paragraph_format.line_spacing = 1.25
    normal.paragraph_format.space_after = Pt(4)
    for name, size, fonts in (
        ("Title", 22, TITLE_FONT),
        ("Heading 1", 16, HEADING_FONT),
        ("Heading 2", 14, HEADING_FONT),
    ):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.bold = name != "Title"
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style, *fonts)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
        if name == "Title":
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            # The template draws a rule under titles; a Chinese briefing has none.
            borders = style.element.get_or_add_pPr().find(qn("w:pBdr"))
            if borders is not None:
                borders.getparent().remove(borders)
    table = styles["Table Grid"]
    table.font.size = Pt(10.5)  # 五号
    _fonts(table, *TABLE_FONT)


def _a4(document) -> None:
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


def _table(document, header: list[str], rows: list[list], *, widths: list[float] | None = None):
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = str(value)
    if widths:
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
    return table


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _unit_row(unit) -> list:
    return [unit.rank, unit.name, f"{unit.task_percent}%", unit.task_done, unit.task_total, unit.task_red]


def build(briefing: Briefing, *, progress: Progress = lambda percent: None) -> bytes:
    """The .docx bytes of `briefing`, reporting 0–100 to `progress` as sections are written."""
    document = Document()
    _styles(document)
    _a4(document)
    for section, percent in SECTIONS:
        section(document, briefing)
        if percent is not None:
            progress(percent)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _title(document: DocxDocument, briefing: Briefing) -> None:
    o = briefing.overview
    document.add_paragraph(_("Work briefing"), style="Title")
    subtitle = document.add_paragraph(
        f"{briefing.campaign.name} · {_date(briefing.starts_on)} – {_date(briefing.ends_on)}"
    )
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if o.scope_names:
        document.add_paragraph(
            _("Scope: %(names)s") % {"names": "、".join(o.scope_names)}
        ).alignment = WD_ALIGN_PARAGRAPH.CENTER


def _overall(document: DocxDocument, briefing: Briefing) -> None:
    """1. Overall progress and the campaign clock."""
    o = briefing.overview
    document.add_heading(_("1. Overall progress"), level=1)
    c = o.counts
    document.add_paragraph(
        _(
            "As of %(today)s, day %(day)s of %(days)s of the campaign (%(clock)s%% of the time gone): "
            "%(done)s of %(total)s tasks are done (%(percent)s%%), %(submitted)s are waiting for review, "
            "%(red)s are red and %(yellow)s yellow."
        )
        % {
            "today": _date(briefing.today),
            "day": o.clock.day,
            "days": o.clock.total_days,
            "clock": o.clock.percent,
            "done": c.done,
            "total": c.total,
            "percent": c.percent_done,
            "submitted": c.submitted,
            "red": c.red,
            "yellow": c.yellow,
        }
    )
    _table(
        document,
        [_("Tasks"), _("Done"), _("Completion"), _("Waiting for review"), _("Red"), _("Yellow"), _("Time gone")],
        [[c.total, c.done, f"{c.percent_done}%", c.submitted, c.red, c.yellow, f"{o.clock.percent}%"]],
    )
    lights = o.units_by_light
    document.add_paragraph(
        _("Units: %(red)s red, %(yellow)s yellow, %(green)s green.")
        % {"red": lights[Light.RED], "yellow": lights[Light.YELLOW], "green": lights[Light.GREEN]}
    )


def _trend(document: DocxDocument, briefing: Briefing) -> None:
    o = briefing.overview
    if o.trend:
        image = charts.trend_chart(
            days=[f"{p.day:%m-%d}" for p in o.trend],
            done=[p.percent for p in o.trend],
            elapsed=[completion_percent(i + 1, o.clock.total_days) for i in range(len(o.trend))],
            labels=(_("Completion"), _("Time elapsed")),
            title=_("Completion against time"),
        )
        document.add_picture(io.BytesIO(image), width=Cm(15.5))


def _measures(document: DocxDocument, briefing: Briefing) -> None:
    """2. Per measure."""
    o = briefing.overview
    document.add_heading(_("2. Progress by measure"), level=1)
    _table(
        document,
        [_("Measure"), _("Tasks"), _("Done"), _("Completion"), _("Red"), _("Yellow")],
        [[m.name, m.task_total, m.task_done, f"{m.task_percent}%", m.task_red, m.task_yellow] for m in o.measures],
        widths=[5.5, 2, 2, 2.4, 2, 2],
    )
    if o.measures:
        image = charts.measures_chart(
            labels=[m.name for m in o.measures],
            percents=[m.task_percent for m in o.measures],
            title=_("Completion by measure"),
            xlabel=_("Completion (%)"),
        )
        document.add_picture(io.BytesIO(image), width=Cm(15.5))


def _units(document: DocxDocument, briefing: Briefing) -> None:
    """3. Ranking, red list, stale units."""
    o = briefing.overview
    document.add_heading(_("3. Units"), level=1)
    header = [_("Rank"), _("Unit"), _("Completion"), _("Done"), _("Tasks"), _("Red")]
    document.add_heading(_("Leading units"), level=2)
    _table(document, header, [_unit_row(u) for u in briefing.top])
    if briefing.bottom:
        document.add_heading(_("Units furthest behind"), level=2)
        _table(document, header, [_unit_row(u) for u in briefing.bottom])
    document.add_heading(_("Red list (%(count)s units)") % {"count": briefing.red_count}, level=2)
    if briefing.red:
        _table(document, header, [_unit_row(u) for u in briefing.red])
    else:
        document.add_paragraph(_("No unit is red."))
    document.add_heading(_("Units without entries (%(count)s)") % {"count": o.stale_count}, level=2)
    if o.stale:
        _table(
            document,
            [_("Unit"), _("Open tasks"), _("Last entry")],
            [[u.name, u.open_tasks, _date(u.last_entry_on) if u.last_entry_on else _("none yet")] for u in o.stale],
        )
    else:
        document.add_paragraph(_("Every unit with open tasks has logged work recently."))


def _model_cases(document: DocxDocument, briefing: Briefing) -> None:
    """4. Model cases (典型案例): featured tasks and deeds, each with the office's citation."""
    document.add_heading(_("4. Model cases"), level=1)
    if briefing.featured:
        for case in briefing.featured:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{case.unit.name}：").bold = True
            paragraph.add_run(f"{case.title}（{case.kind_label}）。{case.citation}")
    else:
        document.add_paragraph(_("No model case has been featured yet."))


def _rectification(document: DocxDocument, briefing: Briefing) -> None:
    """5. Rectification ledger."""
    document.add_heading(_("5. Rectification"), level=1)
    r = briefing.rectification
    document.add_paragraph(
        _(
            "In this period %(opened)s problems were listed and %(closed)s closed out; %(open)s are still open, "
            "%(overdue)s of them past their deadline."
        )
        % {"opened": r.opened, "closed": r.closed, "open": r.open_now, "overdue": r.overdue}
    )
    if r.overdue_items:
        _table(
            document,
            [_("Unit"), _("Problem"), _("Deadline")],
            [[item.unit.name, item.summary(), _date(item.deadline)] for item in r.overdue_items],
            widths=[3.5, 9, 3],
        )


def _research(document: DocxDocument, briefing: Briefing) -> None:
    """6. Research ledger."""
    s = briefing.research
    document.add_heading(_("6. Research"), level=1)
    document.add_paragraph(
        _("In this period %(visits)s research visits were logged, %(unannounced)s of them unannounced.")
        % {"visits": s.visits, "unannounced": s.unannounced}
    )
    if s.crowded:
        document.add_paragraph(_("Sites visited by several units or leaders within a short time (crowding):"))
        _table(
            document,
            [_("Site"), _("Visits"), _("Units"), _("Dates")],
            [[x.site, x.visit_count, "、".join(x.units), f"{_date(x.first)} – {_date(x.last)}"] for x in s.crowded],
        )


# Each section in order, and the progress reported once it is written (None: no report).
SECTIONS: tuple[tuple[Section, int | None], ...] = (
    (_title, None),
    (_overall, 15),
    (_trend, 35),
    (_measures, 55),
    (_units, 70),
    (_model_cases, 80),
    (_rectification, None),
    (_research, 95),
)
