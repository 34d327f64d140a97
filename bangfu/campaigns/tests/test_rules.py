"""The campaign's pairing rules hold on every path; two claims for the last slot cannot both win."""

import datetime
import threading

import openpyxl
import pytest
from django.urls import reverse

from bangfu.campaigns.models import Pairing
from bangfu.campaigns.services import end_pairing, save_pairing
from bangfu.core.imports import Layout
from bangfu.orgs.models import Branch


def claim(world, branch, village, start="2016-05-01"):
    return {
        "campaign": world.campaign.pk,
        "kind": "branch_village",
        "branch": branch.pk,
        "village": village.code,
        "origin": "claimed",
        "start": start,
    }


def test_a_branch_cannot_take_more_villages_than_its_capacity(login, world):
    response = login("unit_a").post(
        reverse("campaigns:pairing_add"), claim(world, world.branch_a, world.lebang)
    )
    assert response.status_code == 200
    assert "可结对村数1" in response.context["form"].errors["branch"][0]
    assert not Pairing.objects.filter(branch=world.branch_a, village=world.lebang).exists()


def test_a_village_takes_at_most_the_campaigns_maximum_of_branches(login, world):
    world.campaign.max_branches_per_village = 1
    world.campaign.save()
    extra = Branch.objects.create(unit=world.unit_a, name="第六党支部")
    response = login("office").post(
        reverse("campaigns:pairing_add"), claim(world, extra, world.baoshan)
    )
    assert "达到每村上限1个" in response.context["form"].errors["village"][0]


def test_the_same_pairing_cannot_overlap_itself_but_may_follow_an_ended_one(world):
    world.branch_a.capacity = 3
    world.branch_a.save()
    again = Pairing(
        campaign=world.campaign,
        kind="branch_village",
        branch=world.branch_a,
        village=world.baoshan,
        start=datetime.date(2016, 6, 1),
    )
    with pytest.raises(Exception, match="已与这个村结对"):
        save_pairing(again)
    end_pairing(world.pairing_a, datetime.date(2016, 5, 31))
    save_pairing(again)
    assert Pairing.objects.filter(branch=world.branch_a, village=world.baoshan).count() == 2


def test_villages_outside_the_campaigns_region_are_refused(login, world):
    world.campaign.region = world.bijie
    world.campaign.save()
    world.branch_b.capacity = 2
    world.branch_b.save()
    response = login("office").post(
        reverse("campaigns:pairing_add"), claim(world, world.branch_b, world.lebang, "2016-06-01")
    )
    assert "不在" in response.context["form"].errors["village"][0]


def test_the_pairings_import_checks_the_same_limits(tmp_path, world):
    book = openpyxl.Workbook()
    book.active.append(["帮扶行动", "结对类型", "单位名称", "支部名称", "村代码", "开始日期"])
    book.active.append(
        [
            "2016年五千行动",
            "支部结对帮村",
            "贵州省总工会",
            "第五党支部",
            world.lebang.code,
            "2016-05-01",
        ]
    )
    path = tmp_path / "p.xlsx"
    book.save(path)
    result = Layout.registry["pairings"].run(path, world.users["office"], True)
    assert [(p.row, p.column) for p in result.problems] == [(2, "支部名称")]
    assert not Pairing.objects.filter(branch=world.branch_a, village=world.lebang).exists()


@pytest.mark.django_db(transaction=True)
def test_two_claims_for_the_last_slot_cannot_both_win(world):
    world.campaign.max_branches_per_village = 2  # baoshan has one branch: one slot left
    world.campaign.save()
    rivals = [Branch.objects.create(unit=world.unit_b, name=f"竞争支部{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(branch):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            save_pairing(
                Pairing(
                    campaign=world.campaign,
                    kind="branch_village",
                    branch=branch,
                    village=world.baoshan,
                    start=datetime.date(2016, 6, 1),
                )
            )
            outcomes.append("won")
        except Exception as e:  # the loser's ValidationError
            outcomes.append(str(e))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt, args=(b,)) for b in rivals]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1
    assert Pairing.objects.filter(village=world.baoshan, kind="branch_village").count() == 2


def test_handing_a_village_to_another_branch_ends_one_pairing_and_starts_the_next(login, world):
    other = Branch.objects.create(unit=world.unit_a, name="第六党支部")
    client = login("unit_a")
    page = client.get(reverse("campaigns:pairing_detail", args=[world.pairing_a.pk]))
    assert (
        reverse("campaigns:pairing_hand_over", args=[world.pairing_a.pk]) in page.content.decode()
    )
    response = client.post(
        reverse("campaigns:pairing_hand_over", args=[world.pairing_a.pk]),
        {"branch": other.pk, "on": "2016-09-01"},
    )
    successor = Pairing.objects.get(branch=other)
    assert response["Location"] == successor.get_absolute_url()
    world.pairing_a.refresh_from_db()
    assert world.pairing_a.end == datetime.date(2016, 8, 31)
    assert (successor.village, successor.start, successor.origin) == (
        world.baoshan,
        datetime.date(2016, 9, 1),
        "assigned",
    )


