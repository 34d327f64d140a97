"""Inserting many rows fast: PostgreSQL's COPY where available, bulk_create elsewhere.

An import of a million people spends most of its database time in INSERT; COPY takes the
same rows several times faster. Primary keys are drawn from the table's sequence first, so
callers get ids (for foreign keys) just as bulk_create gives them.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert new objects and set their primary keys (auto_now fields set as on save)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=1000)
        return
    meta = model._meta
    now = timezone.now()
    ids = reserve_ids(model, len(objects))
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    for obj, pk in zip(objects, ids, strict=True):
        setattr(obj, meta.pk.attname, pk)
        obj._state.adding = False
        obj._state.db = connection.alias
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                setattr(obj, field.attname, now)
    columns = {f.attname: [getattr(o, f.attname) for o in objects] for f in fields}
    insert_columns(model, columns, ids)


# Python types every database driver stores without Django's conversion (ids, text, flags),
# and those psycopg's binary COPY also takes as they are.
NATIVE = {int, str, bool, float, type(None)}
COPY_NATIVE = NATIVE | {datetime.date, datetime.datetime, uuid.UUID}


def _mapped(values: Sequence[Any], convert: Any) -> list[Any]:
    """`convert` applied once per distinct value (a registry column repeats few values)."""
    kinds = set(map(type, values))
    if list in kinds:
        keys: Sequence[Any] = [tuple(v) if type(v) is list else v for v in values]
    else:
        keys = values
    if (bool in kinds and kinds & {int, float}) or dict in kinds:
        return [convert(v) for v in values]  # True == 1 must not share a conversion
    cache = {}
    for key, value in zip(keys, values, strict=True):
        if key not in cache:
            cache[key] = convert(value)
    return list(map(cache.__getitem__, keys))


def _copy_type(field: models.Field) -> str:
    """The PostgreSQL type name psycopg's binary COPY needs for a field ("varchar(50)" → "varchar")."""
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    return field.db_type(connection).split("(")[0].strip()


def _binary_ready(field: models.Field, values: Sequence[Any]) -> Sequence[Any]:
    """Values as binary COPY takes them: numbers for numeric columns as Decimal, text as str,
    JSON wrapped (each distinct value converted once)."""
    from decimal import Decimal

    from psycopg.types.json import Jsonb

    if isinstance(field, models.JSONField):
        return _mapped(values, lambda v: None if v is None else Jsonb(v))
    if isinstance(field, models.DecimalField):
        return _mapped(values, lambda v: v if v is None or type(v) is Decimal else Decimal(str(v)))
    if isinstance(field, models.CharField | models.TextField):
        if any(v is not None and type(v) is not str for v in set(values)):
            return _mapped(values, lambda v: v if v is None else str(v))
        return values
    if set(map(type, values)) <= COPY_NATIVE:
        return values
    # Anything else (a file's name, a model instance): as Django would send it.
    return _mapped(values, lambda v: field.get_db_prep_value(v, connection, prepared=False))


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows, taken before the rows are written (no RETURNING).

    PostgreSQL draws them from the table's sequence; SQLite (one writer at a time, inside the
    import's transaction) continues after the highest id ever used.
    """
    if not count:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence looked up once (per row it costs more than nextval itself), the
            # ids fetched as one array rather than a row each.
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
            (sequence,) = cursor.fetchone()
            cursor.execute(
                "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
                [sequence, count],
            )
            return cursor.fetchone()[0]
        table = connection.ops.quote_name(meta.db_table)
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(meta.pk.column)}), 0) FROM {table}"
        )
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
        return list(range(start, start + count))


def insert_columns(
    model: type[models.Model],
    columns: dict[str, Sequence[Any]],
    ids: Sequence[int],
) -> None:
    """Insert rows given column-wise (attribute name → one value per row) with the given ids.

    No model instances: a million rows cost a join per row. Fields not given take their
    default; `created`/`updated` (auto_now) are set to now. PostgreSQL gets a binary COPY
    (psycopg turns the values into the wire format in C), other databases executemany.
    """
    count = len(ids)
    if not count:
        return
    meta = model._meta
    now = timezone.now()
    fields = [meta.pk]
    data: list[Sequence[Any]] = [ids]
    for field in meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname in columns:
            values = columns[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values = [now] * count
        elif field.has_default() or not field.null:
            values = [field.get_default()] * count
        else:
            values = [None] * count
        fields.append(field)
        data.append(values)
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ready = [_binary_ready(f, v) for f, v in zip(fields, data, strict=True)]
            sql = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
            with cursor.cursor.copy(sql) as copy:
                copy.set_types([_copy_type(f) for f in fields])
                for row in zip(*ready, strict=True):
                    copy.write_row(row)
            return
        prepared = [
            values
            if set(map(type, values)) <= NATIVE  # the driver takes these as they are
            else _mapped(values, lambda v, f=f: f.get_db_prep_value(v, connection, prepared=False))
            for f, values in zip(fields, data, strict=True)
        ]
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})", list(zip(*prepared, strict=True))
        )


def update_columns(
    model: type[models.Model], pks: Sequence[int], columns: dict[str, Sequence[Any]]
) -> None:
    """Update rows given column-wise (attribute name → one value per row), by primary key."""
    if not pks:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    if (
        any(getattr(f, "auto_now", False) for f in meta.concrete_fields)
        and "updated" not in columns
    ):
        fields.append(meta.get_field("updated"))
        columns = {**columns, "updated": [timezone.now()] * len(pks)}
    prepared = [
        _mapped(
            columns[f.attname], lambda v, f=f: f.get_db_prep_value(v, connection, prepared=False)
        )
        for f in fields
    ]
    table = connection.ops.quote_name(meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name(meta.pk.column)} = %s",
            list(zip(*prepared, pks, strict=True)),
        )
