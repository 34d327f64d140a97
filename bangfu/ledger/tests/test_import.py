"""The ledger layout: new entries, updates by 编号, participants, rules, round trip."""

import openpyxl
from django.urls import reverse

from bangfu.core.imports import Layout
from bangfu.dashboard.figures import FigureSlice, compute_figures
from bangfu.ledger.models import Activity

HEADERS = [
    "编号",
    "帮扶行动",
    "帮扶类型",
    "日期",
    "单位名称",
    "支部名称",
    "村代码",
    "参加人员",
    "工作内容",
    "天数",
    "数量",
    "金额(元)",
    "资金来源",
]


def xlsx(tmp_path, rows, name="in.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def entry(**changes):
    row = {
        "编号": None,
        "帮扶行动": "2016年五千行动",
        "帮扶类型": "党员服务",
        "日期": "2016-07-01",
        "单位名称": "贵州省总工会",
        "支部名称": "第五党支部",
        "村代码": "520524116214",
        "参加人员": "李党员、王书记",
        "工作内容": "走访",
        "天数": 0,
        "数量": 0,
        "金额(元)": 0,
        "资金来源": "",
    }
    row.update(changes)
    return [row[h] for h in HEADERS]


def test_new_entries_are_submitted_with_their_participants(tmp_path, world):
    result = Layout.registry["activities"].run(
        xlsx(tmp_path, [entry()]), world.users["unit_a"], True
    )
    assert result.problem_count == 0, result.problems
    activity = Activity.objects.get(summary="走访", date="2016-07-01")
    assert activity.state == "submitted"
    assert activity.author == world.users["unit_a"]
    assert {p.member for p in activity.participations.all()} == {world.member_a, world.secretary_a}


def test_entries_break_rules_with_a_reason_per_cell(tmp_path, world):
    rows = [
        entry(参加人员="陆曙光"),
        entry(帮扶类型="引进资金"),
        entry(编号=999999),
        entry(日期="2099-01-01"),
    ]
    result = Layout.registry["activities"].run(xlsx(tmp_path, rows), world.users["unit_a"], True)
    found = {(p.row, p.column): p.reason for p in result.problems}
    assert found[(2, "参加人员")] == "以下人员不属于贵州省总工会:陆曙光"
    assert "须填写金额" in found[(3, "金额(元)")]
    assert "没有这个编号" in found[(4, "编号")]
    assert "不能晚于今天" in found[(5, "日期")]


def test_export_and_reimport_changes_nothing_and_edits_update_by_number(tmp_path, login, world):
    response = login("office").get(reverse("ledger:activity_list"), {"_export": "xlsx"})
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    office = world.users["office"]
    result = Layout.registry["activities"].run(path, office, True)
    assert result.problem_count == 0, result.problems
    assert result.unchanged == {"帮扶活动": 2}
    book = openpyxl.load_workbook(path)
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == world.activity_a.pk:
            row[headers.index("参加人员")].value = "李党员、王书记"
    book.save(path)
    before = compute_figures(FigureSlice(world.campaign))["member_visits"]
    result = Layout.registry["activities"].run(path, office, True)
    assert result.updated == {"帮扶活动": 0} and result.problem_count == 0
    assert world.activity_a.participations.count() == 2
    from bangfu.core.models import ObjectChange

    assert ObjectChange.objects.filter(
        action="create", related_object_id=world.activity_a.pk, object_repr__startswith="王书记"
    ).exists()
    assert compute_figures(FigureSlice(world.campaign))["member_visits"] == before + 1


def test_the_number_of_queries_does_not_grow_with_the_rows(tmp_path, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n):
        rows = [entry(工作内容=f"走访{i}") for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            result = Layout.registry["activities"].run(
                xlsx(tmp_path, rows, f"{n}.xlsx"), world.users["unit_a"], False
            )
        assert result.problem_count == 0, result.problems
        return len(ctx.captured_queries)

    queries(1)  # loads the user's permissions once
    assert queries(30) == queries(3)
