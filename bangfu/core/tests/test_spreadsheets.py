"""write_xlsx: data sheets and printed layouts, read back as the importer reads them."""

import datetime
from decimal import Decimal

import openpyxl

from bangfu.core.spreadsheets import SheetSpec, read_rows, write_xlsx


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
