"""Spreadsheet layouts: one definition per layout serves the template, the export, the dry
run and the import, so a file exported from a list imports back unchanged.

An import streams the file in batches. A dry run checks every cell and reports what would be
created, updated and left alone without writing; a commit does the same inside one
transaction and writes nothing at all if any row is bad.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any, ClassVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from bangfu.core import bulk, normalize
from bangfu.core.normalize import CellError
from bangfu.core.spreadsheets import (
    SheetSpec,
    SpreadsheetError,
    column_chunks,
    find_header,
    read_rows,
    text_dictionary,
)

MAX_REPORTED_PROBLEMS = 1000


class _Labels(dict):
    """Stored value → label; a value without a label (blank, unknown) gives an empty cell."""

    def __missing__(self, key: Any) -> str:
        return ""


@dataclass
class Column:
    """One column of a layout: its Chinese header, the model field, and how to read it."""

    header: str
    field: str
    parse: Callable[[Any], Any] = normalize.text
    required: bool = False
    help: str = ""
    choices: Any = None  # a TextChoices class: labels are read and written
    many: bool = False  # several choices in one cell
    text: bool = False  # keep as text in Excel (codes, ID numbers)
    example: Any = ""

    def reader(self) -> Callable[[Any], Any]:
        """The function that reads this column's cells (choices looked up once)."""
        if self.choices is not None:
            return normalize.choice_reader(self.choices, self.many)
        return self.parse

    def writer(self, field: models.Field | None = None) -> Callable[[Any], Any] | None:
        """The function turning a field value into its cell (labels for choices, 是/否, text for
        dates), built once per export: labels looked up once, not once per cell.

        Given the model field, the function is chosen by the field's type (dictionary
        lookups in C where it can), and None means the value is its own cell."""
        if self.choices is not None:
            labels = _Labels((m.value, str(m.label)) for m in self.choices)
            if self.many:
                return lambda v: "、".join(labels[x] for x in v) if v else ""
            return labels.__getitem__
        yes, no = _("是"), _("否")
        if isinstance(field, models.BooleanField):
            return {True: yes, False: no, None: ""}.__getitem__
        if isinstance(field, models.DecimalField):
            return lambda v: "" if v is None else float(v)
        if isinstance(field, models.DateField):
            return lambda v: "" if v is None else v.isoformat()
        if field is not None:
            return (lambda v: "" if v is None else v) if field.null else None

        def write(value: Any) -> Any:
            if value is None:
                return ""
            if value is True:
                return yes
            if value is False:
                return no
            if isinstance(value, Decimal):
                return float(value)
            if isinstance(value, datetime.date):
                return value.isoformat()
            return value

        return write

    def allowed(self) -> str:
        if self.choices is not None:
            labels = "、".join(str(m.label) for m in self.choices if m.value != "")
            return (_("可填多项,用顿号分隔:") if self.many else _("可选:")) + labels
        if self.parse is normalize.boolean:
            return _("是 / 否")
        if getattr(self.parse, "__wrapped__", self.parse) is normalize.date:
            return _("日期,如 2016-03-01")
        return ""


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class ImportResult:
    """What an import did or, in a dry run, would do."""

    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    committed: bool = False
    # Headers of the file's columns the layout does not read: said, not silently dropped.
    ignored_columns: list[str] = field(default_factory=list)
    # What the run assumed (a default for a column the file leaves out), shown with the counts.
    notes: list[str] = field(default_factory=list)

    def add_problem(self, row: int, column: str, value: Any, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            if isinstance(value, float) and abs(value) >= 1e15:
                shown = repr(value)  # as Excel stored it, not the rounded digits
            else:
                shown = normalize.text(value)[:100]
            self.problems.append(Problem(row, column, shown, str(reason)))

    def count(self, what: str, label: str, n: int = 1) -> None:
        bucket = getattr(self, what)
        bucket[label] = bucket.get(label, 0) + n

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
            "committed": self.committed,
            "ignored_columns": self.ignored_columns,
            "notes": self.notes,
        }


