"""Inserting many rows of one model quickly, as plain value tuples, past the model machinery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models


def insert_new(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    *,
    constants: Mapping[str, Any] | None = None,
) -> None:
    """INSERT … ON CONFLICT DO NOTHING of plain value tuples, one statement per call on PostgreSQL."""
    insert_rows(model, fields, rows, skip_conflicts=True, constants=constants)


def _column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    *,
    skip_conflicts: bool = False,
    constants: Mapping[str, Any] | None = None,
    returning: Sequence[str] = (),
) -> list[tuple]:
    """INSERT of plain value tuples (field names or attnames): one statement on PostgreSQL, an executemany elsewhere.

    `bulk_create(ignore_conflicts=True)` builds every value through the model machinery, which cost
    a sweep of 75,000 reminders several seconds of Python. Here values go to the driver as they
    are when PostgreSQL takes them as they are (ints, strings, dates, aware datetimes, UUIDs), and
    otherwise each distinct value is prepared once (`get_db_prep_save`). `constants` (field → value)
    are the same in every row and travel once. No signals, no auto fields, no `auto_now_add`:
    every value is written as given, so give every column the model needs.

    `returning` (columns) gives back those columns of the rows written (with `skip_conflicts`, of
    the rows this call inserted); without it the result is an empty list.
    """
    constants = dict(constants or {})
    columns = [_column(model, name) for name in [*fields, *constants]]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(column.column)) for column in columns)
    conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    back = f" RETURNING {', '.join(quote(str(_column(model, name).column)) for name in returning)}" if returning else ""
    table = quote(model._meta.db_table)
    fixed = [_prepared(c, value, {}) for c, value in zip(columns[len(fields) :], constants.values(), strict=True)]
    if connection.vendor == "postgresql":
        # One statement: the rows travel as one array per column (2,000 reminders were 2,000
        # pipelined statements through executemany, each value dumped on its own).
        arrays = [
            values if all(type(v) in _AS_IS for v in values) else [_prepared(column, v, {}) for v in values]
            for column, values in zip(columns, zip(*rows, strict=True), strict=False)
        ]
        if not arrays:
            return []
        # The arrays go in PostgreSQL's binary format (%b), which psycopg writes in C: quoted as
        # text literals by Django's client-side binding they cost a sweep a tenth of its time.
        unnest = ", ".join(f"%b::{column.cast_db_type(connection)}[]" for column in columns[: len(fields)])
        marks = ", ".join(f"%s::{column.cast_db_type(connection)}" for column in columns[len(fields) :])
        select = f"SELECT r.*{', ' + marks if marks else ''} FROM unnest({unnest}) AS r"
        with _binding_cursor() as cursor:
            # The SELECT list's constants come first in the statement's text.
            cursor.execute(f"INSERT INTO {table} ({names}) {select}{conflict}{back}", [*fixed, *map(list, arrays)])
            return cursor.fetchall() if returning else []
    varying = columns[: len(fields)]
    memo: list[dict] = [{} for _ in fields]
    prepared = [
        (*(_prepared(column, v, seen) for column, seen, v in zip(varying, memo, row, strict=True)), *fixed)
        for row in rows
    ]
    if not prepared:
        return []
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        if not returning:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}){conflict}", prepared)
            return []
        # RETURNING needs one statement per chunk of rows (executemany returns nothing): as many
        # rows a statement as the backend takes parameters.
        per = max(1, (connection.features.max_query_params or 30000) // len(columns))
        found = []
        for start in range(0, len(prepared), per):
            chunk = prepared[start : start + per]
            values = ", ".join([f"({marks})"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values}{conflict}{back}", [v for row in chunk for v in row]
            )
            found.extend(cursor.fetchall())
        return found


def _binding_cursor() -> Any:
    """A cursor with server-side binding on Django's connection (its transaction, query log and
    error translation), as Django builds one when OPTIONS asks for server_side_binding."""
    from django.db.backends.postgresql import base

    connection.ensure_connection()
    wrapper: Any = connection  # the stubs know neither the private hook nor the psycopg 3 cursor class
    cursor_class: Any = base.ServerBindingCursor
    return wrapper._prepare_cursor(cursor_class(wrapper.connection))


# What psycopg adapts to PostgreSQL's types as it is.
_AS_IS = frozenset({type(None), int, str, bool, float, Decimal, date, UUID})


def _prepared(column: models.Field[Any, Any], value: Any, seen: dict) -> Any:
    if value is None or isinstance(value, int | str):
        return value
    if value not in seen:
        seen[value] = column.get_db_prep_save(value, connection)
    return seen[value]


# A bulk write of at least this many rows is followed by ANALYZE of the tables it wrote. PostgreSQL's
# autovacuum may be off (as on this project's machines) or far behind: a page planned from a
# table's old statistics (a parent with 30 children where an import put 4,000) sorts every row to
# show thirty.
ANALYZE_AFTER_ROWS = 1000


def analyze(model_classes: Iterable[type[models.Model]]) -> None:
    """Fresh planner statistics for these tables now (PostgreSQL; ANALYZE may run in a transaction)."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in model_classes]
    if connection.vendor != "postgresql" or not tables:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(tables))


def analyze_after_bulk(model_classes: Iterable[type[models.Model]], rows: int) -> None:
    """`analyze` when a write of `rows` rows was large enough to change the plans."""
    if rows >= ANALYZE_AFTER_ROWS:
        analyze(model_classes)
