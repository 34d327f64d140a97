"""Reading and writing spreadsheets (.xlsx, .csv) as streams of rows, never whole files.

Reading .xlsx uses python-calamine-plus (calamine, in Rust, row by row in constant memory),
in a child process for a large file (`_xlsx_chunks`); .csv is read by Arrow where it can,
as UTF-8 or, as Chinese Excel saves it, GB18030. Row numbers are the
spreadsheet's own (1 = the first row).

Writing goes through `write_xlsx` and `csv_response` alone, and every cell through `cell`:
text a spreadsheet would run gets the protective quote, page HTML becomes plain text. Data
sheets (list exports, templates: a header and rows, up to a million of them) are written by
rustpy-xlsxwriter (rust_xlsxwriter, in Rust, constant memory), about five times faster than
XlsxWriter. Printed layouts (a title above the header or a totals row below the data: the
ledger books, score sheets; a few hundred rows) are written by XlsxWriter, because
rustpy-xlsxwriter has no formatted row of values below the data (its totals are formulas,
and a row format on a data row comes out as two <row> elements with the same number: not a
valid sheet, which Excel may refuse to open).

The two Rust libraries are young single-maintainer projects: each sits behind one adapter
(`open_xlsx`, `write_xlsx`) with a well-kept fallback chosen by a setting:
BANGFU_XLSX_READER=calamine (python-calamine, which loads a sheet whole) and
BANGFU_XLSX_WRITER=xlsxwriter (XlsxWriter's constant-memory mode).
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import unescape
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import Any

import xlsxwriter
from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.translation import gettext as _

from bangfu.core.normalize import PLAIN, quote_needed, text

HEADER_SEARCH_ROWS = 10
CSV_HEAD_BYTES = 65536  # where the encoding is told and the header looked for
XLSX_MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows a sheet, less the header
XLSX_CHILD_BYTES = 1 << 20  # an .xlsx this big is read in a child process (a small one is
# read before the child would have started)
ARROW_BLOCK_BYTES = 1 << 20  # Arrow parses a .csv this much at a time, on every core (and
# reads ahead some dozens of blocks: 4 MB blocks held ~150 MB more for no time saved)


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong type, no header row, broken file)."""


def _csv_format(path: Path) -> tuple[str, Any]:
    """The file's encoding (UTF-8, or GB18030 as Chinese Excel saves) and its dialect, the
    delimiter sniffed among comma, tab and semicolon."""
    with path.open("rb") as raw:
        head = raw.read(CSV_HEAD_BYTES)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A cut-off multi-byte character at the end of the sample is still UTF-8.
        if e.start < len(head) - 3:
            encoding = "gb18030"
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(8192)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # A sample without quotes makes the sniffer guess no doubled quotes; Excel always
    # doubles them, so a later "a""b" cell must read as a"b.
    dialect.doublequote = True
    return encoding, dialect


def _csv_rows(path: Path, skip: int = 0) -> Iterator[list[Any]]:
    """The rows of a .csv; a line the csv module cannot read (a cell over 131,072
    characters, bytes not of the file's encoding) is a SpreadsheetError naming it."""
    encoding, dialect = _csv_format(path)
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.reader(f, dialect)
        try:
            deque(islice(reader, skip), maxlen=0)
            yield from reader
        except UnicodeDecodeError as e:
            raise SpreadsheetError(
                _(
                    "第{line}行有不是{encoding}编码的字符,无法读取。"
                    "请在Excel中“另存为”“CSV UTF-8”后再导入。"
                ).format(
                    line=_undecodable_line(path, encoding),
                    encoding=encoding.upper().removesuffix("-SIG"),
                )
            ) from e
        except csv.Error as e:
            raise SpreadsheetError(
                _("第{line}行无法按CSV读取:{error}").format(line=reader.line_num, error=e)
            ) from e


def _undecodable_line(path: Path, encoding: str) -> int:
    """The number of the first line of the file that is not in `encoding` (0 if none)."""
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError:
                return number
    return 0


XLSX_READERS = ("calamine-plus", "calamine")


def xlsx_reader() -> str:
    """The .xlsx reader chosen by the BANGFU_XLSX_READER setting (see module doc)."""
    from django.conf import settings

    name = getattr(settings, "BANGFU_XLSX_READER", XLSX_READERS[0])
    if name not in XLSX_READERS:
        raise ValueError(f"BANGFU_XLSX_READER={name!r}: choose one of {XLSX_READERS}")
    return name


