"""Inserting many rows fast: PostgreSQL's COPY where available, bulk_create elsewhere.

An import of a million people spends most of its database time in INSERT; COPY takes the
same rows several times faster. Primary keys are drawn from the table's sequence first, so
callers get ids (for foreign keys) just as bulk_create gives them.
"""

from __future__ import annotations

import json
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
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, field.attname, now)
    table = connection.ops.quote_name(meta.db_table)
    pk = meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objects)],
        )
        for obj, (value,) in zip(objects, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, value)
            obj._state.adding = False
            obj._state.db = connection.alias
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *fields])
        json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
        attnames = [pk.attname] + [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([_value(obj, name, json_fields) for name in attnames])


def _value(obj: Any, attname: str, json_fields: set[str]) -> Any:
    value = getattr(obj, attname)
    if attname in json_fields and value is not None:
        return json.dumps(value, ensure_ascii=False)
    return value