class FieldLimits:
    """The column limits of a model (text length, integer and decimal range), checked fast.

    Django's clean_fields() does this and much more per object; an import of a million rows
    only needs the database's limits, the columns' parsers having done the rest.
    """

    def __init__(self, model: type[models.Model], fields: Iterable[str]) -> None:
        self.checks = []
        for name in fields:
            field = model._meta.get_field(name)
            label = str(field.verbose_name)
            if isinstance(field, models.CharField) and field.max_length:
                self.checks.append((name, label, "text", field.max_length))
            elif isinstance(field, models.PositiveSmallIntegerField):
                self.checks.append((name, label, "int", 32767))
            elif isinstance(field, models.PositiveIntegerField):
                self.checks.append((name, label, "int", 2147483647))
            elif isinstance(field, models.DecimalField):
                limit = Decimal(10) ** (field.max_digits - field.decimal_places)
                self.checks.append((name, label, "decimal", limit))

    def errors(self, obj: Any) -> list[tuple[str, str]]:
        found = []
        for name, label, kind, limit in self.checks:
            value = getattr(obj, name)
            if value is None or value == "":
                continue
            if kind == "text" and len(value) > limit:
                found.append(
                    (
                        name,
                        _("{label}最多{n}个字,这里有{m}个。").format(
                            label=label, n=limit, m=len(value)
                        ),
                    )
                )
            elif kind == "int" and not 0 <= value <= limit:
                found.append((name, _("{label}应在0到{n}之间。").format(label=label, n=limit)))
            elif kind == "decimal" and not (0 <= value < limit):
                found.append((name, _("{label}应在0到{n}之间。").format(label=label, n=limit)))
        return found

    def column_errors(self, columns: dict[str, Sequence[Any]]) -> list[tuple[int, str, str]]:
        """`errors` for rows given column-wise: (row index, field, message) per bad value."""
        found = []
        for name, label, kind, limit in self.checks:
            values = columns.get(name)
            if not values:
                continue
            present = [v for v in set(values) if v is not None and v != ""]
            if kind == "text":
                if max(map(len, present), default=0) <= limit:
                    continue
                bad = {v: len(v) for v in present if len(v) > limit}
                for i, v in enumerate(values):
                    if v in bad:
                        message = _("{label}最多{n}个字,这里有{m}个。").format(
                            label=label, n=limit, m=bad[v]
                        )
                        found.append((i, name, message))
                continue
            bad = {v for v in present if not 0 <= v <= limit}
            if kind == "decimal":
                bad |= {v for v in present if v == limit}
            if bad:
                message = _("{label}应在0到{n}之间。").format(label=label, n=limit)
                found.extend((i, name, message) for i, v in enumerate(values) if v in bad)
        return found


class ImportAborted(Exception):
    """Raised inside the commit transaction to undo every batch when a row was bad."""


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    cells: dict[str, Any]  # raw cell per field, for error messages


@dataclass
class ColumnBatch:
    """A batch of rows held as columns (field → one value per row): what a columnar layout
    checks and writes with a few calls per column instead of several per cell."""

    numbers: list[int]  # spreadsheet row numbers of the rows without a bad cell
    values: dict[str, list[Any]]  # field → parsed value per row
    cells: dict[str, Sequence[Any]]  # field → raw cell per row, for error messages

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, i: int) -> ParsedRow:
        """Row i as a ParsedRow (for code written row by row)."""
        return ParsedRow(
            self.numbers[i],
            {f: v[i] for f, v in self.values.items()},
            {f: c[i] for f, c in self.cells.items()},
        )

    def take(self, indexes: Sequence[int]) -> ColumnBatch:
        """The rows at `indexes`, in that order."""
        if not indexes:
            return ColumnBatch([], {f: [] for f in self.values}, {f: [] for f in self.cells})
        pick = itemgetter(*indexes) if len(indexes) > 1 else (lambda col: (col[indexes[0]],))
        return ColumnBatch(
            list(pick(self.numbers)),
            {f: list(pick(v)) for f, v in self.values.items()},
            {f: pick(c) for f, c in self.cells.items()},
        )