def open_xlsx(path: str, reader: str) -> Iterator[list[Any]]:
    """The first sheet's rows from A1 as lists of cell values, by the reader named: the one
    place that knows the readers' own interfaces.

    python-calamine-plus streams the sheet row by row; python-calamine (the upstream it
    forks) loads the sheet into Rust's memory first and starts at the first used column,
    so its rows get the blank cells left of that column back."""
    if reader == "calamine-plus":
        from python_calamine_plus import CalamineWorkbook as PlusWorkbook

        return iter(PlusWorkbook.from_path(path).stream_sheet_by_index(0))
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    rows = iter(sheet.iter_rows())
    left = sheet.start[1] if sheet.start else 0
    return rows if not left else ([""] * left + row for row in rows)


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from django.core.exceptions import ValidationError

    from bangfu.core.uploads import check_xlsx

    try:
        check_xlsx(path)  # a zip bomb or a giant cell is refused before calamine opens it
    except ValidationError as e:
        raise SpreadsheetError(" ".join(e.messages)) from None
    try:
        yield from open_xlsx(str(path), xlsx_reader())
    except Exception as e:  # calamine raises its own error types for broken files
        if isinstance(e, SpreadsheetError):
            raise
        raise SpreadsheetError(_("无法读取这个Excel文件:{error}").format(error=e)) from e


def read_rows(path: Path | str) -> Iterator[list[Any]]:
    """Every row of the first sheet as a list of cell values."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    raise SpreadsheetError(_("只能导入.xlsx或.csv文件,这是“{suffix}”文件。").format(suffix=suffix))


@dataclass
class Table:
    """A sheet's header and its data rows, numbered from `start` (rows are never skipped, so
    the numbers are the spreadsheet's own)."""

    headers: list[str]
    data: Iterator[list[Any]]
    start: int = 2  # the row number of the first row after the header
    source: Iterator[list[Any]] | None = None  # the rows as read, to close the file early

    @property
    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The data rows with their row numbers."""
        return enumerate(self.data, start=self.start)

    def close(self) -> None:
        """Close the file under `data` (when the rows are read another way)."""
        close = getattr(self.source, "close", None)
        if close is not None:
            close()


def header_key(name: str) -> str:
    """How headers are compared: without spaces, case or full-width forms."""
    return text(name).replace(" ", "").lower()


def find_header(rows: Iterable[list[Any]], known: Sequence[str]) -> Table:
    """Find the header row among the first rows: the one naming most known columns.

    `Table.headers` come back as header keys (see header_key).

    A header merged over two rows (the name in the upper cell, an empty cell below it) or a
    title row above the header are both common in county files; both are handled.
    """
    iterator = iter(rows)
    head: list[list[Any]] = []
    for row in iterator:
        head.append(row)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    known_set = {header_key(k) for k in known}
    best, best_score, best_headers = -1, 0, []
    for i, row in enumerate(head):
        above = head[i - 1] if i > 0 else []
        headers = []
        for c, cell in enumerate(row):
            name = text(cell)
            if not name and c < len(above):
                name = text(above[c])
            headers.append(header_key(name))
        score = sum(1 for h in headers if h in known_set)
        if score > best_score:
            best, best_score, best_headers = i, score, headers
    if best < 0:
        raise SpreadsheetError(
            _("在前{n}行没有找到表头。请使用下载的模板,表头须包含:{names}").format(
                n=HEADER_SEARCH_ROWS, names="、".join(known[:6])
            )
        )

    return Table(
        headers=best_headers,
        data=chain(head[best + 1 :], iterator),
        start=best + 2,
        source=iterator,
    )


@dataclass
class ColumnChunk:
    """Up to a batch of data rows as columns, blank rows left out.

    `numbers` are the spreadsheet row numbers of the rows kept; `columns` hold, per column
    asked for, its cells in those rows: a sequence of Python values, or (from Arrow's .csv
    reader) a pyarrow DictionaryArray of strings, each distinct string stored once.
    """

    numbers: list[int]
    columns: list[Any]


def column_chunks(
    path: Path | str, table: Table, picks: Sequence[int], size: int
) -> Iterator[ColumnChunk]:
    """The table's data rows `size` at a time as the columns at `picks`, blank rows dropped
    (their numbers skipped, so the rows after them keep their true numbers).

    A .csv is parsed by Arrow's multithreaded C++ reader, from the byte after the header
    that find_header chose. Where Arrow cannot read the file the same way as the csv module
    (a row shorter or longer than the header, a byte that is not of the detected encoding),
    the csv module reads on from the first row Arrow did not deliver, as for every other
    file, so rows, numbers and errors come out the same either way.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") and path.stat().st_size >= XLSX_CHILD_BYTES:
        table.close()
        yield from _xlsx_chunks(path, table.start, picks, size)
        return
    plan = _arrow_plan(path, table) if suffix == ".csv" else None
    if plan is None:
        yield from _row_chunks(table.data, table.start, picks, size)
        return
    table.close()
    stopped = yield from _arrow_chunks(path, *plan, table.start, picks, size)
    if stopped is not None:
        yield from _row_chunks(_csv_rows(path, skip=stopped - 1), stopped, picks, size)


