"""Reading files into column batches (Layout.parse_columns): the fast .csv reader (Arrow)
gives exactly what the csv module gives, row numbers and errors included, for the shapes real
files come in; where Arrow cannot, the csv module reads on from where Arrow stopped."""

import csv
import datetime
import io

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.db import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bangfu.core import normalize, spreadsheets
from bangfu.core.imports import Column, ImportResult, Layout


class Kind(models.TextChoices):
    A = "a", "甲"
    B = "b", "乙"


class Tiny(Layout):
    """A layout with one column of each kind of reader (key left empty: not registered)."""

    columns = [
        Column("编号", "code", normalize.code, required=True),
        Column("姓名", "name", required=True),
        Column("人数", "count", normalize.integer),
        Column("日期", "day", normalize.date),
        Column("是否", "flag", normalize.boolean),
        Column("类别", "kinds", choices=Kind, many=True),
    ]
    columnar = True

    def __init__(self):
        self.applied = []  # (row numbers, codes, what look_up found) per batch applied

    def look_up(self, batch, state):
        return len(batch)

    def apply_batch(self, batch, state, result, writes, found):
        self.applied.append((batch.numbers, batch.values["code"], found))

    def export_rows(self, queryset, user):
        """Records (dicts of field → cell) as rows in the columns' order."""
        return ([record.get(c.field, "") for c in self.columns] for record in queryset)


HEADER = ["编号", "姓名", "人数", "日期", "是否", "类别"]


def write(tmp_path, rows, encoding="utf-8", delimiter=",", newline="\n", name="in.csv"):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read(path, size=50000, arrow=True, monkeypatch=None):
    """What parse_columns yields, in plain lists, with what it reported; and the kind of
    column each chunk came in (True for Arrow's)."""
    layout = Tiny()
    layout.batch_size = size
    if not arrow:
        monkeypatch.setattr(spreadsheets, "_arrow_plan", lambda path, table: None)
    kinds = []
    chunks = spreadsheets.column_chunks

    def spy(*args):
        for chunk in chunks(*args):
            kinds.append(isinstance(chunk.columns[0], pa.DictionaryArray))
            yield chunk

    monkeypatch.setattr("bangfu.core.imports.column_chunks", spy)
    result = ImportResult()
    try:
        batches = [
            (b.numbers, b.values, {f: list(c) for f, c in b.cells.items()})
            for b in layout.parse_columns(path, result)
        ]
    except spreadsheets.SpreadsheetError as e:  # no header found: the same for both
        batches = [str(e)]
    finally:
        block = spreadsheets.ARROW_BLOCK_BYTES
        monkeypatch.undo()
        monkeypatch.setattr(spreadsheets, "ARROW_BLOCK_BYTES", block)
    return {
        "batches": batches,
        "rows": result.rows,
        "problems": [p.as_dict() for p in result.problems],
        "problem_count": result.problem_count,
    }, kinds


def both(path, monkeypatch, size=50000):
    """Read the file with Arrow and with the csv module; they must agree."""
    fast, kinds = read(path, size, True, monkeypatch)
    slow, slow_kinds = read(path, size, False, monkeypatch)
    assert fast == slow
    assert not any(slow_kinds)
    return fast, kinds


def numbers(outcome):
    return [n for batch in outcome["batches"] for n in batch[0]]


def column(outcome, field):
    return [v for batch in outcome["batches"] for v in batch[1][field]]


GOOD = ["A1", "谭世远", "3", "2016-03-01", "是", "甲"]


def test_a_plain_file_is_read_by_arrow_with_every_value_normalised(tmp_path, monkeypatch):
    rows = [HEADER, GOOD, ["Ａ２", " 罗  英 ", "4.0", "2016年3月1日", "否", "甲、乙"]]
    outcome, kinds = both(write(tmp_path, rows), monkeypatch)
    assert kinds == [True]
    assert numbers(outcome) == [2, 3]
    assert column(outcome, "code") == ["A1", "A2"]
    assert column(outcome, "name") == ["谭世远", "罗 英"]
    assert column(outcome, "count") == [3, 4]
    assert column(outcome, "kinds") == [["a"], ["a", "b"]]
    assert column(outcome, "flag") == [True, False]
    assert outcome["batches"][0][2]["name"] == ["谭世远", " 罗  英 "]  # cells as in the file