@dataclass
class _ColumnReport:
    """Where a column's bad cells go: the run's problems, under the column's header and the
    row's spreadsheet number, and the batch's set of bad rows."""

    header: str
    numbers: Sequence[int]
    result: ImportResult
    bad: set[int]

    def add(self, i: int, cell: Any, reason: str) -> None:
        """Row i (of the batch) has a bad `cell`, for `reason`."""
        self.result.add_problem(self.numbers[i], self.header, cell, reason)
        self.bad.add(i)


def _read_distinct(
    distinct: Sequence[Any], read: Callable[[Any], Any], required: bool
) -> tuple[list[Any], dict[int, str]]:
    """Each distinct cell value read once: the values (None where bad) and, by position, why
    the bad ones are bad."""
    values: list[Any] = [None] * len(distinct)
    errors: dict[int, str] = {}
    empty = _("必填,不能为空。")
    for k, cell in enumerate(distinct):
        try:
            value = read(cell)
        except CellError as e:
            errors[k] = str(e)
            continue
        if required and value in (None, "", []):
            errors[k] = empty
            continue
        values[k] = value
    return values, errors


def _read_column(
    cells: Any, read: Callable[[Any], Any], required: bool, report: _ColumnReport
) -> tuple[list[Any], Sequence[Any]]:
    """A column's cells read once per distinct value; bad cells go to `report`.
    Returns the values and the cells as a Python sequence.

    `cells` is a sequence of Python values or an Arrow DictionaryArray of strings (from the
    .csv reader). A column of text only is handed to Arrow either way: it finds the distinct
    strings in C++ and numpy maps their readings back to the rows.
    """
    import numpy as np
    import pyarrow as pa

    if not isinstance(cells, pa.DictionaryArray):
        encoded = text_dictionary(cells)
        if encoded is None:  # numbers, dates, booleans (or text UTF-8 cannot hold)
            return _read_values(cells, read, required, report), cells
        cells = encoded
    values, distinct = _read_encoded(cells, read, required, report)
    # The cells as one object per distinct string: a batch of text cells from calamine holds
    # a Python string per cell (and, once Arrow has read it, its UTF-8 copy), which can go.
    raw = np.fromiter(distinct, dtype=object, count=len(distinct))
    return values, raw[cells.indices.to_numpy()].tolist()


def _read_values(
    cells: Sequence[Any], read: Callable[[Any], Any], required: bool, report: _ColumnReport
) -> list[Any]:
    """`_read_column` for cells of any Python type, distinct values found by a set."""
    kinds = set(map(type, cells))
    if bool in kinds and kinds & {int, float}:
        # True == 1 == 1.0 would share a reading: read cell by cell.
        out, errors = _read_distinct(cells, read, required)
        for i, reason in errors.items():
            report.add(i, cells[i], reason)
        return out
    distinct = list(set(cells))
    parsed, errors = _read_distinct(distinct, read, required)
    values = dict(zip(distinct, parsed, strict=True))
    if errors:
        reasons = {distinct[k]: reason for k, reason in errors.items()}
        for i, cell in enumerate(cells):
            if cell in reasons:
                report.add(i, cell, reasons[cell])
    return list(map(values.__getitem__, cells))


