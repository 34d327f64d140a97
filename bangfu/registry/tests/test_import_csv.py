"""A registry file imports the same from .csv (Arrow's reader) as from .xlsx (calamine): the
same households, the same bad cells on the same rows, blank rows skipped in both."""

import csv

from bangfu.registry.models import Household
from bangfu.registry.tests.test_import import HEADERS, LAYOUT, ident, row, xlsx


def test_the_same_rows_from_csv_and_xlsx_give_the_same_result(tmp_path, world):
    good = ident(130)
    rows = [
        row(number="5205241162140130", id_number=good),
        row(number="5205241162140130", name="谭小", id_number=ident(131), relation="之子"),
        {},  # a blank row
        row(number="5205241162140131", id_number=good[:17] + ("0" if good[17] != "0" else "1")),
        row(number="5205241162140132", id_number=ident(132), 识别年度="二〇一四"),
        {},
        {},
        row(
            number="５２０５２４１１６２１４０１３３", id_number=ident(133).lower(), 姓名=" 罗  英 "
        ),
        row(number="5205241162140134", id_number=ident(134), 贫困户属性="很穷"),
    ]
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["2016年宝山村建档立卡贫困户花名册"])  # a title row above the header
        writer.writerow(HEADERS)
        writer.writerows([[values.get(h, "") for h in HEADERS] for values in rows])
    from_csv = LAYOUT.run(path, world.users["office"], commit=False)
    title = [["2016年宝山村建档立卡贫困户花名册"]]
    from_xlsx = LAYOUT.run(xlsx(tmp_path, rows, before=title), world.users["office"], commit=False)
    assert from_csv.as_dict() == from_xlsx.as_dict()
    assert from_csv.rows == 6
    # Row numbers count the title row, the header and the blank rows.
    assert [(p.row, p.column) for p in from_csv.problems] == [
        (6, "身份证号码"),
        (6, "与户主关系"),  # its only person dropped, the household has no head
        (7, "识别年度"),
        (11, "贫困户属性"),
    ]
    assert from_csv.created == {"贫困户": 3, "家庭成员": 3}
    assert not Household.objects.filter(number="5205241162140130").exists()  # a dry run
