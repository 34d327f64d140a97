import datetime

from django.urls import reverse

from bangfu.campaigns.models import AllocationTarget, Pairing
from bangfu.campaigns.progress import unit_progress


def _targets(world):
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_a, kind="branch_village", target=2
    )
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_b, kind="branch_village", target=1
    )


def test_progress_counts_active_pairings_against_targets(world):
    _targets(world)
    rows = {
        r.unit: r
        for r in unit_progress(world.campaign, world.users["office"], on=datetime.date(2016, 6, 1))
    }
    a, b = rows[world.unit_a].kinds["branch_village"], rows[world.unit_b].kinds["branch_village"]
    assert (a.actual, a.target, a.percent, a.met) == (1, 2, 50, False)
    assert (b.actual, b.target, b.met) == (1, 1, True)
    # An ended pairing stops counting.
    Pairing.objects.filter(pk=world.pairing_b.pk).update(end=datetime.date(2016, 5, 31))
    rows = {
        r.unit: r
        for r in unit_progress(world.campaign, world.users["office"], on=datetime.date(2016, 6, 1))
    }
    assert rows[world.unit_b].kinds["branch_village"].actual == 0


def test_progress_page_is_scoped_and_filters_unmet(login, world):
    _targets(world)
    page = login("unit_a").get(reverse("campaigns:progress"))
    assert [r.unit for r in page.context["rows"]] == [world.unit_a]
    office = login("office").get(reverse("campaigns:progress"), {"unmet": 1})
    assert [r.unit for r in office.context["rows"]] == [world.unit_a]
    assert "1/2" in office.content.decode()


def test_progress_exports_the_same_table(login, world):
    import io

    import openpyxl

    _targets(world)
    response = login("unit_a").get(reverse("campaigns:progress"), {"_export": "xlsx"})
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][:3] == ("单位", "支部结对帮村目标", "支部结对帮村完成")
    assert [r[:3] for r in rows[1:]] == [("贵州省总工会", 2, 1)]