def _read_encoded(
    cells: Any, read: Callable[[Any], Any], required: bool, report: _ColumnReport
) -> tuple[list[Any], list[str]]:
    """`_read_column` for an Arrow DictionaryArray of strings: the reader is called once per
    distinct string, and not at all for those it would return unchanged (normalize.UNCHANGED,
    matched in C++); the values go back to the rows by a numpy take, not a call per cell.
    Returns the values and the distinct strings."""
    import numpy as np
    import pyarrow.compute as pc

    distinct = cells.dictionary.to_pylist()
    pattern = normalize.UNCHANGED.get(read)
    if pattern is None:
        parsed, errors = _read_distinct(distinct, read, required)
    else:
        plain = pc.match_substring_regex(cells.dictionary, pattern).to_numpy(zero_copy_only=False)
        others = np.flatnonzero(~plain).tolist()
        parsed = list(distinct)
        readings, found = _read_distinct([distinct[k] for k in others], read, required)
        for k, value in zip(others, readings, strict=True):
            parsed[k] = value
        errors = {others[j]: reason for j, reason in found.items()}
    indices = cells.indices.to_numpy()
    if errors:
        keys = np.fromiter(errors, dtype=indices.dtype, count=len(errors))
        for i in np.flatnonzero(np.isin(indices, keys)).tolist():
            k = int(indices[i])
            report.add(i, distinct[k], errors[k])
    return np.fromiter(parsed, dtype=object, count=len(parsed))[indices].tolist(), distinct


