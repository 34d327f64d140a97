"""Pairings and regions: import by natural key, with every reference checked."""

import io

import openpyxl
from django.urls import reverse

from bangfu.campaigns.models import Pairing
from bangfu.core.imports import Layout
from bangfu.geo.models import Region

PAIRING_HEADERS = [
    "帮扶行动",
    "结对类型",
    "单位名称",
    "支部名称",
    "帮扶人",
    "村代码",
    "户编号",
    "结对方式",
    "开始日期",
    "结束日期",
]


def xlsx(tmp_path, headers, rows, name="in.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_pairings_import_and_reimport_updates_the_same_pairing(tmp_path, world):
    office = world.users["office"]
    rows = [
        [
            "2016年五千行动",
            "支部书记牵头帮户",
            "贵州省总工会",
            "第五党支部",
            "王书记",
            "520524116214",
            "5205241162140001",
            "认领",
            "2016-04-01",
            "",
        ]
    ]
    first = Layout.registry["pairings"].run(xlsx(tmp_path, PAIRING_HEADERS, rows), office, True)
    assert first.problem_count == 0, first.problems
    pairing = Pairing.objects.get(kind="secretary_household")
    assert (pairing.member, pairing.household, pairing.origin) == (
        world.secretary_a,
        world.household_a,
        "claimed",
    )
    rows[0][-1] = "2016-12-31"
    again = Layout.registry["pairings"].run(
        xlsx(tmp_path, PAIRING_HEADERS, rows, "b.xlsx"), office, True
    )
    assert again.updated == {"结对": 1} and again.created == {"结对": 0}
    pairing.refresh_from_db()
    assert str(pairing.end) == "2016-12-31"


def test_pairing_rows_with_bad_references_are_reported(tmp_path, world):
    rows = [
        [
            "没有这个行动",
            "支部结对帮村",
            "贵州省总工会",
            "第五党支部",
            "",
            "520524116214",
            "",
            "",
            "2016-04-01",
            "",
        ],
        [
            "2016年五千行动",
            "支部书记牵头帮户",
            "贵州省总工会",
            "第五党支部",
            "李党员",
            "520524116214",
            "5205241162140001",
            "",
            "2016-04-01",
            "",
        ],
        [
            "2016年五千行动",
            "支部书记牵头帮户",
            "贵州省总工会",
            "第五党支部",
            "王书记",
            "520524116214",
            "5227231022000001",
            "",
            "2016-04-01",
            "",
        ],
        [
            "2016年五千行动",
            "支部结对帮村",
            "贵州省总工会",
            "第五党支部",
            "",
            "520524116214",
            "",
            "",
            "2015-01-01",
            "",
        ],
    ]
    result = Layout.registry["pairings"].run(
        xlsx(tmp_path, PAIRING_HEADERS, rows), world.users["office"], True
    )
    found = {(p.row, p.column): p.reason for p in result.problems}
    assert "没有名为“没有这个行动”的帮扶行动" in found[(2, "帮扶行动")]
    assert "只有支部书记" in found[(3, "帮扶人")]
    assert "贫困户不在所选的村" in found[(4, "户编号")]
    assert "行动期间" in found[(5, "开始日期")]


def test_pairing_export_reads_back_unchanged(tmp_path, login, world):
    response = login("office").get(reverse("campaigns:pairing_list"), {"_export": "xlsx"})
    path = tmp_path / "pairings.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    result = Layout.registry["pairings"].run(path, world.users["office"], True)
    assert result.problem_count == 0, result.problems
    assert result.unchanged == {"结对": 2}


def test_regions_import_finds_parents_from_codes(tmp_path, world):
    rows = [["520524116215", "新村", "村", "", ""], ["520524999201", "孤村", "村", "", ""]]
    result = Layout.registry["regions"].run(
        xlsx(tmp_path, ["区划代码", "名称", "级别", "经度", "纬度"], rows),
        world.users["office"],
        True,
    )
    assert [(p.row, p.column) for p in result.problems] == [(3, "区划代码")]
    assert not Region.objects.filter(code="520524116215").exists()  # all or nothing
    result = Layout.registry["regions"].run(
        xlsx(tmp_path, ["区划代码", "名称", "级别"], rows[:1], "ok.xlsx"),
        world.users["office"],
        True,
    )
    assert result.problem_count == 0
    village = Region.objects.get(code="520524116215")
    assert village.parent == world.baoshan.parent and village.county_code == "520524"


def test_only_the_office_imports_regions(login, world):
    assert login("unit_a").get(reverse("core:import", args=["regions"])).status_code == 403
    assert login("office").get(reverse("core:import", args=["regions"])).status_code == 200
    body = login("office").get(reverse("geo:region_list")).content.decode()
    assert reverse("core:import", args=["regions"]) in body


def test_templates_explain_every_column(login, world):
    client = login("office")
    for key in ("units", "branches", "members", "pairings", "regions", "households"):
        response = client.get(reverse("core:import_template", args=[key]))
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        data, notes = book.worksheets
        headers = [c.value for c in data[1]]
        explained = [r[0] for r in notes.iter_rows(min_row=2, values_only=True)]
        # Every column is explained; columns the import also takes but the template leaves
        # out (Layout.extra_columns, such as 人均纯收入) are explained after them.
        extra = [str(c.header) for c in Layout.registry[key].extra_columns]
        assert explained == headers + extra, key
        assert data.max_row == 2, key  # the header and an example row


def test_pairing_import_queries_do_not_grow_with_the_rows(tmp_path, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bangfu.orgs.models import Branch

    def queries(n):
        branches = [Branch.objects.create(unit=world.unit_a, name=f"支部{n}-{i}") for i in range(n)]
        rows = [
            [
                "2016年五千行动",
                "支部书记牵头帮户",
                "贵州省总工会",
                b.name,
                "",
                "520524116214",
                "5205241162140001",
                "",
                "2016-04-01",
                "",
            ]
            for b in branches
        ]
        with CaptureQueriesContext(connection) as ctx:
            result = Layout.registry["pairings"].run(
                xlsx(tmp_path, PAIRING_HEADERS, rows, f"{n}.xlsx"), world.users["office"], False
            )
        assert result.problem_count == n  # no secretary named "" in these branches: one error each
        return len(ctx.captured_queries)

    queries(1)  # loads the user's permissions once
    assert queries(20) == queries(2)
