"""write_xlsx: data sheets and printed layouts, read back as the importer reads them."""

import datetime
from decimal import Decimal

import openpyxl
import pytest

from bangfu.core import normalize
from bangfu.core.spreadsheets import (
    XLSX_READERS,
    XLSX_WRITERS,
    SheetSpec,
    read_rows,
    write_xlsx,
    xlsx_reader,
    xlsx_writer,
)


def test_a_data_sheet_keeps_text_columns_as_text_and_numbers_as_numbers(tmp_path):
    path = tmp_path / "data.xlsx"
    rows = [
        ["520524196104020812", 12345678901234567890, 3, Decimal("2.5"), "=1+1", None],
        ["", 7, None, 0.25, "是", "http://example.com"],
    ]
    write_xlsx(
        str(path),
        [SheetSpec("数据", ["编号", "代码", "人数", "面积", "说明", "网址"], rows, (0, 1))],
    )
    assert [list(r) for r in read_rows(path)] == [
        ["编号", "代码", "人数", "面积", "说明", "网址"],
        ["520524196104020812", "12345678901234567890", 3.0, 2.5, "'=1+1", ""],
        ["", "7", "", 0.25, "是", "http://example.com"],
    ]
    sheet = openpyxl.load_workbook(path).active
    assert sheet["B2"].data_type == "s" and sheet["B2"].number_format == "@"
    # Text that looks like a formula stays text, quoted (the import takes the quote off).
    assert sheet["E2"].data_type == "s" and sheet["E2"].value == "'=1+1"
    assert sheet["F3"].hyperlink is None


def test_a_short_first_row_and_no_rows_both_keep_the_whole_header(tmp_path):
    path = tmp_path / "two.xlsx"
    write_xlsx(
        str(path),
        [
            SheetSpec("短行", ["甲", "乙", "丙"], [["一"], ["二", "三", "四"]]),
            SheetSpec("空表", ["甲", "乙"], iter(())),
        ],
    )
    book = openpyxl.load_workbook(path)
    assert [[c.value for c in r] for r in book["短行"].iter_rows()] == [
        ["甲", "乙", "丙"],
        ["一", None, None],
        ["二", "三", "四"],
    ]
    assert [[c.value for c in r] for r in book["空表"].iter_rows()] == [["甲", "乙"]]


def test_dates_are_written_as_dates(tmp_path):
    path = tmp_path / "dates.xlsx"
    write_xlsx(str(path), [SheetSpec("日期", ["日期"], [[datetime.date(2016, 3, 1)]])])
    assert openpyxl.load_workbook(path).active["A2"].value == datetime.datetime(2016, 3, 1)


def test_a_printed_layout_has_its_title_totals_and_a4_landscape(tmp_path):
    path = tmp_path / "book.xlsx"
    spec = SheetSpec(
        "帮扶活动",
        ["序号", "内容", "人次"],
        [[1, "走访", 2], [2, "培训", 3]],
        widths=(6, 40, 6),
        title=["工作情况登记台账", "贵州省总工会    2016年5月"],
        totals=["合计", "2条", 5],
        landscape=True,
    )
    write_xlsx(str(path), [spec])
    sheet = openpyxl.load_workbook(path).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0] == "工作情况登记台账" and values[2] == ["序号", "内容", "人次"]
    assert values[-1] == ["合计", "2条", 5]
    assert sheet["A6"].font.b and sheet["A6"].border.top.style == "thin"
    assert sheet.freeze_panes == "A4"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$3:$3"


# --- the adapters: each library and its fallback give the same cells ------------------------


def _sample(tmp_path, writer, settings):
    """A data sheet with text, codes, numbers, a date and a blank, written by `writer`."""
    settings.BANGFU_XLSX_WRITER = writer
    path = tmp_path / f"{writer}.xlsx"
    rows = [
        ["520524196104020812", "张三", 3, Decimal("2.5"), datetime.date(2016, 3, 1), None],
        ["0012", "=1+1", -4, 0.25, None, "是"],
    ]
    write_xlsx(
        str(path), [SheetSpec("数据", ["编号", "姓名", "人数", "面积", "日期", "备注"], rows, (0,))]
    )
    return path


@pytest.mark.parametrize("writer", XLSX_WRITERS)
def test_each_writer_writes_the_same_cells(tmp_path, settings, writer):
    sheet = openpyxl.load_workbook(_sample(tmp_path, writer, settings)).active
    assert [[c.value for c in r] for r in sheet.iter_rows()] == [
        ["编号", "姓名", "人数", "面积", "日期", "备注"],
        ["520524196104020812", "张三", 3, 2.5, datetime.datetime(2016, 3, 1), None],
        ["0012", "'=1+1", -4, 0.25, None, "是"],
    ]
    assert sheet["A3"].data_type == "s" and sheet["A3"].number_format == "@"
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"


@pytest.mark.parametrize("reader", XLSX_READERS)
def test_each_reader_reads_the_same_rows_from_a1(tmp_path, settings, reader):
    path = tmp_path / "offset.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"], sheet["D3"] = "编号", "人数"  # the data starts at C3, not A1
    sheet["C4"], sheet["D4"] = "0012", 3
    book.save(path)
    settings.BANGFU_XLSX_READER = reader
    assert xlsx_reader() == reader
    rows = [[normalize.text(c) for c in r] for r in read_rows(path)]
    assert rows == [
        ["", "", "", ""],
        ["", "", "", ""],
        ["", "", "编号", "人数"],
        ["", "", "0012", "3"],
    ]


def test_an_unknown_library_name_is_refused(settings):
    settings.BANGFU_XLSX_READER = "openpyxl"
    with pytest.raises(ValueError, match="BANGFU_XLSX_READER"):
        xlsx_reader()
    settings.BANGFU_XLSX_WRITER = "pandas"
    with pytest.raises(ValueError, match="BANGFU_XLSX_WRITER"):
        xlsx_writer()
