"""Bad cells in an import file (hypothesis): the row is named with a Chinese reason and nothing is written."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.badinput import CHECK, CONTROL, VISIBLE, XSS, oversized
from tests.conftest import table_counts
from tests.imports.sheets import csv_file
from tracker.imports.models import ImportStatus
from tracker.imports.services import import_job_create

GOOD = ["east-new-1", "东城区新单位", "u-East", "单位", "机关", "是"]
NAME, LEVEL, PARTICIPATES = 1, 3, 5


def with_cell(column: int, value: str) -> bytes:
    row = list(GOOD)
    row[column] = value
    return csv_file([row]).read()


def control_text() -> st.SearchStrategy[str]:
    # Inside the text: control characters that are also whitespace are trimmed at the ends, harmlessly.
    return st.tuples(st.text(VISIBLE, min_size=1, max_size=10), st.sampled_from(CONTROL)).map(
        lambda t: t[0] + t[1] + "单位"
    )


BAD_CELLS = st.one_of(
    st.tuples(st.just(NAME), oversized(200)),
    st.tuples(st.just(NAME), control_text()),
    st.tuples(st.just(LEVEL), st.sampled_from(["省级", "level 9", "<i>单位</i>", "乡镇", "-1"])),
    st.tuples(st.just(PARTICIPATES), st.sampled_from(["也许", "2", "yes please", "<b>是</b>"])),
)


def test_a_bad_cell_is_named_and_nothing_is_written(city):
    @CHECK
    @given(BAD_CELLS)
    def check(cell):
        column, value = cell
        before = table_counts()
        job = import_job_create(by=city.office_city, kind="units", file_name="units.csv", data=with_cell(column, value))
        assert job.status == ImportStatus.INVALID, (column, value)
        problems = job.report["problems"]
        assert problems and all(problem["row"] == 2 for problem in problems), problems
        job.delete()  # the check itself writes only the job row
        assert table_counts() == before

    check()


def test_markup_in_a_name_is_stored_as_typed_and_shown_inert(client, city):
    from tests.conftest import login

    login(client, city.office_city)
    for i, payload in enumerate(XSS[:3]):
        row = list(GOOD)
        row[0], row[NAME] = f"east-xss-{i}", payload
        response = client.post("/imports/", {"kind": "units", "file": csv_file([row])})
        page = client.get(response.url).content.decode()
        assert payload not in page  # escaped wherever the report echoes it
