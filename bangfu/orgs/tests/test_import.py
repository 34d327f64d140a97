"""Units, branches and members: import by name, update in place, scope, round trip."""

import io

import openpyxl
from django.urls import reverse

from bangfu.core.imports import Layout
from bangfu.core.models import ObjectChange
from bangfu.orgs.models import Branch, Member, Unit


def xlsx(tmp_path, headers, rows, name="in.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_units_branches_and_members_import_by_name(tmp_path, world):
    office = world.users["office"]
    units = Layout.registry["units"].run(
        xlsx(
            tmp_path,
            ["单位名称", "简称", "选派专业人才"],
            [["贵州省农业科学院", "省农科院", "是"], ["贵州省总工会", "总工会", "否"]],
        ),
        office,
        True,
    )
    assert units.problem_count == 0, units.problems
    assert units.created == {"单位": 1} and units.updated == {"单位": 1}
    assert Unit.objects.get(name="贵州省农业科学院").sends_professionals is True
    assert Unit.objects.get(pk=world.unit_a.pk).short_name == "总工会"
    branches = Layout.registry["branches"].run(
        xlsx(
            tmp_path,
            ["单位名称", "支部名称", "可结对村数"],
            [["贵州省农业科学院", "畜牧兽医研究所党支部", 2]],
            "b.xlsx",
        ),
        office,
        True,
    )
    assert branches.created == {"党支部": 1}
    members = Layout.registry["members"].run(
        xlsx(
            tmp_path,
            ["单位名称", "支部名称", "姓名", "专业人才", "专业", "支部书记"],
            [["贵州省农业科学院", "畜牧兽医研究所党支部", "张锦华", "是", "畜牧兽医", "是"]],
            "m.xlsx",
        ),
        office,
        True,
    )
    assert members.problem_count == 0, members.problems
    member = Member.objects.get(name="张锦华")
    assert member.specialty == "animal_husbandry" and member.is_secretary
    assert ObjectChange.objects.filter(object_repr="张锦华", action="create").exists()


def test_unknown_names_and_rule_breaks_are_reported_per_cell(tmp_path, world):
    result = Layout.registry["members"].run(
        xlsx(
            tmp_path,
            ["单位名称", "支部名称", "姓名", "领导干部", "支部书记"],
            [
                ["不存在的单位", "第一党支部", "甲", "否", "否"],
                ["贵州省总工会", "第九党支部", "乙", "否", "否"],
                ["贵州省总工会", "第五党支部", "丙", "是", "否"],
                ["贵州省总工会", "第五党支部", "丁", "否", "是"],
            ],
        ),
        world.users["office"],
        True,
    )
    found = {(p.row, p.column): p.reason for p in result.problems}
    assert "没有名为“不存在的单位”的单位" in found[(2, "单位名称")]
    assert "没有名为“第九党支部”的支部" in found[(3, "支部名称")]
    assert "须填写职级" in found[(4, "职级")]
    assert "已有支部书记王书记" in found[(5, "支部书记")]
    assert not Member.objects.filter(name__in=["甲", "乙", "丙", "丁"]).exists()


def test_a_unit_committee_cannot_import_into_another_unit(tmp_path, world):
    result = Layout.registry["branches"].run(
        xlsx(
            tmp_path,
            ["单位名称", "支部名称"],
            [["贵州省总工会", "第六党支部"], ["贵州省档案局", "第二党支部"]],
        ),
        world.users["unit_a"],
        True,
    )
    assert [p.row for p in result.problems] == [3]
    assert "管辖范围" in result.problems[0].reason
    assert not Branch.objects.filter(name="第六党支部").exists()  # all or nothing


def test_member_export_round_trips_and_masks_phones(tmp_path, login, world):
    world.member_a.phone = "13900001111"
    world.member_a.save()
    client = login("unit_a")
    response = client.get(reverse("orgs:member_list"), {"_export": "xlsx"})
    body = b"".join(response.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("单位名称", "支部名称", "姓名")
    assert "13900001111" not in [v for r in rows for v in r]
    path = tmp_path / "members.xlsx"
    path.write_bytes(body)
    changes = ObjectChange.objects.count()
    result = Layout.registry["members"].run(path, world.users["unit_a"], True)
    assert result.problem_count == 0, result.problems
    assert result.unchanged == {"党员干部": 2}
    assert ObjectChange.objects.count() == changes
    world.member_a.refresh_from_db()
    assert world.member_a.phone == "13900001111"


def test_branch_import_queries_do_not_grow_with_the_rows(tmp_path, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n):
        rows = [["贵州省总工会", f"支部{n}-{i}"] for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            result = Layout.registry["branches"].run(
                xlsx(tmp_path, ["单位名称", "支部名称"], rows, f"{n}.xlsx"),
                world.users["office"],
                True,
            )
        assert result.created == {"党支部": n}
        return len(ctx.captured_queries)

    queries(1)  # loads the user's permissions once
    assert queries(25) == queries(2)