def test_a_hand_over_that_breaks_a_rule_changes_nothing(login, world):
    full = Branch.objects.create(unit=world.unit_b, name="满员支部", capacity=1)
    Pairing.objects.create(
        campaign=world.campaign,
        kind="branch_village",
        branch=full,
        village=world.lebang,
        start=datetime.date(2016, 4, 1),
    )
    response = login("office").post(
        reverse("campaigns:pairing_hand_over", args=[world.pairing_a.pk]),
        {"branch": full.pk, "on": "2016-09-01"},
    )
    assert response.status_code == 200
    assert "可结对村数1" in response.context["form"].errors["branch"][0]
    world.pairing_a.refresh_from_db()
    assert world.pairing_a.end is None


def test_another_units_pairing_cannot_be_handed_over(login, world):
    url = reverse("campaigns:pairing_hand_over", args=[world.pairing_b.pk])
    assert login("unit_a").get(url).status_code == 404


def _pairings_file(tmp_path, rows, name="pairings.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(
        ["帮扶行动", "结对类型", "单位名称", "支部名称", "村代码", "开始日期", "结束日期"]
    )
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_the_pairings_import_refuses_a_village_outside_the_campaigns_region(tmp_path, world):
    world.campaign.region = world.bijie  # 乐邦村 is in 黔南州
    world.campaign.save()
    world.branch_b.capacity = 2
    world.branch_b.save()
    row = ["2016年五千行动", "支部结对帮村", "贵州省档案局", "第一党支部", world.lebang.code]
    path = _pairings_file(tmp_path, [[*row, "2016-06-01", "2016-11-30"]])
    result = Layout.registry["pairings"].run(path, world.users["office"], True)
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (2, "村代码", "乐邦村不在2016年五千行动的范围(毕节市)内。")
    ]
    assert not result.committed
    assert Pairing.objects.filter(branch=world.branch_b).count() == 1


def test_an_imported_term_may_not_overlap_the_same_pairs_other_term(tmp_path, world):
    end_pairing(world.pairing_a, datetime.date(2016, 5, 31))
    later = save_pairing(
        Pairing(
            campaign=world.campaign,
            kind="branch_village",
            branch=world.branch_a,
            village=world.baoshan,
            start=datetime.date(2016, 9, 1),
        )
    )
    # The later term's row, moved back to start in the first term.
    row = ["2016年五千行动", "支部结对帮村", "贵州省总工会", "第五党支部", world.baoshan.code]
    path = _pairings_file(tmp_path, [[*row, "2016-05-01", ""]])
    result = Layout.registry["pairings"].run(path, world.users["office"], True)
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (2, "村代码", "该支部在这段时间已与这个村结对。")
    ]
    later.refresh_from_db()
    world.pairing_a.refresh_from_db()
    assert (world.pairing_a.end, later.start) == (
        datetime.date(2016, 5, 31),
        datetime.date(2016, 9, 1),
    )


def test_pairings_in_force_on_a_day_and_over_a_period(world):
    """The one rule progress, figures and measures count by (Pairing.objects.in_force)."""
    end_pairing(world.pairing_a, datetime.date(2016, 5, 31))
    world.pairing_b.state = "pending"
    world.pairing_b.save()
    in_force = Pairing.objects.in_force
    assert set(in_force(datetime.date(2016, 5, 31))) == {world.pairing_a}
    assert set(in_force(datetime.date(2016, 6, 1))) == set()
    assert set(in_force(datetime.date(2016, 3, 31))) == set()  # not yet begun
    during = Pairing.objects.in_force_during
    assert set(during(datetime.date(2016, 5, 1), datetime.date(2016, 7, 1))) == {world.pairing_a}
    assert set(during(datetime.date(2016, 6, 1), None)) == set()
    assert set(during(None, None)) == {world.pairing_a}


def test_every_pairing_kind_has_its_spec():
    """A kind without a row in kinds.KINDS would pass every rule unchecked."""
    from bangfu.campaigns.choices import PairingKind
    from bangfu.campaigns.kinds import KINDS

    assert set(KINDS) == set(PairingKind.values)
    for spec in KINDS.values():
        assert (spec.member_flag is None) == (spec.member_refusal is None), spec.kind
