"""Fast row insertion for the synthetic data: COPY on PostgreSQL, executemany elsewhere.

The generator hands over plain tuples for the columns it cares about. Any other concrete
column of the model (one another feature adds later, say) is filled with the field's Python
default, because COPY bypasses Django and would otherwise insert NULL or fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models

from tracker.core.bulk import insert_rows


class TableWriter:
    """Inserts rows of one model whose values come in the order of `attnames`."""

    def __init__(self, model: type[models.Model], attnames: Sequence[str]):
        self.model = model
        self.attnames = list(attnames)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(self.attnames) - fields.keys()
        if unknown:
            raise ValueError(f"{model._meta.label} has no columns {sorted(unknown)}")
        self.extra: list[tuple[str, object]] = []
        for attname, field in fields.items():
            if attname in self.attnames or _is_auto(field):
                continue  # given by the generator, or numbered by the database (history_id)
            default = field.get_default()
            if default is None and not field.null:
                raise ValueError(f"bench generator does not fill {model._meta.label}.{attname}; add it to its rows")
            self.extra.append((attname, default))
        self.columns = [str(fields[a].column) for a in self.attnames] + [str(fields[a].column) for a, _ in self.extra]
        self.extra_values = tuple(v for _, v in self.extra)
        self.written = 0

    def write(self, rows: Iterable[tuple]) -> int:
        rows = list(rows)
        if not rows:
            return 0
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            # Not bulk_create: it would stamp auto_now_add columns (an event's time) with now.
            names = self.attnames + [a for a, _ in self.extra]
            insert_rows(self.model, names, [row + self.extra_values for row in rows])
        self.written += len(rows)
        return len(rows)

    def _copy(self, rows: list[tuple]) -> None:
        table = connection.ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        extra = self.extra_values
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + extra if extra else row)


def _is_auto(field: models.Field) -> bool:
    return isinstance(field, models.AutoField | models.BigAutoField | models.SmallAutoField)


def reserve_ids(model: type[models.Model], count: int) -> int:
    """Reserve `count` consecutive primary keys and return the first.

    On PostgreSQL the sequence is advanced in one statement, so rows inserted later by the app
    never collide with the generated ones. Elsewhere (SQLite, tests) the next free id is used;
    the generator is then the only writer.
    """
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                [table, pk, table, pk, count],
            )
            return cursor.fetchone()[0] - count + 1
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(str(pk))}), 0) FROM {table}")
        return cursor.fetchone()[0] + 1
