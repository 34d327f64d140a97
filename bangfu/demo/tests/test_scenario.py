"""The demo scenario yields the seed report's figures, holds its stories and is reproducible."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Sum

from bangfu.accounts.models import User
from bangfu.campaigns.models import AllocationTarget, Campaign, Pairing
from bangfu.dashboard.figures import FIGURE_KEYS, FigureSlice, compute_figures
from bangfu.demo.scenario import (
    CAMPAIGN_NAME,
    DEMO_PASSWORD,
    SEED_FIGURES,
    Scenario,
    build,
    chinese_number,
    expected_figures,
    scaled,
)
from bangfu.geo.models import Region, VillageYear
from bangfu.geo.services import load_regions
from bangfu.ledger.models import (
    Activity,
    ActivityParticipant,
    Problem,
    Project,
    ProjectFunding,
)
from bangfu.orgs.models import Branch, Member, ResidentTeam, Unit
from bangfu.registry import idnumber
from bangfu.registry.models import Household, HouseholdIncome, Person

ACCEPTED = "accepted"


def test_expected_figures_at_scale_one_are_the_reports() -> None:
    assert expected_figures(1.0) == {
        "units": 115,
        "branches_paired": 1263,
        "villages_paired": 1120,
        "secretaries": 1263,
        "households_helped": 2152,
        "cadres_stayed": 1046,
        "expert_visits": 3719,
        "member_visits": 9700,
        "problems_solved": 2725,
        "policy_supports": 3457,
        "tech_service_persons": 5987,
        "dev_ideas": 2563,
        "projects": 1927,
        "funds_yuan": Decimal("193000000"),
    }
    assert list(expected_figures(1.0)) == FIGURE_KEYS
    assert 1000 < SEED_FIGURES["cadres_stayed"] < 1100  # the report's "1000余名"


@pytest.mark.parametrize("scale", [0.001, 0.02, 0.05, 0.37, 1.0, 2.5])
def test_scaled_figures_round_each_count_and_keep_it_consistent(scale: float) -> None:
    figures = expected_figures(scale)
    for key, value in SEED_FIGURES.items():
        assert figures[key] == max(1, round(value * scale))
    assert figures["villages_paired"] <= figures["branches_paired"]
    assert figures["secretaries"] == figures["branches_paired"]
    assert figures["households_helped"] >= figures["secretaries"]
    assert figures["units"] <= figures["branches_paired"]


def test_scaled_never_drops_below_one() -> None:
    assert scaled(115, 0.001) == 1
    assert scaled(115, 0.05) == 6
    assert expected_figures(0.05)["funds_yuan"] == Decimal("9650000")


def test_chinese_number_names_branches_as_people_write_them() -> None:
    assert [chinese_number(n) for n in (1, 5, 10, 15, 20, 23, 100, 105, 110, 123)] == [
        "一",
        "五",
        "十",
        "十五",
        "二十",
        "二十三",
        "一百",
        "一百零五",
        "一百一十",
        "一百二十三",
    ]


@pytest.mark.django_db
def test_load_regions_creates_the_tree_once() -> None:
    assert load_regions() == 1 + 9 + 88 + 1510 + 17964
    assert load_regions() == 0
    village = Region.objects.select_related("parent__parent").get(code="520623205210")
    assert village.name == "地古屯村"
    assert village.county_code == "520623"
    assert village.parent.code == "520623205000"
    assert village.parent.parent.name == "石阡县"
    assert not Region.objects.filter(level="county", longitude__isnull=True).exists()
    assert not Region.objects.exclude(level="county").filter(longitude__isnull=False).exists()


def direct_figures(campaign: Campaign) -> dict[str, int | Decimal]:
    """The headline figures counted straight from the tables, without dashboard.figures."""
    branch_village = Pairing.objects.filter(campaign=campaign, kind="branch_village")
    secretary = Pairing.objects.filter(campaign=campaign, kind="secretary_household")
    accepted = Activity.objects.filter(campaign=campaign, state=ACCEPTED)

    def participants(kind: str) -> int:
        return ActivityParticipant.objects.filter(
            activity__campaign=campaign, activity__kind=kind, activity__state=ACCEPTED
        ).count()

    def total(kind: str, field: str) -> int | Decimal:
        return accepted.filter(kind=kind).aggregate(t=Sum(field))["t"] or 0

    return {
        "units": Unit.objects.filter(branches__pairings__in=branch_village).distinct().count(),
        "branches_paired": Branch.objects.filter(pairings__in=branch_village).distinct().count(),
        "villages_paired": len(set(branch_village.values_list("village_id", flat=True))),
        "secretaries": Member.objects.filter(pairings__in=secretary).distinct().count(),
        "households_helped": len(set(secretary.values_list("household_id", flat=True))),
        "cadres_stayed": len(
            set(
                ActivityParticipant.objects.filter(
                    activity__in=accepted.filter(kind="stay"), member__is_leading_cadre=True
                ).values_list("member_id", flat=True)
            )
        ),
        "expert_visits": participants("expert_visit"),
        "member_visits": participants("service_visit"),
        "problems_solved": Problem.objects.filter(
            campaign=campaign, state__in=["solved", "verified"]
        ).count(),
        "policy_supports": total("policy_support", "quantity"),
        "tech_service_persons": total("tech_service", "quantity"),
        "dev_ideas": total("dev_idea", "quantity"),
        "projects": Project.objects.filter(campaign=campaign).count(),
        "funds_yuan": total("funds", "amount"),
    }


@pytest.mark.django_db
def test_scenario_yields_its_figures_by_dashboard_and_by_direct_count() -> None:
    scenario = build(seed=7, scale=0.05)

    assert isinstance(scenario, Scenario)
    assert scenario.figures == expected_figures(0.05)
    assert compute_figures(FigureSlice(scenario.campaign)) == scenario.figures
    assert direct_figures(scenario.campaign) == scenario.figures


@pytest.mark.django_db
def test_entries_under_review_exist_but_are_not_counted() -> None:
    scenario = build(seed=7, scale=0.05)
    campaign = scenario.campaign

    assert Activity.objects.filter(state="submitted").exists()
    assert Activity.objects.filter(state="returned").exclude(return_reason="").exists()
    assert Problem.objects.filter(state__in=["open", "in_progress"], solved_on=None).exists()
    campaign.count_submitted = True
    counting_submitted = compute_figures(FigureSlice(campaign))
    assert counting_submitted != scenario.figures


@pytest.mark.django_db
def test_every_record_passes_model_validation() -> None:
    """bulk_create skips clean() and save(): check the rules and derived fields held anyway."""
    build(seed=3, scale=0.03)

    for model in (
        Campaign,
        Unit,
        Branch,
        Member,
        ResidentTeam,
        Household,
        HouseholdIncome,
        VillageYear,
        Pairing,
        Activity,
        ActivityParticipant,
        Problem,
        Project,
        ProjectFunding,
        AllocationTarget,
        Person,
    ):
        for obj in model.objects.all():
            obj.full_clean()
    for household in Household.objects.prefetch_related("people"):
        head = household.people.all()[0]
        assert (head.relation, head.name) == ("head", household.head_name)
        assert household.county_code == household.number[:6]
        assert household.number.startswith(household.village.code)
    for person in Person.objects.select_related("household"):
        info = idnumber.parse(person.id_number)
        assert (info.sex, info.birth_date) == (person.sex, person.birth_date)
        assert person.county_code == person.household.county_code
    assert Person.objects.values("id_number").distinct().count() == Person.objects.count()
    for model in (Pairing, Activity, Problem, Project):
        for code, county in model.objects.values_list("village__code", "county_code"):
            assert code[:6] == county
    secretary = Pairing.objects.filter(kind="secretary_household")
    # Every household is helped by a secretary, but for the bee-keeping cooperative's members.
    unhelped = Household.objects.exclude(pk__in=secretary.values("household"))
    assert not unhelped.filter(coop_memberships=None).exists()
    assert all(p.member.is_secretary for p in secretary.select_related("member"))
    assert Branch.objects.filter(pairings__kind="branch_village").count() == Branch.objects.count()


@pytest.mark.django_db
def test_scenario_holds_the_reports_stories() -> None:
    build(seed=7, scale=0.05)

    def paired(unit: str, branch: str | None, village: str) -> bool:
        qs = Pairing.objects.filter(
            kind="branch_village", branch__unit__short_name=unit, village__code=village
        )
        return qs.filter(branch__name=branch).exists() if branch else qs.exists()

    assert paired("省总工会", "第五党支部", "520524116214")  # 宝山村
    assert paired("省检察院", "申诉处党支部", "522729103202")  # 五星村
    assert paired("省档案局", None, "522723102200")  # 乐邦村
    assert paired("省农科院", "畜牧兽医研究所党支部", "520623205210")  # 地古屯村
    lebang = ResidentTeam.objects.get(village__code="522723102200")
    assert (lebang.unit.short_name, lebang.first_secretary.name) == ("省档案局", "陆曙光")
    digutun = ResidentTeam.objects.select_related("first_secretary").get(
        village__code="520623205210"
    )
    assert digutun.first_secretary.name == "张锦华"
    assert digutun.first_secretary.specialty == "animal_husbandry"
    assert Project.objects.filter(village__code="520524116214", name__contains="活动室").exists()
    assert Unit.objects.filter(sends_professionals=True, short_name="省农科院").exists()


@pytest.mark.django_db
def test_demo_logins_have_their_role_and_scope() -> None:
    scenario = build(seed=7, scale=0.05)

    assert [u.username for u in scenario.users] == [
        "office",
        "unit",
        "branch",
        "village",
        "member",
        "viewer",
    ]
    for username in ("office", "unit", "branch", "village", "member", "viewer"):
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None
    # Each login has its own salt: the same public password, six different hashes.
    hashes = [
        u.password for u in User.objects.filter(username__in=[d.username for d in scenario.users])
    ]
    assert len(hashes) == 6 and len(set(hashes)) == 6
    users = {u.username: u for u in User.objects.all()}
    assert users["office"].scope.everything
    assert users["unit"].unit.short_name == "省总工会"
    assert users["branch"].branch.name == "第五党支部"
    assert users["branch"].scope.branch_id == users["branch"].branch_id
    assert users["member"].member.branch_id == users["branch"].branch_id
    assert users["village"].region.code == "520524116214"
    assert users["viewer"].scope.region_prefix == "5205"
    assert {g.name for g in users["village"].groups.all()} == {"role:village_team"}


def fingerprint() -> list:
    return [
        sorted(Household.objects.values_list("number", "head_name")),
        sorted(Person.objects.values_list("id_number", "name")),
        sorted(Member.objects.values_list("branch__unit__name", "branch__name", "name")),
        sorted(Activity.objects.values_list("kind", "date", "village__code", "quantity", "amount")),
        sorted(Pairing.objects.values_list("kind", "member__name", "village__code", "start")),
    ]


def wipe() -> None:
    """Remove the scenario, keeping the regions, so that it can be built again."""
    User.objects.filter(
        username__in=["office", "unit", "branch", "village", "member", "viewer"]
    ).delete()
    from bangfu.assessment.models import ResultSet, Scheme  # frozen results protect units

    ResultSet.objects.all().delete()
    Scheme.objects.all().delete()
    Problem.activities.through.objects.all().delete()
    Project.beneficiaries.through.objects.all().delete()
    Activity.households.through.objects.all().delete()
    for model in (
        ProjectFunding,
        Project,
        Problem,
        ActivityParticipant,
        Activity,
        AllocationTarget,
        Pairing,
        ResidentTeam,
        HouseholdIncome,
        Person,
        Household,
        VillageYear,
        Member,
        Branch,
        Unit,
        Campaign,
    ):
        model.objects.all().delete()


@pytest.mark.django_db
def test_same_seed_builds_the_same_scenario() -> None:
    build(seed=11, scale=0.02)
    first = fingerprint()
    wipe()
    build(seed=11, scale=0.02)
    assert fingerprint() == first
    wipe()
    build(seed=12, scale=0.02)
    assert fingerprint() != first


@pytest.mark.django_db
def test_demo_data_command_loads_once() -> None:
    out = io.StringIO()
    call_command("demo-data", seed=5, scale=0.01, stdout=out)
    assert "Loaded" in out.getvalue()
    assert "office" in out.getvalue()
    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    assert compute_figures(FigureSlice(campaign)) == expected_figures(0.01)

    again = io.StringIO()
    call_command("demo-data", seed=5, scale=0.01, stdout=again)
    assert "already loaded" in again.getvalue()
    assert Campaign.objects.count() == 1


@pytest.mark.django_db
def test_demo_data_prints_the_counts_it_stored() -> None:
    """Every count the command prints is the number of rows of that kind in the database
    (the cooperative's households and their people included)."""
    out = io.StringIO()
    call_command("demo-data", seed=5, scale=0.05, stdout=out)
    printed = {}
    for line in out.getvalue().splitlines():
        name, sep, value = line.strip().partition(": ")
        if sep and value.isdigit():
            printed[name] = int(value)
    stored = {
        "units": Unit,
        "branches": Branch,
        "members": Member,
        "pairings": Pairing,
        "households": Household,
        "people": Person,
        "village_years": VillageYear,
        "resident_teams": ResidentTeam,
        "activities": Activity,
        "activity_participants": ActivityParticipant,
        "problems": Problem,
        "projects": Project,
        "project_fundings": ProjectFunding,
        "allocation_targets": AllocationTarget,
    }
    assert {"households", "people"} <= printed.keys()
    assert {name: n for name, n in printed.items() if name in stored} == {
        name: stored[name].objects.count() for name in printed if name in stored
    }
