"""Inserting many rows fast: PostgreSQL's COPY where available, bulk_create elsewhere.

An import of a million people spends most of its database time in INSERT; COPY takes the
same rows several times faster. Primary keys are drawn from the table's sequence first, so
callers get ids (for foreign keys) just as bulk_create gives them.
"""

from __future__ import annotations

import contextvars
import datetime
import queue
import threading
import uuid
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone, translation


def insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert new objects and set their primary keys (auto_now fields set as on save), by
    the same column-wise path as `insert_columns` on every database."""
    if not objects:
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


class BackgroundWrites:
    """Write jobs run in order by a second thread on this thread's database connection and
    transaction, so Python checks the next batch while PostgreSQL stores this one (each has
    a core). On other databases a job runs in the caller's thread when started.

    Jobs are `submit`ted held and begin at `start()`: a caller reads what its next batch
    needs, then starts the writes before, so its reads never wait behind them. The caller
    touches the database only while no job runs: after `idle()` (started jobs finished) or
    `wait()` (every job finished). A failed job's error is raised by the next call, the jobs
    after it are dropped, and the caller's transaction rolls everything back.
    """

    def __init__(self, background: bool | None = None) -> None:
        self._background = background  # None: in the background on PostgreSQL
        self._held: list[Callable[[], None]] = []
        self._error: BaseException | None = None
        self._failed = False  # once a job fails (or the caller does), no further job runs
        self._thread: threading.Thread | None = None
        self._jobs: queue.Queue = queue.Queue()

    def __enter__(self) -> BackgroundWrites:
        background = self._background
        if background if background is not None else connection.vendor == "postgresql":
            shared = connections[DEFAULT_DB_ALIAS]
            shared.inc_thread_sharing()
            self._thread = threading.Thread(
                target=self._work, args=(shared,), name="import-writes", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._held.clear()
        if kind is not None:
            self._failed = True  # what has not run yet is dropped
        try:
            if kind is None:
                self.wait()
        finally:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join()
                connections[DEFAULT_DB_ALIAS].dec_thread_sharing()
                self._thread = None

    def submit(self, job: Callable[[], None]) -> None:
        """Hold a job until the next `start()`; it runs in the caller's context (the change
        log's, the language)."""
        context, language = contextvars.copy_context(), translation.get_language()

        def in_language() -> None:
            with translation.override(language):
                job()

        self._held.append(lambda: context.run(in_language))

    def start(self) -> None:
        """Begin the held jobs (in the background on PostgreSQL, here elsewhere)."""
        held, self._held = self._held, []
        for job in held:
            if self._thread is None:
                job()
            else:
                self._jobs.put(job)
        self._raise()

    def idle(self) -> None:
        """Return when the started jobs have finished (held ones stay held)."""
        self._jobs.join()
        self._raise()

    def wait(self) -> None:
        """Start the held jobs and return when every job has finished."""
        self.start()
        self.idle()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _work(self, shared: Any) -> None:
        connections[DEFAULT_DB_ALIAS] = shared  # this thread writes in the caller's transaction
        while (job := self._jobs.get()) is not None:
            try:
                if not self._failed:
                    job()
            except BaseException as e:  # raised in the caller's thread
                self._error, self._failed = e, True
            finally:
                self._jobs.task_done()
        self._jobs.task_done()
