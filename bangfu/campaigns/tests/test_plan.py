"""The allocation plan: one grid edited and saved as a whole, logged, scoped, and the same plan
imported and exported through its layout."""

import io

import openpyxl
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from bangfu.campaigns.models import AllocationTarget
from bangfu.campaigns.plan_views import PlanForm
from bangfu.core.imports import Layout
from bangfu.core.models import ObjectChange


def _grid(page) -> dict:
    """The posted form: every cell as shown, plus the version."""
    form = page.context["form"]
    data = {"version": form.initial["version"]}
    for name in form.fields:
        if name != "version":
            value = form[name].value()
            data[name] = "" if value is None else value
    return data


def _target(world, unit, kind="branch_village"):
    return AllocationTarget.objects.filter(campaign=world.campaign, unit=unit, kind=kind).first()


def test_the_office_edits_the_whole_grid_in_one_save(login, world):
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_a, kind="branch_village", target=2
    )
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_b, kind="cadre_stay", target=4
    )
    client = login("office")
    url = reverse("campaigns:plan")
    page = client.get(url, {"campaign": world.campaign.pk})
    assert reverse("core:import", args=["allocation_targets"]) in page.content.decode()
    data = _grid(page)
    data[PlanForm.key(world.unit_a.pk, "branch_village")] = 3  # change
    data[PlanForm.key(world.unit_b.pk, "secretary_household")] = 5  # add
    data[PlanForm.key(world.unit_b.pk, "cadre_stay")] = ""  # remove
    response = client.post(f"{url}?campaign={world.campaign.pk}", data)
    assert response.status_code == 302
    assert _target(world, world.unit_a).target == 3
    assert _target(world, world.unit_b, "secretary_household").target == 5
    assert _target(world, world.unit_b, "cadre_stay") is None
    changes = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(AllocationTarget)
    )
    assert {c.action for c in changes.filter(user=world.users["office"])} == {
        "create",
        "update",
        "delete",
    }


def test_a_bad_cell_saves_nothing_and_names_the_cell(login, world):
    client = login("office")
    url = reverse("campaigns:plan")
    data = _grid(client.get(url, {"campaign": world.campaign.pk}))
    data[PlanForm.key(world.unit_a.pk, "branch_village")] = 3
    data[PlanForm.key(world.unit_b.pk, "branch_village")] = -1
    response = client.post(f"{url}?campaign={world.campaign.pk}", data)
    assert response.status_code == 200
    assert PlanForm.key(world.unit_b.pk, "branch_village") in response.context["form"].errors
    assert not AllocationTarget.objects.exists()


def test_an_edit_made_meanwhile_is_not_overwritten(login, world):
    client = login("office")
    url = reverse("campaigns:plan")
    data = _grid(client.get(url, {"campaign": world.campaign.pk}))
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_a, kind="branch_village", target=7
    )
    data[PlanForm.key(world.unit_a.pk, "branch_village")] = 1
    response = client.post(f"{url}?campaign={world.campaign.pk}", data)
    assert response.status_code == 200
    assert "已被其他人修改" in response.content.decode()
    assert _target(world, world.unit_a).target == 7


def test_a_unit_sees_its_own_lines_and_cannot_edit(login, world):
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_b, kind="branch_village", target=2
    )
    client = login("unit_a")
    page = client.get(reverse("campaigns:plan"))
    assert [u for u, _cells in page.context["form"].rows()] == [world.unit_a]
    assert not page.context["can_edit"]
    assert "plan-save" not in page.content.decode()
    data = {"version": "x", PlanForm.key(world.unit_a.pk, "branch_village"): 9}
    assert client.post(reverse("campaigns:plan"), data).status_code == 403
    assert not AllocationTarget.objects.filter(unit=world.unit_a).exists()


def test_the_plan_exports_and_imports_through_its_layout(login, world, tmp_path):
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_a, kind="branch_village", target=2
    )
    client = login("office")
    response = client.get(
        reverse("campaigns:plan"), {"campaign": world.campaign.pk, "_export": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows == [
        ("帮扶行动", "单位名称", "结对类型", "目标数"),
        ("2016年五千行动", "贵州省总工会", "支部结对帮村", 2),
    ]
    # Edit the exported file: change one line, add one, and one bad row fails the whole file.
    sheet = book.active
    sheet.cell(2, 4).value = 3
    sheet.append(["2016年五千行动", "贵州省档案局", "党员进村服务", 12])
    sheet.append(["2016年五千行动", "没有这个单位", "党员进村服务", 1])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    layout = Layout.registry["allocation_targets"]
    result = layout.run(path, world.users["office"], commit=True)
    assert [(p.row, p.column) for p in result.problems] == [(4, "单位名称")]
    assert _target(world, world.unit_a).target == 2
    sheet.delete_rows(4)
    book.save(path)
    result = layout.run(path, world.users["office"], commit=True)
    assert (
        result.committed and result.created == {"任务分配": 1} and result.updated == {"任务分配": 1}
    )
    assert _target(world, world.unit_a).target == 3
    assert _target(world, world.unit_b, "member_service").target == 12
    # The template comes from the same layout.
    template = client.get(reverse("core:import_template", args=["allocation_targets"]))
    assert template.status_code == 200


def test_progress_links_the_plan(login, world):
    page = login("office").get(reverse("campaigns:progress"))
    assert reverse("campaigns:plan") in page.content.decode()