class _Found(ImportResult):
    """What a reading thread found while reading one batch, replayed into the run's result
    when the batch is taken, so problems arrive as if the file were read in turn."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str, Any, str]] = []

    def add_problem(self, row: int, column: str, value: Any, reason: str) -> None:
        self.problem_count += 1
        if len(self.found) < MAX_REPORTED_PROBLEMS:
            self.found.append((row, column, value, reason))

    def take(self) -> _Found:
        """What was found since the last take (this object starts afresh)."""
        taken = _Found()
        taken.rows, taken.found, taken.problem_count = self.rows, self.found, self.problem_count
        taken.ignored_columns, taken.notes = self.ignored_columns, self.notes
        self.rows, self.found, self.problem_count = 0, [], 0
        self.ignored_columns, self.notes = [], []
        return taken

    def replay(self, result: ImportResult) -> None:
        result.rows += self.rows
        result.ignored_columns.extend(self.ignored_columns)
        result.notes.extend(self.notes)
        for problem in self.found:
            result.add_problem(*problem)
        result.problem_count += self.problem_count - len(self.found)


def read_ahead(
    batches: Callable[[ImportResult], Iterator[Any]], result: ImportResult
) -> Iterator[Any]:
    """The batches of `batches(result)`, each read by a thread while the caller writes the
    one before: the database works on its core while Python reads on. At most one batch is
    read ahead; problems and row counts reach `result` in file order."""
    import queue
    import threading

    from django.utils import translation

    language = translation.get_language()
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand(item: tuple) -> None:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read() -> None:
        found = _Found()
        try:
            with translation.override(language):
                for batch in batches(found):
                    hand(("batch", batch, found.take()))
                    if stop.is_set():
                        return
            hand(("end", None, found.take()))
        except BaseException as e:  # handed to the caller, raised there
            hand(("error", e, found.take()))

    thread = threading.Thread(target=read, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, item, found = handoff.get()
            found.replay(result)
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class Layout(ABC):
    """Subclasses set key, title, model, columns and implement `apply_batch` and `export_rows`.

    A layout with `columnar = True` gets a ColumnBatch in `apply_batch` instead of a list of
    ParsedRow: for layouts whose files run to a million rows.
    """

    registry: ClassVar[dict[str, Layout]] = {}
    key: str = ""
    title: str = ""
    model: type[models.Model]
    columns: Sequence[Column] = ()
    # Columns a file may carry that the import takes but the export and template leave out
    # (a real registry file's per-head income, which the model keeps per year elsewhere).
    extra_columns: Sequence[Column] = ()
    batch_size: int = 5000
    sheet_name: str = "data"
    columnar: bool = False
    # `export_rows` gives every cell as spreadsheets.cell would (checked a column at a time):
    # the writers need not look again. Off: the writers put each cell through `cell`.
    export_checked: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.key:
            Layout.registry[cls.key] = cls()

    # --- reading -------------------------------------------------------------------------

    def parse(self, path: Path | str, result: ImportResult) -> Iterator[list[ParsedRow]]:
        """Rows of the file, cells normalised and checked, in batches; bad cells are reported."""
        by_header = self.header_aliases()
        table = find_header(read_rows(path), list(by_header))
        positions = [
            (i, by_header[h], by_header[h].reader())
            for i, h in enumerate(table.headers)
            if h in by_header
        ]
        self._check_headers(table.headers, {c.field for _i, c, _r in positions}, result)
        headers = {c.field: str(c.header) for c in self.all_columns()}
        required = _("必填,不能为空。")
        batch: list[ParsedRow] = []
        for number, cells in table.rows:
            if not any(normalize.text(c) for c in cells):
                continue  # blank rows between blocks are common
            result.rows += 1
            values, raw, ok = {}, {}, True
            for i, column, read in positions:
                cell = cells[i] if i < len(cells) else None
                raw[column.field] = cell
                try:
                    value = read(cell)
                except CellError as e:
                    result.add_problem(number, headers[column.field], cell, str(e))
                    ok = False
                    continue
                if column.required and value in (None, "", []):
                    result.add_problem(number, headers[column.field], cell, required)
                    ok = False
                    continue
                values[column.field] = value
            if ok:
                batch.append(ParsedRow(number, values, raw))
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def parse_columns(self, path: Path | str, result: ImportResult) -> Iterator[ColumnBatch]:
        """Like `parse`, a batch at a time as columns, each distinct cell value read once."""
        by_header = self.header_aliases()
        table = find_header(read_rows(path), list(by_header))
        positions: list[tuple[int, Column]] = []
        for i, h in enumerate(table.headers):
            column = by_header.get(h)
            if column is not None and all(column.field != c.field for _i, c in positions):
                positions.append((i, column))
        self._check_headers(table.headers, {c.field for _i, c in positions}, result)
        if not positions:
            return
        headers = {c.field: str(c.header) for c in self.all_columns()}
        readers = {c.field: c.reader() for _i, c in positions}
        picks = [i for i, _c in positions]
        for chunk in column_chunks(path, table, picks, self.batch_size):
            numbers = chunk.numbers
            result.rows += len(numbers)
            bad: set[int] = set()
            values: dict[str, list[Any]] = {}
            cells: dict[str, Sequence[Any]] = {}
            for (_i, column), data in zip(positions, chunk.columns, strict=True):
                report = _ColumnReport(headers[column.field], numbers, result, bad)
                values[column.field], cells[column.field] = _read_column(
                    data, readers[column.field], column.required, report
                )
            del chunk  # its cells are read: not kept while the layout applies the batch
            batch = ColumnBatch(numbers, values, cells)
            if bad:
                batch = batch.take([j for j in range(len(numbers)) if j not in bad])
            if batch.numbers:
                yield batch

    def all_columns(self) -> list[Column]:
        """The columns an import reads: the layout's and its extra columns."""
        return [*self.columns, *self.extra_columns]

    def _check_headers(self, headers: list[str], present: set[str], result: ImportResult) -> None:
        """Refuse a file without a required column; name the columns the import will not read
        (unknown, or a second column for the same field) in the run's report."""
        missing = [str(c.header) for c in self.columns if c.required and c.field not in present]
        if missing:
            raise SpreadsheetError(
                _("缺少必填列:{names}。请使用下载的模板。").format(names="、".join(missing))
            )
        by_header = self.header_aliases()
        seen: set[str] = set()
        for h in headers:
            column = by_header.get(h)
            if column is None or column.field in seen:
                if h:
                    result.ignored_columns.append(h)
            else:
                seen.add(column.field)

    def run(
        self,
        path: Path | str,
        user: Any,
        commit: bool,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportResult:
        """Check (and with `commit`, keep) the file's changes; all or nothing.

        The dry run does the very same writes and rolls them back, so what it reports is
        exactly what the commit will do.
        """
        result = ImportResult()
        state = self.new_state(user)
        try:
            with transaction.atomic(), bulk.BackgroundWrites() as writes:
                batches = self.parse_columns if self.columnar else self.parse
                for batch in read_ahead(lambda into: batches(path, into), result):
                    writes.idle()
                    found = self.look_up(batch, state)
                    writes.start()  # the previous batch's writes, while this one is checked
                    self.apply_batch(batch, state, result, writes, found)
                    if progress:
                        progress(result.rows, 0)
                writes.wait()
                self.finish(state, result)
                if result.problem_count or not commit:
                    raise ImportAborted
        except ImportAborted:
            pass
        except SpreadsheetError as e:
            result.add_problem(0, "", "", str(e))
        result.problems.sort(key=lambda p: p.row)
        result.committed = commit and not result.problem_count
        return result

    def may_import(self, user: Any) -> bool:
        meta = self.model._meta
        return user.has_perm(f"{meta.app_label}.add_{meta.model_name}") or user.has_perm(
            f"{meta.app_label}.change_{meta.model_name}"
        )

    # --- hooks for subclasses -------------------------------------------------------------

    def new_state(self, user: Any) -> Any:
        """What one run remembers between batches (lookups, rows already seen)."""
        return {"user": user}

    def look_up(self, batch: Any, state: Any) -> Any:
        """What checking the batch needs from the database, handed to `apply_batch`.

        Read before the previous batch's writes begin, so it cannot see them: rows the run
        wrote itself are known from `state`. None by default."""
        return None

    @abstractmethod
    def apply_batch(
        self,
        batch: Any,
        state: Any,
        result: ImportResult,
        writes: bulk.BackgroundWrites,
        found: Any,
    ) -> None:
        """Check a batch against the database and write it (the run decides to keep it).

        Writes go to the database directly, or to `writes` to run while the next batch is
        checked; a layout that submits writes reads the database only after `writes.wait()`.
        `found` is what `look_up` read."""

    def finish(self, state: Any, result: ImportResult) -> None:  # noqa: B027 (optional hook)
        """Checks that need the whole file (after the last batch); none by default."""

    # --- writing -------------------------------------------------------------------------

    @abstractmethod
    def export_rows(self, queryset: models.QuerySet, user: Any) -> Iterable[Sequence[Any]]:
        """The rows of the queryset in this layout, as cell values (personal data masked)."""

    def header_aliases(self) -> dict[str, Column]:
        """Header key → column, in Chinese and in English: a file exported by a user working
        in English imports for a user working in Chinese, and the other way round."""
        from django.utils import translation

        from bangfu.core.spreadsheets import header_key

        aliases: dict[str, Column] = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for column in self.all_columns():
                    aliases.setdefault(header_key(str(column.header)), column)
        return aliases

    def headers(self) -> list[str]:
        return [str(c.header) for c in self.columns]

    def text_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.text]

    def export_row_count(self, queryset: models.QuerySet) -> int:
        """How many rows `export_rows` gives for the queryset (one per object by default)."""
        return queryset.count()

    def export_sheets(self, queryset: models.QuerySet, user: Any) -> list[SheetSpec]:
        return [
            SheetSpec(
                self.sheet_name,
                self.headers(),
                self.export_rows(queryset, user),
                self.text_columns(),
                [max(10, len(c.header) * 2 + 2) for c in self.columns],
                checked=self.export_checked,
            )
        ]

    def template_sheets(self) -> list[SheetSpec]:
        """The template: the header, an example row, and a sheet explaining every column."""
        explain = [
            [str(c.header), _("必填") if c.required else _("选填"), str(c.help), c.allowed()]
            for c in self.all_columns()
        ]
        return [
            SheetSpec(
                self.sheet_name,
                self.headers(),
                [[self._example(c) for c in self.columns]],
                self.text_columns(),
                [max(10, len(c.header) * 2 + 2) for c in self.columns],
            ),
            SheetSpec(
                str(_("填写说明")),
                [_("列名"), _("是否必填"), _("说明"), _("可填的值")],
                explain,
                (),
                (16, 10, 50, 60),
            ),
        ]

    def _example(self, column: Column) -> Any:
        if column.example != "":
            return (
                str(column.example)
                if not isinstance(column.example, int | float)
                else column.example
            )
        if column.choices is not None:
            first = next(m for m in column.choices if m.value != "")
            return str(first.label)
        return ""


