import datetime
import json
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from bangfu.campaigns.models import Pairing
from bangfu.dashboard.figures import FIGURE_KEYS, FigureSlice, compute_figures
from bangfu.ledger.choices import ReviewState
from bangfu.ledger.models import Activity, Problem


def test_figures_count_the_records(world):
    figures = compute_figures(FigureSlice(world.campaign))
    assert figures["units"] == 2
    assert figures["branches_paired"] == 2
    assert figures["villages_paired"] == 2
    assert figures["member_visits"] == 2
    assert figures["funds_yuan"] == 0


def test_a_figure_moves_when_a_record_changes(world):
    slice_ = FigureSlice(world.campaign)
    assert compute_figures(slice_)["member_visits"] == 2
    world.activity_a.participations.create(member=world.secretary_a)
    assert compute_figures(slice_)["member_visits"] == 3
    world.activity_a.state = ReviewState.RETURNED
    world.activity_a.save()
    assert compute_figures(slice_)["member_visits"] == 1
    Activity.objects.create(
        campaign=world.campaign,
        kind="funds",
        date=datetime.date(2016, 7, 1),
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        summary="引资",
        amount=Decimal("1500000.50"),
        fund_source="social",
        state=ReviewState.ACCEPTED,
    )
    assert compute_figures(slice_)["funds_yuan"] == Decimal("1500000.50")
    Problem.objects.create(
        campaign=world.campaign,
        village=world.lebang,
        unit=world.unit_b,
        category="water",
        title="饮水",
        raised_on=datetime.date(2016, 5, 1),
        state="solved",
        solved_on=datetime.date(2016, 6, 1),
    )
    assert compute_figures(slice_)["problems_solved"] == 1


def test_submitted_entries_count_only_when_the_campaign_says_so(world):
    world.activity_a.state = ReviewState.SUBMITTED
    world.activity_a.save()
    assert compute_figures(FigureSlice(world.campaign))["member_visits"] == 1
    world.campaign.count_submitted = True
    world.campaign.save()
    assert compute_figures(FigureSlice(world.campaign))["member_visits"] == 2


def test_slices_by_region_unit_and_period(world):
    assert (
        compute_figures(FigureSlice(world.campaign, region_prefix="5205"))["villages_paired"] == 1
    )
    assert (
        compute_figures(FigureSlice(world.campaign, unit_id=world.unit_b.pk))["member_visits"] == 1
    )
    may_2 = FigureSlice(world.campaign, date_from=datetime.date(2016, 5, 2))
    assert compute_figures(may_2)["member_visits"] == 1
    Pairing.objects.filter(pk=world.pairing_b.pk).update(end=datetime.date(2016, 4, 30))
    assert compute_figures(may_2)["villages_paired"] == 1


def test_dashboard_shows_only_the_users_slice(login, world):
    office = login("office").get(reverse("dashboard:index"))
    assert dict((f.key, v) for f, v in office.context["figures"])["villages_paired"] == 2
    unit = login("unit_a").get(reverse("dashboard:index"))
    values = {f.key: v for f, v in unit.context["figures"]}
    assert values["villages_paired"] == 1
    assert values["member_visits"] == 1
    # A crafted URL naming another unit still shows nothing of it.
    crafted = login("unit_a").get(reverse("dashboard:index"), {"unit": world.unit_b.pk})
    values = {f.key: v for f, v in crafted.context["figures"]}
    assert values["member_visits"] == 1


def test_dashboard_is_the_landing_page_with_chinese_labels(login, world):
    response = login("office").get("/")
    body = response.content.decode()
    assert "结对帮村的党支部" in body
    assert 'title="2个"><span class="value">2</span><span class="unit">个</span>' in body


def test_figures_command_prints_the_same_numbers_as_json(world):
    out = StringIO()
    call_command("figures", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert list(printed) == FIGURE_KEYS
    expected = compute_figures(FigureSlice(world.campaign))
    assert printed == {k: int(v) for k, v in expected.items()}
    out = StringIO()
    call_command("figures", "--json", "--region", "520524116214", stdout=out)
    assert json.loads(out.getvalue())["villages_paired"] == 1