def test_blank_lines_and_rows_are_skipped_and_later_rows_keep_their_numbers(tmp_path, monkeypatch):
    text = (
        "编号,姓名,人数,日期,是否,类别\r\n"
        "A1,甲,,,,\r\n"
        "\r\n"  # an empty line
        ",,,,,\r\n"  # a blank row as Excel saves it
        " ,\u3000,,,,\r\n"  # spaces and a full-width space only
        "A2,乙,,,,\r\n"
        ",丙,,,,\r\n"  # not blank: its code is missing
    )
    path = tmp_path / "blank.csv"
    path.write_text(text, encoding="utf-8")
    outcome, kinds = both(path, monkeypatch)
    assert kinds == [True]
    assert numbers(outcome) == [2, 6]
    assert outcome["rows"] == 3
    assert [(p["row"], p["column"]) for p in outcome["problems"]] == [(7, "编号")]


def test_a_title_row_above_and_a_header_merged_over_two_rows(tmp_path, monkeypatch):
    rows = [
        ["2016年宝山村建档立卡贫困户花名册"],
        ["编号", "", "", "", "", ""],
        ["", "姓名", "人数", "日期", "是否", "类别"],
        GOOD,
        ["A2", "乙", "x", "", "", ""],
    ]
    outcome, kinds = both(write(tmp_path, rows), monkeypatch)
    assert kinds == [True]
    assert numbers(outcome) == [4]
    assert outcome["problems"][0]["row"] == 5 and outcome["problems"][0]["column"] == "人数"


def test_a_quoted_cell_with_newlines_is_one_row(tmp_path, monkeypatch):
    rows = [
        ["花名册\n(第一页)"],  # a title spanning two lines, above the header
        HEADER,
        ["A1", "谭\n世远", "", "", "", ""],
        ["A2", '罗"英"', "", "", "", ""],
        ["A3", "乙", "bad\r\nnumber", "", "", ""],
    ]
    outcome, kinds = both(write(tmp_path, rows, newline="\r\n"), monkeypatch)
    assert kinds == [True]
    assert numbers(outcome) == [3, 4]
    assert column(outcome, "name") == ["谭 世远", '罗"英"']
    assert outcome["problems"][0]["row"] == 5


def test_a_gb18030_file_saved_by_chinese_excel(tmp_path, monkeypatch):
    rows = [HEADER, GOOD, ["A2", "𠀀罗英", "", "", "", "乙"]]  # 𠀀: four bytes in GB18030
    outcome, kinds = both(write(tmp_path, rows, encoding="gb18030"), monkeypatch)
    assert kinds == [True]
    assert column(outcome, "name") == ["谭世远", "𠀀罗英"]


def test_a_utf8_file_with_a_byte_order_mark(tmp_path, monkeypatch):
    outcome, kinds = both(write(tmp_path, [HEADER, GOOD], encoding="utf-8-sig"), monkeypatch)
    assert kinds == [True]
    assert column(outcome, "code") == ["A1"]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_delimiter_is_sniffed(tmp_path, monkeypatch, delimiter):
    rows = [HEADER, ["A1", "谭,世远", "3", "", "", ""], ["A2", "乙", "", "", "", ""]]
    outcome, kinds = both(write(tmp_path, rows, delimiter=delimiter), monkeypatch)
    assert kinds == [True]
    assert column(outcome, "name") == ["谭,世远", "乙"]


def test_rows_shorter_than_the_header_are_read_by_the_csv_module_from_their_batch(
    tmp_path, monkeypatch
):
    rows = [HEADER] + [[f"A{i}", "甲", str(i), "", "", ""] for i in range(2, 9)]
    rows[6] = ["A7", "甲"]  # row 7: short, as a hand-edited file has it
    monkeypatch.setattr(spreadsheets, "ARROW_BLOCK_BYTES", 40)  # about a row per block
    outcome, kinds = both(write(tmp_path, rows), monkeypatch, size=2)
    # The first batches come from Arrow; from the batch where Arrow stopped (at the block
    # holding row 7) on, from the csv module.
    assert kinds[0] and not kinds[-1] and kinds == sorted(kinds, reverse=True)
    assert numbers(outcome) == list(range(2, 9))
    assert column(outcome, "count") == [2, 3, 4, 5, 6, None, 8]


def test_a_short_row_in_the_first_batch_falls_back_for_the_whole_file(tmp_path, monkeypatch):
    rows = [HEADER, GOOD, ["A2"], ["A3", "乙", "", "", "", "", "extra"]]
    outcome, kinds = both(write(tmp_path, rows), monkeypatch)
    assert kinds == [False]
    assert numbers(outcome) == [2, 4]
    assert [(p["row"], p["column"]) for p in outcome["problems"]] == [(3, "姓名")]