def _row_chunks(
    rows: Iterator[list[Any]], first: int, picks: Sequence[int], size: int
) -> Iterator[ColumnChunk]:
    """Rows read one by one (calamine, the csv module), the first numbered `first`, turned
    into column chunks."""
    width = max(picks) + 1
    while True:
        cells = list(islice(rows, size))
        if not cells:
            return
        numbers = list(range(first, first + len(cells)))
        first += len(cells)
        if min(map(len, cells)) < width:
            cells = [r if len(r) >= width else [*r, *[None] * (width - len(r))] for r in cells]
        if max(map(len, cells)) <= 2 * width:
            every = list(zip(*cells, strict=False))  # rows to columns in one pass, in C
            columns = [every[i] for i in picks]
            del every
        else:  # a stray cell far to the right: transpose only the columns asked for
            pick = itemgetter(*picks, picks[0])  # (a tuple even for one column)
            columns = list(zip(*map(pick, cells), strict=True))[:-1]
        # Blank rows between blocks are common: a row is blank when every cell is.
        lead = columns[0]
        blank_values = {v for v in set(lead) if not text(v)}
        if blank_values:
            keep = [
                j
                for j, v in enumerate(lead)
                if v not in blank_values or any(text(c) for c in cells[j])
            ]
            if len(keep) < len(cells):
                numbers = [numbers[j] for j in keep]
                columns = [[col[j] for j in keep] for col in columns]
        if numbers:
            # Handed over so that this frame keeps no reference to the cells while the
            # consumer holds the batch made of them (a Python object per cell: memory).
            out = [ColumnChunk(numbers, columns)]
            del cells, columns, lead
            yield out.pop()


def text_array(cells: Sequence[Any]) -> Any:
    """Cells that are all text as a pyarrow string array; None when some cell is a number, a
    date, empty or not UTF-8."""
    import pyarrow as pa

    try:
        strings = pa.array(cells, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid, UnicodeEncodeError):
        return None
    return None if strings.null_count else strings


def text_dictionary(cells: Sequence[Any]) -> Any:
    """Cells that are all text as a pyarrow DictionaryArray (each distinct string once, found
    in C++); None as for `text_array`."""
    strings = text_array(cells)
    return None if strings is None else strings.dictionary_encode()


