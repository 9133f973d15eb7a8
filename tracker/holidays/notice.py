"""Reading a year's holiday arrangement as the State Council publishes it, or as a CSV.

The notice lists one holiday per line::

    一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。
    二、春节：2月15日至23日放假调休，共9天。2月14日（周六）、2月28日（周六）上班。

A sentence with 放假 gives a range of days off (its 共N天 must match the range); a sentence with
上班 lists make-up working days. Lines without a date (the notice's title, its preamble) are
skipped. Anything else, or a date outside the year, is an error naming the line: nothing is
half-read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# 2027年2月15日, 2月15日, 15日 (the month and year carried over from the range's start)
DATE = r"(?:(?P<{p}y>\d{{4}})\s*年\s*)?(?:(?P<{p}m>\d{{1,2}})\s*月\s*)?(?P<{p}d>\d{{1,2}})\s*日"
RANGE = re.compile(DATE.format(p="a") + r"(?:\s*(?:至|到|—|–|-|~)\s*" + DATE.format(p="b") + r")?")
ONE_DATE = re.compile(DATE.format(p="a"))
BRACKETS = re.compile(r"[（(][^）)]*[）)]")
ENUMERATOR = re.compile(r"^\s*(?:[一二三四五六七八九十]+|\d+)\s*[、.．]\s*")
TOTAL = re.compile(r"共\s*(\d+)\s*天")
WORD_DAY_OFF = ("休", "放假", "holiday", "off", "day off", "0", "false")
WORD_WORKDAY = ("班", "上班", "补班", "workday", "working day", "work", "1", "true")
MAX_INPUT = 20_000


@dataclass(frozen=True)
class Day:
    """One date of the arrangement: off (a holiday) or a make-up working day, and which holiday."""

    day: date
    is_workday: bool
    note: str


def _date(match: re.Match, prefix: str, year: int, month: int | None) -> date:
    y = int(match.group(f"{prefix}y") or year)
    m = match.group(f"{prefix}m") or month
    if m is None:
        raise ValueError
    return date(y, int(m), int(match.group(f"{prefix}d")))


class _Reader:
    def __init__(self, year: int) -> None:
        self.year = year
        self.days: dict[date, Day] = {}

    def add(self, day: date, is_workday: bool, note: str, line: int) -> None:
        if day.year != self.year:
            raise ValidationError(
                _("Line %(line)s: %(date)s is not in %(year)s.") % {"line": line, "date": day, "year": self.year}
            )
        previous = self.days.get(day)
        if previous is not None and previous.is_workday != is_workday:
            raise ValidationError(
                _("Line %(line)s: %(date)s is listed both as a day off and as a working day.")
                % {"line": line, "date": day}
            )
        self.days[day] = Day(day, is_workday, note)

    def result(self) -> list[Day]:
        if not self.days:
            raise ValidationError(
                _("No dates found. Paste the notice's lines, for example “元旦：1月1日放假，共1天。”")
            )
        return sorted(self.days.values(), key=lambda d: d.day)


def parse_notice(text: str, *, year: int) -> list[Day]:
    """The days of a pasted notice, sorted; ValidationError (in the user's language) on anything unclear."""
    if len(text) > MAX_INPUT:
        raise ValidationError(_("The text is too long for one year's notice."))
    reader = _Reader(year)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = BRACKETS.sub("", ENUMERATOR.sub("", raw)).strip()
        if not ONE_DATE.search(line):
            continue  # the title, the preamble, an empty line
        name, sep, rest = line.partition("：")
        if not sep:
            name, sep, rest = line.partition(":")
        if not sep or not name.strip() or ONE_DATE.search(name):
            raise ValidationError(
                _("Line %(line)s: cannot read “%(text)s”. Write the holiday's name, a colon and its dates.")
                % {"line": number, "text": raw.strip()[:80]}
            )
        name = name.strip()
        understood = False
        for sentence in re.split(r"[。；;]", rest):
            try:
                if "放假" in sentence or "休息" in sentence:
                    _read_days_off(reader, sentence, name, number)
                    understood = True
                elif "上班" in sentence:
                    for match in ONE_DATE.finditer(sentence):
                        reader.add(
                            _date(match, "a", year, None), True, _("%(name)s (make-up day)") % {"name": name}, number
                        )
                        understood = True
                elif ONE_DATE.search(sentence):
                    raise ValueError
            except ValueError:
                raise ValidationError(
                    _("Line %(line)s: cannot read the dates in “%(text)s”.")
                    % {"line": number, "text": sentence.strip()[:80]}
                ) from None
        if not understood:
            raise ValidationError(
                _("Line %(line)s: neither days off (放假) nor working days (上班) found.") % {"line": number}
            )
    return reader.result()


def _read_days_off(reader: _Reader, sentence: str, name: str, line: int) -> None:
    match = RANGE.search(sentence)
    if match is None:
        raise ValueError
    start = _date(match, "a", reader.year, None)
    end = _date(match, "b", start.year, start.month) if match.group("bd") else start
    if end < start or (end - start).days > 31:
        raise ValueError
    total = TOTAL.search(sentence)
    days = (end - start).days + 1
    if total and int(total.group(1)) != days:
        raise ValidationError(
            _("Line %(line)s: %(start)s to %(end)s is %(days)s days, but the notice says %(total)s.")
            % {"line": line, "start": start, "end": end, "days": days, "total": total.group(1)}
        )
    for offset in range(days):
        reader.add(start + timedelta(days=offset), False, name, line)


def parse_csv(text: str, *, year: int) -> list[Day]:
    """Rows `date,kind[,note]` (kind: holiday/休/放假 or workday/班/上班); a header row is allowed."""
    if len(text) > MAX_INPUT:
        raise ValidationError(_("The file is too large for one year's calendar."))
    reader = _Reader(year)
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("date", "日期"):
            continue
        if len(cells) < 2:
            raise ValidationError(_("Row %(line)s: expected “date,kind”.") % {"line": number})
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise ValidationError(
                _("Row %(line)s: “%(value)s” is not a date like 2027-02-15.") % {"line": number, "value": cells[0][:40]}
            ) from None
        kind = cells[1].lower()
        if kind in WORD_DAY_OFF:
            is_workday = False
        elif kind in WORD_WORKDAY:
            is_workday = True
        else:
            raise ValidationError(
                _("Row %(line)s: kind “%(value)s” is neither holiday (休) nor workday (班).")
                % {"line": number, "value": cells[1][:40]}
            )
        note = cells[2][:200] if len(cells) > 2 else ""
        reader.add(day, is_workday, note, number)
    return reader.result()