def test_bad_cells_are_reported_alike_by_both_readers(tmp_path, monkeypatch):
    rows = [HEADER]
    for i in range(2, 40):
        rows.append([f"A{i}" if i % 7 else "", "甲", "x" if i % 5 == 0 else "1", "", "", ""])
        if i % 11 == 0:
            rows.append(["", "", "", "", "", ""])
    outcome, kinds = both(write(tmp_path, rows), monkeypatch, size=4)
    assert all(kinds)
    assert outcome["problem_count"] == 12
    assert {p["column"] for p in outcome["problems"]} == {"编号", "人数"}


def test_a_file_with_only_a_header(tmp_path, monkeypatch):
    outcome, _kinds = both(write(tmp_path, [HEADER]), monkeypatch)
    assert outcome["batches"] == [] and outcome["rows"] == 0


def test_a_header_beyond_the_head_of_the_file_is_read_by_the_csv_module(tmp_path, monkeypatch):
    title = ["x" * (spreadsheets.CSV_HEAD_BYTES // 2)]
    outcome, kinds = both(write(tmp_path, [title, title, HEADER, GOOD]), monkeypatch)
    assert kinds == [False]
    assert numbers(outcome) == [4]


CELL = st.one_of(
    st.sampled_from(["", " ", "\u3000", "A1", "Ａ１", "3", "x", "是", "甲、乙", "2016-03-01"]),
    st.text(alphabet='ab,;"\n\r \t甲', max_size=6),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.lists(st.lists(CELL, max_size=3), max_size=2),
    rows=st.lists(
        st.one_of(
            st.lists(CELL, min_size=6, max_size=6),
            st.lists(CELL, min_size=0, max_size=8),  # ragged (or empty): the fallback
        ),
        max_size=12,
    ),
    size=st.integers(1, 5),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_file_reads_the_same_by_arrow_and_by_the_csv_module(
    tmp_path, monkeypatch, title, rows, size, encoding, newline
):
    path = write(tmp_path, [*title, HEADER, *rows], encoding=encoding, newline=newline)
    both(path, monkeypatch, size)


def test_a_stray_cell_far_to_the_right_is_read_without_the_columns_between(tmp_path, monkeypatch):
    rows = [HEADER, GOOD, [*GOOD[:5], "乙", *[""] * 20, "note"]]
    outcome, kinds = both(write(tmp_path, rows), monkeypatch)
    assert kinds == [False]
    assert column(outcome, "kinds") == [["a"], ["b"]]


def test_an_xlsx_with_a_title_row_blank_rows_and_number_cells(tmp_path, monkeypatch):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2016年花名册"])
    sheet.append(HEADER)
    sheet.append(["A1", "谭世远", 3, 42430, "是", "甲"])
    sheet.append([])
    sheet.append(["", "", None, None, "", ""])
    sheet.append(["A2", " 罗  英 ", 4.0, "2016/3/1", True, "乙"])
    sheet.append(["A3", "丙", 4.5, "", "", ""])
    path = tmp_path / "in.xlsx"
    book.save(path)
    outcome, kinds = read(path, monkeypatch=monkeypatch)
    assert kinds == [False]
    assert numbers(outcome) == [3, 6]
    assert column(outcome, "count") == [3, 4]
    assert column(outcome, "day") == [datetime.date(2016, 3, 1)] * 2
    assert column(outcome, "flag") == [True, True]
    assert column(outcome, "name") == ["谭世远", "罗 英"]
    assert [(p["row"], p["column"]) for p in outcome["problems"]] == [(7, "人数")]


def xlsx_file(tmp_path, rows):
    import openpyxl

    book = openpyxl.Workbook()
    for cells in rows:
        book.active.append(cells)
    path = tmp_path / "in.xlsx"
    book.save(path)
    return path


def test_a_big_xlsx_is_read_in_a_child_process_to_the_same_outcome(tmp_path, monkeypatch):
    rows = [["2016年花名册"], HEADER, ["A1", "谭世远", 3, 42430, "是", "甲"], []]
    rows += [[f"B{i}", f"名{i % 3}", i, "2016/3/1", i % 2 == 0, "乙"] for i in range(7)]
    rows += [["A3", "丙", 4.5, "", "", ""], ["A4", "丁", "", "", "", "丙"]]
    path = xlsx_file(tmp_path, rows)
    here, here_kinds = read(path, size=3, monkeypatch=monkeypatch)
    monkeypatch.setattr(spreadsheets, "XLSX_CHILD_BYTES", 0)
    child, child_kinds = read(path, size=3, monkeypatch=monkeypatch)
    assert child == here
    assert len(numbers(child)) == 8 and child["problem_count"] == 2
    assert not any(here_kinds) and all(child_kinds)  # text columns arrive as Arrow's


def test_the_xlsx_reading_child_ends_when_the_import_stops_early(tmp_path):
    import multiprocessing

    rows = [HEADER, *[[f"A{i}", "谭", i, "", "", ""] for i in range(50)]]
    chunks = spreadsheets._xlsx_chunks(xlsx_file(tmp_path, rows), 2, [0, 1], 10)
    assert next(chunks).numbers == list(range(2, 12))
    chunks.close()
    assert multiprocessing.active_children() == []


def test_a_broken_xlsx_read_by_the_child_is_a_spreadsheet_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(spreadsheets.SpreadsheetError, match="无法读取这个Excel文件"):
        list(spreadsheets._xlsx_chunks(path, 2, [0], 10))


@pytest.mark.parametrize("reader", list(normalize.UNCHANGED))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_cells_matching_a_readers_unchanged_pattern_are_what_it_returns(reader, data):
    pattern = normalize.UNCHANGED[reader]
    cell = data.draw(st.from_regex(pattern, fullmatch=True))
    assert reader(cell) == cell
    # Arrow's RE2 agrees with Python's re on what matches.
    assert pc.match_substring_regex(pa.array([cell]), pattern)[0].as_py()


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(CELL, min_size=1, max_size=30), column=st.sampled_from(Tiny.columns))
def test_a_text_column_reads_the_same_through_arrow_as_through_a_set(cells, column):
    from bangfu.core.imports import _ColumnReport, _read_column, _read_values

    def read(arrow):
        result, bad = ImportResult(), set()
        numbers = list(range(2, 2 + len(cells)))
        report = _ColumnReport(column.header, numbers, result, bad)
        args = (column.reader(), column.required, report)
        if arrow:
            values, raw = _read_column(cells, *args)
            assert raw == list(cells)
        else:
            values = _read_values(cells, *args)
        return values, bad, [p.as_dict() for p in result.problems]

    assert read(True) == read(False)


def test_a_doubled_quote_after_a_sample_without_quotes_reads_as_one_quote(tmp_path, monkeypatch):
    filler = [[f"A{i}", "谭世远", "3", "2016-03-01", "是", "甲"] for i in range(400)]
    path = write(tmp_path, [HEADER, *filler, ["B1", 'say "hi"', "", "", "", ""]])
    assert '"say ""hi"""' in path.read_text()[8192:]  # quoted only after the sniffed sample
    outcome, _kinds = both(path, monkeypatch)
    assert column(outcome, "name")[-1] == 'say "hi"'


def test_a_cell_too_long_for_the_csv_module_is_a_clear_error(tmp_path, monkeypatch):
    rows = [HEADER, GOOD, ["A2", "谭" * 140_000, "", "", "", ""]]
    outcome, _kinds = both(write(tmp_path, rows), monkeypatch)
    assert outcome["batches"] == ["第3行无法按CSV读取:field larger than field limit (131072)"]


def test_bytes_not_of_the_files_encoding_deep_in_a_csv_are_a_clear_error(tmp_path, monkeypatch):
    rows = [HEADER, *[GOOD] * 5000]
    path = write(tmp_path, rows)
    path.write_bytes(path.read_bytes() + b"A9,\xff\xfe,1,,,\n")
    outcome, _kinds = both(path, monkeypatch)
    assert outcome["batches"] == [
        "第5002行有不是UTF-8编码的字符,无法读取。请在Excel中“另存为”“CSV UTF-8”后再导入。"
    ]


@pytest.mark.django_db
def test_run_hands_a_columnar_layout_each_batch_in_file_order_with_what_it_looked_up(
    tmp_path,
):
    layout = Tiny()
    layout.batch_size = 2
    records = [{"code": f"A{i}", "name": "谭", "count": str(i)} for i in range(5)]
    records[3]["count"] = "三"  # not a number: reported, the row left out of its batch
    path = write(tmp_path, [HEADER, *layout.export_rows(records, None)])
    result = layout.run(path, None, commit=True)
    assert layout.applied == [
        ([2, 3], ["A0", "A1"], 2),
        ([4], ["A2"], 1),
        ([6], ["A4"], 1),
    ]
    assert result.rows == 5
    assert [(p.row, p.column) for p in result.problems] == [(5, "人数")]
    assert not result.committed