def _import_job(job: Any, progress: Callable[[int, int], None]) -> dict:
    """The background job behind an upload: a dry run, or the commit after it."""
    from bangfu.core import import_files

    import_files.purge_leftovers()
    layout = Layout.registry[job.params["layout"]]
    result = None
    try:
        result = layout.run(job.params["path"], job.user, job.params.get("commit", False), progress)
    finally:  # the file's personal data is kept no longer than an import needs it
        import_files.release(job.params, result)
    return result.as_dict()


def register_jobs() -> None:
    from bangfu.core import jobs

    jobs.register("import")(_import_job)


class RowError(Exception):
    """A row names something that does not exist or may not be used: (field, message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class RowLayout(Layout):
    """One row, one object, found again by its natural key (a name, a code, a number).

    Subclasses list `natural_key` (model field names), turn a row's values into model field
    values in `resolve` (looking names up, raising RowError; a foreign key's value is the
    related row's id), and give them back for export in `export_values`. Scope is checked after the writes, inside the transaction: a row
    whose object the user could not see afterwards is an error, so nothing is written.
    """

    natural_key: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    # A key the database assigns (an id): rows without it are new, rows with it must exist.
    key_must_exist: bool = False

    def new_state(self, user: Any) -> dict:
        meta = self.model._meta
        return {
            "user": user,
            "seen": {},
            "can_add": user.has_perm(f"{meta.app_label}.add_{meta.model_name}"),
        }

    def prepare(self, batch: list[ParsedRow], state: dict) -> None:
        """Load in one query what a batch's rows will look up (no query per row)."""

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        return {c.field: values[c.field] for c in self.columns if c.field in values}

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {c.field: getattr(obj, c.field) for c in self.columns}

    def key_of(self, fields: dict[str, Any]) -> tuple:
        return tuple(fields.get(k) for k in self.natural_key)

    def apply_batch(
        self,
        batch: list[ParsedRow],
        state: dict,
        result: ImportResult,
        writes: bulk.BackgroundWrites,
        found: Any,
    ) -> None:
        model = self.model
        headers = {c.field: str(c.header) for c in self.columns}
        resolved: list[tuple[ParsedRow, dict[str, Any]]] = []
        self.prepare(batch, state)
        for row in batch:
            try:
                fields = self.resolve(row.values, state)
            except RowError as e:
                result.add_problem(
                    row.number, headers.get(e.field, e.field), row.cells.get(e.field), e.message
                )
                continue
            key = self.key_of(fields)
            new = self.key_must_exist and None in key  # no id yet: a new record
            first = row.number if new else state["seen"].setdefault(key, row.number)
            if first != row.number:
                result.add_problem(
                    row.number,
                    headers.get(self.natural_key[-1], ""),
                    "",
                    _("与第{row}行重复。").format(row=first),
                )
                continue
            for name in getattr(model, "personal_fields", ()):
                if isinstance(fields.get(name), str) and "*" in fields[name]:
                    del fields[name]  # exported masked: keep what is stored
            resolved.append((row, fields))
        lead = self.natural_key[0]
        existing = {
            self.key_of(
                {k: getattr(o, model._meta.get_field(k).attname) for k in self.natural_key}
            ): o
            for o in model.objects.filter(
                **{f"{model._meta.get_field(lead).attname}__in": {f[lead] for _r, f in resolved}}
            )
        }
        changeable = set(
            model.objects.restrict(state["user"], "change")
            .filter(pk__in=[o.pk for o in existing.values()])
            .values_list("pk", flat=True)
        )
        limits = FieldLimits(model, [f for f in self._model_fields() if self._is_limited(f)])
        to_create, to_update, unchanged, unchanged_objects = [], [], 0, []
        rows_of: dict[int, int] = {}
        for row, fields in resolved:
            key = self.key_of(fields)
            new = self.key_must_exist and None in key
            obj = None if new else existing.get(key)
            if obj is None and not new and self.key_must_exist:
                result.add_problem(
                    row.number,
                    headers.get(self.natural_key[0], ""),
                    key[0],
                    _("没有这个编号的记录。"),
                )
                continue
            if obj is None:
                if not state["can_add"]:
                    result.add_problem(row.number, "", "", _("您没有新增这类记录的权限。"))
                    continue
                obj = model()
            elif obj.pk not in changeable:
                result.add_problem(row.number, "", "", _("这条记录不在您的管辖范围内,不能修改。"))
                continue
            extras = {k: fields.pop(k) for k in [k for k in fields if k.startswith("_")]}
            if obj.pk is not None or fields.get(model._meta.pk.name) is None:
                fields.pop(model._meta.pk.name, None)
            attnames = {name: model._meta.get_field(name).attname for name in fields}
            before = {name: getattr(obj, attnames[name]) for name in fields}
            for name, value in fields.items():
                setattr(obj, attnames[name], value)
            for name, value in extras.items():
                setattr(obj, name, value)  # carried to after_write
            obj._import_row = row.number
            problems = limits.errors(obj)
            if problems:
                for name, message in problems:
                    result.add_problem(row.number, headers.get(name, name), "", message)
                continue
            if obj.pk is None:
                to_create.append(obj)
                rows_of[id(obj)] = row.number
            elif any(getattr(obj, attnames[n]) != v for n, v in before.items()):
                to_update.append(obj)
                rows_of[id(obj)] = row.number
            else:
                unchanged += 1
                unchanged_objects.append(obj)
        from bangfu.core import bulk
        from bangfu.core.changelog import record_bulk, serialize_instance

        bulk.insert(model, to_create)
        if to_update:
            model.objects.bulk_update(
                to_update, [*self._model_fields(), "updated"], batch_size=1000
            )
        visible = set(
            model.objects.restrict(state["user"], "view")
            .filter(pk__in=[o.pk for o in to_create + to_update])
            .values_list("pk", flat=True)
        )
        for obj in to_create + to_update:
            if obj.pk not in visible:
                result.add_problem(rows_of[id(obj)], "", "", _("这条记录超出了您的管辖范围。"))
        # The change log names each row (str) and its related rows: load them per relation,
        # not per row.
        models.prefetch_related_objects(to_create + to_update, *self.select_related)
        self.after_write(to_create, to_update + unchanged_objects, state)
        record_bulk(
            [(o, "create", None, serialize_instance(o)) for o in to_create]
            + [(o, "update", o.changelog_before(), serialize_instance(o)) for o in to_update],
            state["user"],
        )
        label = str(model._meta.verbose_name)
        result.count("created", label, len(to_create))
        result.count("updated", label, len(to_update))
        result.count("unchanged", label, unchanged)

    def after_write(self, created: list, updated: list, state: dict) -> None:
        """Write what hangs on the rows (links, children) once they have ids."""

    def _model_fields(self) -> list[str]:
        names = {f.name for f in self.model._meta.concrete_fields if not f.primary_key}
        found: list[str] = []
        for column in self.columns:
            if column.field in names and column.field not in found:
                found.append(column.field)
        for extra in self.natural_key:
            if extra in names and extra not in found:
                found.append(extra)
        return found

    def _is_limited(self, name: str) -> bool:
        return not self.model._meta.get_field(name).is_relation

    def export_rows(self, queryset: models.QuerySet, user: Any) -> Iterator[Sequence[Any]]:
        from bangfu.core.personal import can_see_personal_data, mask

        writers = [(c.field, c.writer()) for c in self.columns]
        hidden = (
            set()
            if can_see_personal_data(user)
            else set(getattr(self.model, "personal_fields", ()))
        )
        for obj in queryset.select_related(*self.select_related).iterator(chunk_size=2000):
            values = self.export_values(obj)
            for name in hidden & values.keys():
                values[name] = mask(values[name], name) if values[name] else ""
            yield [write(values.get(name)) for name, write in writers]
