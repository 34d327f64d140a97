"""Reading and writing spreadsheets (.xlsx, .csv) as streams of rows, never whole files.

Reading .xlsx uses python-calamine-plus (calamine, in Rust, row by row in constant memory);
.csv is read as UTF-8 or, as Chinese Excel saves it, GB18030. Row numbers are the
spreadsheet's own (1 = the first row).

Writing goes through `write_xlsx` alone. Data sheets (list exports, templates: a header and
rows, up to a million of them) are written by rustpy-xlsxwriter (rust_xlsxwriter, in Rust,
constant memory), about five times faster than XlsxWriter. Printed layouts (a title above
the header or a totals row below the data: the ledger books, score sheets; a few hundred
rows) are written by XlsxWriter, because rustpy-xlsxwriter has no formatted row of values
below the data (its totals are formulas, and a row format on a data row comes out as two
<row> elements with the same number: not a valid sheet, which Excel may refuse to open).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from bangfu.core.normalize import text

HEADER_SEARCH_ROWS = 10


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong type, no header row, broken file)."""


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    with path.open("rb") as raw:
        head = raw.read(65536)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A cut-off multi-byte character at the end of the sample is still UTF-8.
        if e.start < len(head) - 3:
            encoding = "gb18030"
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(8192)
        f.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(f, dialect)


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from python_calamine_plus import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        yield from workbook.stream_sheet_by_index(0)
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
    """A sheet's header and its data rows, with their spreadsheet row numbers."""

    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]


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

    def data() -> Iterator[tuple[int, list[Any]]]:
        for offset, row in enumerate(head[best + 1 :], start=best + 2):
            yield offset, row
        for number, row in enumerate(iterator, start=len(head) + 1):
            yield number, row

    return Table(headers=best_headers, rows=data())


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


def write_xlsx(target: Any, sheets: Sequence[SheetSpec]) -> None:
    """Write sheets to an .xlsx path or file object, a row at a time (constant memory).

    Text columns (ID numbers, codes) are written as text so Excel never turns them into
    rounded numbers. A file object gets the whole file at the end (rustpy-xlsxwriter builds
    it in memory first): give large exports a path.
    """
    if any(spec.title or spec.totals is not None for spec in sheets):
        _write_printed(target, sheets)
    else:
        _write_data(target, sheets)


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


def _write_data(target: Any, sheets: Sequence[SheetSpec]) -> None:
    """Header and rows per sheet, bold header, frozen below it, widths and text columns."""
    from rustpy_xlsxwriter import Format, write_worksheets

    bold = Format().set_bold().set_background_color("#F2F2F2").set_border("thin")
    as_text = Format().set_num_format("@")
    entries, widths, formats, frozen = [], {}, {}, {}
    for spec in sheets:
        headers = [str(h) for h in spec.headers]
        if len(set(headers)) != len(headers):
            raise ValueError(f"sheet {spec.name!r} repeats a header: {headers}")
        texts = set(spec.text_columns)
        name = str(spec.name)
        entries.append((name, _records(headers, spec.rows, spec.text_columns)))
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


def _write_printed(target: Any, sheets: Sequence[SheetSpec]) -> None:
    """Sheets with title lines and a totals row, set up for A4 (XlsxWriter)."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    as_text = workbook.add_format({"num_format": "@"})
    heading = workbook.add_format({"bold": True, "font_size": 14})
    total_format = workbook.add_format({"bold": True, "top": 1})
    for spec in sheets:
        sheet = workbook.add_worksheet(spec.name)
        for col, width in enumerate(spec.widths):
            sheet.set_column(col, col, width, as_text if col in spec.text_columns else None)
        for col in spec.text_columns:
            if col >= len(spec.widths):
                sheet.set_column(col, col, 20, as_text)
        for r, line in enumerate(spec.title):
            sheet.write_string(r, 0, line, heading if r == 0 else None)
        top = len(spec.title)
        sheet.write_row(top, 0, list(spec.headers), bold)
        sheet.freeze_panes(top + 1, 0)
        if spec.title or spec.totals is not None:
            sheet.set_paper(9)  # A4
            sheet.repeat_rows(top)
            sheet.fit_to_pages(1, 0)
            if spec.landscape:
                sheet.set_landscape()
        r = top
        for r, row in enumerate(spec.rows, start=top + 1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if c in spec.text_columns:
                    sheet.write_string(r, c, str(value))
                else:
                    sheet.write(r, c, value)
        if spec.totals is not None:
            for c, value in enumerate(spec.totals):
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


def csv_response(headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Any:
    """A streamed .csv download, UTF-8 with a byte-order mark so Chinese Excel opens it."""
    from urllib.parse import quote

    from django.http import StreamingHttpResponse

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(list(headers))
        for row in rows:
            yield writer.writerow(["" if v is None else v for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