def _xlsx_chunks(path: Path, start: int, picks: Sequence[int], size: int) -> Iterator[ColumnChunk]:
    """`_row_chunks` of an .xlsx from the row numbered `start`, read in a child process.

    calamine turns each cell into a Python object holding Python's lock (20-odd seconds for a
    million rows): in a process of its own it reads on its own core while this one checks
    and writes. The child sends text columns as Arrow dictionaries (cheap to send, and what
    the import reads fastest) and stops when this side stops listening."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_xlsx_reader,
        args=(str(path), xlsx_reader(), start, list(picks), size, sender),
        name="import-xlsx-reader",
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, item = receiver.recv()
            except EOFError:
                kind, item = "error", "reader stopped"
            if kind == "end":
                return
            if kind == "error":
                raise SpreadsheetError(_("无法读取这个Excel文件:{error}").format(error=item))
            yield item
    finally:
        receiver.close()  # a child still reading fails on its next send and ends
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
            child.join()


def _xlsx_reader(
    path: str, reader: str, start: int, picks: list[int], size: int, sender: Any
) -> None:
    """The child's side of `_xlsx_chunks` (`reader` as chosen by the parent's settings)."""
    try:
        try:
            rows = open_xlsx(path, reader)
            deque(islice(rows, start - 1), maxlen=0)
            part = max(1, size // 10)
            while True:
                # The same batches as `_row_chunks(rows, start, picks, size)`, read a tenth
                # at a time with text kept as Arrow's compact strings: a whole batch of
                # Python cells would hold hundreds of MB more.
                numbers: list[int] = []
                pieces: list[list[Any]] = [[] for _p in picks]
                read = 0
                while read < size and (some := list(islice(rows, min(part, size - read)))):
                    for chunk in _row_chunks(iter(some), start + read, picks, len(some)):
                        numbers += chunk.numbers
                        for kept, cells in zip(pieces, chunk.columns, strict=True):
                            strings = text_array(cells)
                            kept.append(cells if strings is None else strings)
                    read += len(some)
                if not read:
                    break
                start += read
                if numbers:
                    sender.send(("chunk", _joined(numbers, pieces)))
        except (BrokenPipeError, ConnectionResetError):
            return  # the import stopped reading
        except Exception as e:  # calamine's own errors for a broken file
            sender.send(("error", str(e)))
            return
        sender.send(("end", None))
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        sender.close()


def _joined(numbers: list[int], pieces: list[list[Any]]) -> ColumnChunk:
    """Each column's pieces as one: all text as an Arrow dictionary, any other as a list of
    Python values."""
    import pyarrow as pa

    columns = []
    for kept in pieces:
        if all(isinstance(p, pa.Array) for p in kept):
            columns.append(pa.concat_arrays(kept).dictionary_encode())
        else:
            columns.append(
                [v for p in kept for v in (p.to_pylist() if isinstance(p, pa.Array) else p)]
            )
    return ColumnChunk(numbers, columns)


def _arrow_plan(path: Path, table: Table) -> tuple[str, Any, int, int] | None:
    """Encoding, dialect, byte offset of the first data row and the number of columns, for
    Arrow to read the rows after the header; None for a file it cannot read like csv."""
    encoding, dialect = _csv_format(path)
    if dialect.skipinitialspace or len(dialect.delimiter) != 1:
        return None  # Arrow keeps the spaces after a delimiter
    offset = _csv_offset(path, encoding, dialect, table.start - 1)
    if offset is None:
        return None
    return encoding, dialect, offset, len(table.headers)


def _csv_offset(path: Path, encoding: str, dialect: Any, records: int) -> int | None:
    """The byte where the csv module's row `records` (0-based) starts, found in the file's
    head as the csv module reads it (quoted cells may span lines); None past the head."""
    with path.open("rb") as raw:
        head = raw.read(CSV_HEAD_BYTES + 1)
    whole = len(head) <= CSV_HEAD_BYTES
    # The same lines as the text file opened with newline="" gives the csv module.
    lines = head[:CSV_HEAD_BYTES].splitlines(keepends=True)
    if not whole:
        lines.pop()  # perhaps cut short

    def decoded() -> Iterator[str]:
        for i, line in enumerate(lines):
            yield line.decode(encoding if i == 0 else encoding.removesuffix("-sig"))

    reader = csv.reader(decoded(), dialect)
    try:
        deque(islice(reader, records), maxlen=0)
    except (UnicodeDecodeError, csv.Error):
        return None
    if reader.line_num >= len(lines) and not whole:
        return None  # the row may go on past the head
    return sum(map(len, lines[: reader.line_num]))


def _arrow_chunks(
    path: Path,
    encoding: str,
    dialect: Any,
    offset: int,
    width: int,
    first: int,
    picks: Sequence[int],
    size: int,
) -> Generator[ColumnChunk, None, int | None]:
    """Column chunks of exactly `size` rows (as the row reader cuts them) from Arrow's
    streaming .csv reader, every cell a string. Returns None when the whole file was read,
    else the row number from which Arrow could not read the file."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    names = [str(i) for i in range(width)]
    read_options = arrow_csv.ReadOptions(
        column_names=names,
        block_size=ARROW_BLOCK_BYTES,
        encoding="utf8" if encoding.startswith("utf-8") else encoding,
    )
    parse_options = arrow_csv.ParseOptions(
        delimiter=dialect.delimiter,
        quote_char=(dialect.quoting != csv.QUOTE_NONE and dialect.quotechar) or False,
        double_quote=dialect.doublequote,
        escape_char=dialect.escapechar or False,
        newlines_in_values=True,
        ignore_empty_lines=False,  # an empty line is a (blank) row, numbered like the others
    )
    convert_options = arrow_csv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    number = first
    with pa.OSFile(str(path)) as source:
        source.seek(offset)
        try:
            reader = arrow_csv.open_csv(
                source,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
        except (pa.ArrowException, UnicodeDecodeError):
            return number
        try:
            pending: list[Any] = []
            count = 0
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except (pa.ArrowException, UnicodeDecodeError):
                    return number
                pending.append(batch)
                count += batch.num_rows
                while count >= size:
                    data = pa.Table.from_batches(pending)
                    chunk = _arrow_chunk(data.slice(0, size), number, picks)
                    pending, count, number = (
                        data.slice(size).to_batches(),
                        count - size,
                        number + size,
                    )
                    if chunk is not None:
                        yield chunk
            if count:
                chunk = _arrow_chunk(pa.Table.from_batches(pending), number, picks)
                if chunk is not None:
                    yield chunk
        finally:
            reader.close()
    return None


def _arrow_chunk(data: Any, first: int, picks: Sequence[int]) -> ColumnChunk | None:
    """A column chunk from an Arrow table of string columns whose first row is row `first`."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [pc.dictionary_encode(data.column(i)).combine_chunks() for i in picks]
    count = data.num_rows
    numbers = list(range(first, first + count))
    # Blank rows: those whose first chosen cell is blank and every other cell too. A cell
    # starting with a letter, a digit or a Chinese character is not blank: only the others
    # are looked at in Python.
    lead = columns[0].dictionary
    others = np.flatnonzero(
        ~pc.match_substring_regex(lead, f"^{PLAIN}").to_numpy(zero_copy_only=False)
    ).tolist()
    looked = lead.take(pa.array(others, type=pa.int64())).to_pylist()
    blank = [k for k, v in zip(others, looked, strict=True) if not text(v)]
    if blank:
        candidates = np.flatnonzero(np.isin(columns[0].indices.to_numpy(), blank))
        cells = [column.take(candidates).to_pylist() for column in data.columns]
        empty = [
            j
            for j, row in zip(candidates.tolist(), zip(*cells, strict=True), strict=True)
            if not any(map(text, row))
        ]
        if empty:
            keep = np.setdiff1d(np.arange(count), empty)
            if not len(keep):
                return None
            numbers = (keep + first).tolist()
            kept = pa.array(keep)
            columns = [column.take(kept) for column in columns]
    return ColumnChunk(numbers, columns)


# --- writing: every cell of every .xlsx and .csv goes through `cell` -------------------------


def cell(value: Any) -> Any:
    """The value a writer puts in a cell: text as text, never a formula nor HTML.

    Text a spreadsheet would run (it starts with = + - @, a tab or a carriage return) gets
    the protective quote OWASP recommends (normalize.quote_needed; the import takes it off
    again); HTML made by a page (a SafeString, e.g. a table's badge) becomes its plain text;
    a lazy translation becomes its text. Numbers (negative ones too), dates, booleans and
    None are the cell as they are."""
    if value.__class__ is str:
        return "'" + value if value and quote_needed(value) else value
    if isinstance(value, SafeData):
        return cell(plain_text(value))
    if isinstance(value, str | Promise):
        return cell(str(value))
    return value


def plain_text(html: str) -> str:
    """The text a browser shows for an HTML fragment: tags dropped, entities decoded,
    whitespace runs made one space."""
    return " ".join(unescape(strip_tags(html)).split())


def cells(row: Iterable[Any]) -> list[Any]:
    """A row's values as `cell` writes them."""
    return list(map(cell, row))


def cell_column(values: Sequence[Any]) -> Sequence[Any]:
    """A column of values read from the database as `cell` writes them, checked in C (one
    join and one regex search) when every value is plain text: a million-row export's
    text columns, nearly all of which need nothing."""
    try:
        joined = "\x1f".join(values)
    except TypeError:  # not all text
        return list(map(cell, values))
    if _MAY_NEED_QUOTE.search("\x1f" + joined) is None:
        return values
    return list(map(cell, values))


# Where `quote_needed` may say yes: a value (after the separator) starting with one of its
# characters. A literal first character lets the regex engine skip ahead fast.
_MAY_NEED_QUOTE = re.compile("\x1f[=+\\-@\t\r']")

SHEET_NAME_LENGTH = 31  # Excel's limit
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: Any) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, at most 31 characters, not empty."""
    cleaned = _SHEET_NAME_FORBIDDEN.sub(" ", str(name)).strip().strip("'")
    return cleaned[:SHEET_NAME_LENGTH] or "Sheet1"


@dataclass
class SheetSpec:
    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    text_columns: Sequence[int] = ()
    widths: Sequence[int] = ()
    # A printed layout (台账): title lines above the header, a bold totals row after the data,
    # A4 landscape. Plain exports leave these empty.
    title: Sequence[str] = ()
    totals: Sequence[Any] | None = None
    landscape: bool = False
    # Every value is already what `cell` makes of it (a columnar export that checks a column
    # at a time, see cell_column): the writer does not look again.
    checked: bool = False


XLSX_WRITERS = ("rustpy-xlsxwriter", "xlsxwriter")


def xlsx_writer() -> str:
    """The writer of data sheets chosen by the BANGFU_XLSX_WRITER setting (see module doc)."""
    from django.conf import settings

    name = getattr(settings, "BANGFU_XLSX_WRITER", XLSX_WRITERS[0])
    if name not in XLSX_WRITERS:
        raise ValueError(f"BANGFU_XLSX_WRITER={name!r}: choose one of {XLSX_WRITERS}")
    return name


def write_xlsx(target: Any, sheets: Sequence[SheetSpec]) -> None:
    """Write sheets to an .xlsx path or file object, a row at a time (constant memory).

    Every value goes through `cell` (text never a formula, no HTML). Text columns (ID
    numbers, codes) are written as text so Excel never turns them into rounded numbers. A
    file object gets the whole file at the end (rustpy-xlsxwriter builds it in memory
    first): give large exports a path.
    """
    if any(spec.title or spec.totals is not None for spec in sheets):
        _write_printed(target, sheets)
    elif xlsx_writer() == "rustpy-xlsxwriter":
        _write_data(target, sheets)
    else:
        _write_data_xlsxwriter(target, sheets)


def _sheet_rows(spec: SheetSpec) -> Iterator[Sequence[Any]]:
    """The sheet's rows as `cell` writes them."""
    return iter(spec.rows) if spec.checked else map(cells, spec.rows)


def _records(
    headers: list[str], rows: Iterable[Sequence[Any]], text_columns: Sequence[int]
) -> Iterator[dict[str, Any]]:
    """Rows as the header → value records rustpy-xlsxwriter takes; text columns as text.

    The writer takes the header from the first record's keys and each record's values in
    order, so the first record has every key (a sheet without rows gets one without values,
    which writes the header alone) and a shorter row leaves its last cells blank.
    """
    text_keys = [headers[c] for c in text_columns if c < len(headers)]
    rows = iter(rows)
    first = dict.fromkeys(headers)
    first.update(zip(headers, next(rows, ()), strict=False))
    for record in chain([first], (dict(zip(headers, row, strict=False)) for row in rows)):
        for key in text_keys:
            value = record.get(key)
            if value.__class__ is not str and value is not None:
                record[key] = str(value)
        yield record


def _headers(spec: SheetSpec) -> list[str]:
    """The sheet's header cells (a header names a user's indicator, say: it is text too)."""
    headers = [cell(str(h)) for h in spec.headers]
    if len(set(headers)) != len(headers):
        raise ValueError(f"sheet {spec.name!r} repeats a header: {headers}")
    return headers


def _write_data(target: Any, sheets: Sequence[SheetSpec]) -> None:
    """Header and rows per sheet, bold header, frozen below it, widths and text columns
    (rustpy-xlsxwriter)."""
    from rustpy_xlsxwriter import Format, write_worksheets

    bold = Format().set_bold().set_background_color("#F2F2F2").set_border("thin")
    as_text = Format().set_num_format("@")
    entries, widths, formats, frozen = [], {}, {}, {}
    for spec in sheets:
        headers = _headers(spec)
        texts = set(spec.text_columns)
        name = sheet_name(spec.name)
        entries.append((name, _records(headers, _sheet_rows(spec), spec.text_columns)))
        sized = {headers[c]: w for c, w in enumerate(spec.widths) if c < len(headers)}
        for c in texts:
            if c < len(headers):
                sized.setdefault(headers[c], 20)
        widths[name] = sized
        formats[name] = [as_text if c in texts else None for c in range(len(headers))]
        frozen[name] = {"row": 1, "col": 0}
    write_worksheets(
        entries,
        target,
        freeze_panes=frozen,
        column_widths=widths,
        column_formats=formats,
        header_format=dict.fromkeys(frozen, bold),
    )


def _workbook(target: Any) -> Any:
    """An XlsxWriter workbook in constant-memory mode that writes strings as strings (never
    as formulas, numbers or links)."""
    return xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )


def _write_cells(sheet: Any, r: int, row: Sequence[Any], texts: Any) -> None:
    """One row of cells (already through `cell`): text columns as text, blanks left out."""
    for c, value in enumerate(row):
        if value is None or value == "":
            continue
        if c in texts or value.__class__ is str:
            sheet.write_string(r, c, str(value))
        else:
            sheet.write(r, c, value)


def _write_data_xlsxwriter(target: Any, sheets: Sequence[SheetSpec]) -> None:
    """`_write_data` by XlsxWriter's constant-memory mode: the well-kept fallback."""
    workbook = _workbook(target)
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    as_text = workbook.add_format({"num_format": "@"})
    for spec in sheets:
        headers = _headers(spec)
        texts = set(spec.text_columns)
        sheet = workbook.add_worksheet(sheet_name(spec.name))
        for c in range(len(headers)):
            width = spec.widths[c] if c < len(spec.widths) else (20 if c in texts else None)
            if width is not None or c in texts:
                sheet.set_column(c, c, width, as_text if c in texts else None)
        sheet.write_row(0, 0, headers, bold)
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(_sheet_rows(spec), start=1):
            _write_cells(sheet, r, row, texts)
    workbook.close()


def _write_printed(target: Any, sheets: Sequence[SheetSpec]) -> None:
    """Sheets with title lines and a totals row, set up for A4 (XlsxWriter)."""
    workbook = _workbook(target)
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    as_text = workbook.add_format({"num_format": "@"})
    heading = workbook.add_format({"bold": True, "font_size": 14})
    total_format = workbook.add_format({"bold": True, "top": 1})
    for spec in sheets:
        texts = set(spec.text_columns)
        sheet = workbook.add_worksheet(sheet_name(spec.name))
        for col, width in enumerate(spec.widths):
            sheet.set_column(col, col, width, as_text if col in texts else None)
        for col in spec.text_columns:
            if col >= len(spec.widths):
                sheet.set_column(col, col, 20, as_text)
        for r, line in enumerate(spec.title):
            sheet.write_string(r, 0, str(cell(line)), heading if r == 0 else None)
        top = len(spec.title)
        sheet.write_row(top, 0, _headers(spec), bold)
        sheet.freeze_panes(top + 1, 0)
        if spec.title or spec.totals is not None:
            sheet.set_paper(9)  # A4
            sheet.repeat_rows(top)
            sheet.fit_to_pages(1, 0)
            if spec.landscape:
                sheet.set_landscape()
        r = top
        for r, row in enumerate(_sheet_rows(spec), start=top + 1):
            _write_cells(sheet, r, row, texts)
        if spec.totals is not None:
            for c, value in enumerate(cells(spec.totals)):
                if value.__class__ is str:
                    sheet.write_string(r + 1, c, value, total_format)
                else:
                    sheet.write(r + 1, c, "" if value is None else value, total_format)
    workbook.close()


def xlsx_response(sheets: Sequence[SheetSpec], filename: str) -> Any:
    """A download of the sheets, written a row at a time to a temporary file (not memory).

    The file's name is gone once the download starts; the open file lives until it ends."""
    import tempfile

    from django.http import FileResponse

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as temp:
        write_xlsx(temp.name, sheets)  # by path: the writer streams to disk
        written = open(temp.name, "rb")  # the response closes it
    return FileResponse(written, as_attachment=True, filename=filename)


def csv_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str, checked: bool = False
) -> Any:
    """A streamed .csv download, UTF-8 with a byte-order mark so Chinese Excel opens it.

    Every value goes through `cell` (unless `checked`: see SheetSpec.checked)."""
    from urllib.parse import quote

    from django.http import StreamingHttpResponse

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(cells(str(h) for h in headers))
        for row in rows if checked else map(cells, rows):
            yield writer.writerow(["" if v is None else v for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
