"""Every object the API serves: its model, fields, filters and, where the pages allow
editing, the page's form and edit view (whose rules the API reuses).

Adding a domain object to the API is one entry here; the router, the OpenAPI schema and the
permission matrix test all read this list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from bangfu.assessment.models import (
    AssessmentResult,
    HandScore,
    Indicator,
    IndicatorScore,
    ResultSet,
    Scheme,
)
from bangfu.campaigns import views as campaign_views
from bangfu.campaigns.filtersets import PairingFilterSet
from bangfu.campaigns.forms import PairingForm
from bangfu.campaigns.models import AllocationTarget, Campaign, Pairing
from bangfu.coops.filtersets import CooperativeFilterSet, DividendRunFilterSet
from bangfu.coops.models import (
    Cooperative,
    CoopMember,
    Dividend,
    DividendRun,
    ReliefFund,
    Shareholding,
)
from bangfu.geo import views as geo_views
from bangfu.geo.filtersets import RegionFilterSet
from bangfu.geo.forms import RegionForm
from bangfu.geo.models import Region, VillageYear
from bangfu.ledger import views as ledger_views
from bangfu.ledger.filtersets import ActivityFilterSet, ProblemFilterSet, ProjectFilterSet
from bangfu.ledger.forms import ActivityForm, ProblemForm, ProjectForm
from bangfu.ledger.models import Activity, Problem, Project, ProjectFunding, ProjectMilestone
from bangfu.orgs import views as org_views
from bangfu.orgs.filtersets import BranchFilterSet, MemberFilterSet, UnitFilterSet
from bangfu.orgs.forms import BranchForm, MemberForm, UnitForm
from bangfu.orgs.models import Branch, Member, ResidentTeam, Unit
from bangfu.registry import views as registry_views
from bangfu.registry.filtersets import HouseholdFilterSet
from bangfu.registry.forms import HouseholdForm
from bangfu.registry.models import Household, HouseholdIncome, Person


@dataclass
class Resource:
    """One object type served at /api/v1/<prefix>/."""

    model: type[models.Model]
    prefix: str
    fields: list[str]
    filterset_class: Any = None
    # Simple exact filters when the app has no FilterSet for the model.
    filterset_fields: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    # Writes: the page's form and the view whose save_form saves it. None: read-only.
    form_class: Any = None
    edit_view: Any = None
    form_kwargs: Callable[[Any, dict], dict] = lambda instance, data: {}
    # Set when a record is created, never changed afterwards (an entry's kind shapes its form).
    fixed_fields: tuple[str, ...] = ()

    @property
    def basename(self) -> str:
        return f"{self.model._meta.app_label}-{self.model._meta.model_name}"

    @property
    def writable(self) -> bool:
        return self.form_class is not None

    @property
    def write_fields(self) -> tuple[str, ...]:
        if self.form_class is None:
            return ()
        return tuple(f for f in self.form_class._meta.fields if f in self.fields)

    def ordering_fields(self) -> list[str]:
        """Columns a list may be sorted by: plain fields, never personal data."""
        personal = set(getattr(self.model, "personal_fields", ()))
        names = []
        for name in ["id", *self.fields]:
            try:
                f = self.model._meta.get_field(name)
            except Exception:
                continue
            if f.concrete and not f.many_to_many and name not in personal:
                names.append(name)
        return names


VILLAGE = {"village": "code"}

RESOURCES: list[Resource] = [
    Resource(
        Region,
        "geo/regions",
        ["code", "name", "level", "parent", "county_code", "longitude", "latitude"],
        filterset_class=RegionFilterSet,
        keys={"parent": "code"},
        select_related=("parent",),
        form_class=RegionForm,
        edit_view=geo_views.RegionCreateView,
    ),
    Resource(
        VillageYear,
        "geo/village-years",
        [
            "village",
            "year",
            "is_poor",
            "households",
            "population",
            "poor_households",
            "poor_population",
            "collective_income",
            "has_road",
            "has_water",
            "has_power",
            "has_broadband",
            "has_clinic",
            "has_activity_room",
        ],
        filterset_fields=["year", "is_poor"],
        keys=VILLAGE,
        select_related=("village",),
    ),
    Resource(
        Unit,
        "orgs/units",
        [
            "name",
            "short_name",
            "sends_professionals",
            "seat",
            "committee_contact",
            "committee_phone",
        ],
        filterset_class=UnitFilterSet,
        select_related=(),
        form_class=UnitForm,
        edit_view=org_views.UnitCreateView,
    ),
    Resource(
        Branch,
        "orgs/branches",
        ["unit", "name", "capacity"],
        filterset_class=BranchFilterSet,
        select_related=("unit",),
        form_class=BranchForm,
        edit_view=org_views.BranchCreateView,
    ),
    Resource(
        Member,
        "orgs/members",
        [
            "branch",
            "name",
            "sex",
            "phone",
            "position",
            "is_party_member",
            "is_secretary",
            "is_leading_cadre",
            "cadre_rank",
            "is_professional",
            "specialty",
        ],
        filterset_class=MemberFilterSet,
        select_related=("branch",),
        form_class=MemberForm,
        edit_view=org_views.MemberCreateView,
    ),
    Resource(
        ResidentTeam,
        "orgs/resident-teams",
        ["unit", "village", "first_secretary", "start", "end", "members"],
        filterset_fields=["unit"],
        keys=VILLAGE,
        select_related=("unit", "village"),
        prefetch_related=("members",),
    ),
    Resource(
        Household,
        "registry/households",
        [
            "village",
            "county_code",
            "number",
            "head_name",
            "attribute",
            "identified_year",
            "main_cause",
            "other_causes",
            "housing",
            "housing_area",
            "arable_land",
            "phone",
            "bank_account",
            "food_ok",
            "clothing_ok",
            "education_ok",
            "medical_ok",
            "housing_ok",
            "water_ok",
            "status",
            "exit_year",
        ],
        filterset_class=HouseholdFilterSet,
        keys=VILLAGE,
        select_related=("village",),
        form_class=HouseholdForm,
        edit_view=registry_views.HouseholdCreateView,
    ),
    Resource(
        Person,
        "registry/people",
        [
            "household",
            "name",
            "id_number",
            "relation",
            "sex",
            "birth_date",
            "health",
            "disability",
            "education",
            "schooling",
            "labour_ability",
            "migrant_work",
            "migrant_months",
            "medical_insurance",
            "pension_insurance",
            "serious_illness_insurance",
        ],
        filterset_fields=["household", "relation", "sex"],
        keys={"household": "number"},
        select_related=("household",),
    ),
    Resource(
        HouseholdIncome,
        "registry/household-incomes",
        [
            "household",
            "year",
            "wage_income",
            "production_income",
            "property_income",
            "transfer_income",
            "unsourced_income",
        ],
        filterset_fields=["household", "year"],
        keys={"household": "number"},
        select_related=("household",),
    ),
    Resource(
        Campaign,
        "campaigns/campaigns",
        ["name", "year", "start", "end", "region", "max_branches_per_village", "count_submitted"],
        filterset_fields=["year"],
        keys={"region": "code"},
        select_related=("region",),
    ),
    Resource(
        AllocationTarget,
        "campaigns/allocation-targets",
        ["campaign", "unit", "kind", "target"],
        filterset_fields=["campaign", "unit", "kind"],
        select_related=("unit",),
    ),
    Resource(
        Pairing,
        "campaigns/pairings",
        [
            "campaign",
            "kind",
            "branch",
            "member",
            "village",
            "household",
            "county_code",
            "origin",
            "start",
            "end",
            "state",
            "reviewed_at",
            "review_note",
        ],
        filterset_class=PairingFilterSet,
        keys={**VILLAGE, "household": "number"},
        select_related=("branch", "member", "village", "household"),
        form_class=PairingForm,
        edit_view=campaign_views.PairingCreateView,
    ),
    Resource(
        Activity,
        "ledger/activities",
        [
            "campaign",
            "kind",
            "date",
            "village",
            "county_code",
            "unit",
            "branch",
            "pairing",
            "participants",
            "households",
            "summary",
            "days",
            "quantity",
            "amount",
            "fund_source",
            "state",
            "return_reason",
            "reviewed_at",
        ],
        filterset_class=ActivityFilterSet,
        keys={**VILLAGE, "households": "number"},
        select_related=("village",),
        prefetch_related=("participants", "households"),
        form_class=ActivityForm,
        edit_view=ledger_views.ActivityCreateView,
        form_kwargs=lambda instance, data: {"kind": instance.kind or data.get("kind")},
        fixed_fields=("kind",),
    ),
    Resource(
        Problem,
        "ledger/problems",
        [
            "campaign",
            "village",
            "county_code",
            "household",
            "category",
            "title",
            "description",
            "unit",
            "branch",
            "owner",
            "raised_on",
            "deadline",
            "state",
            "solved_on",
            "activities",
        ],
        filterset_class=ProblemFilterSet,
        keys={**VILLAGE, "household": "number"},
        select_related=("village", "household"),
        prefetch_related=("activities",),
        form_class=ProblemForm,
        edit_view=ledger_views.ProblemCreateView,
    ),
    Resource(
        Project,
        "ledger/projects",
        [
            "campaign",
            "name",
            "village",
            "county_code",
            "unit",
            "branch",
            "origin",
            "sector",
            "state",
            "date",
            "start",
            "beneficiaries",
            "description",
        ],
        filterset_class=ProjectFilterSet,
        keys={**VILLAGE, "beneficiaries": "number"},
        select_related=("village",),
        prefetch_related=("beneficiaries",),
        form_class=ProjectForm,
        edit_view=ledger_views.ProjectCreateView,
    ),
    Resource(
        ProjectFunding,
        "ledger/project-fundings",
        ["project", "source", "amount"],
        filterset_fields=["project", "source"],
        select_related=("project",),
    ),
    Resource(
        ProjectMilestone,
        "ledger/project-milestones",
        ["project", "title", "due", "done_on"],
        filterset_fields=["project"],
        select_related=("project",),
    ),
    # Cooperatives and shares: read-only here; grants and dividend runs go through their pages,
    # whose services check the fund, the register and the exact split.
    Resource(
        Cooperative,
        "coops/cooperatives",
        [
            "name",
            "village",
            "sector",
            "registration_number",
            "registered_on",
            "contact_name",
            "contact_phone",
            "note",
        ],
        filterset_class=CooperativeFilterSet,
        select_related=("village",),
    ),
    Resource(
        CoopMember,
        "coops/members",
        ["coop", "kind", "household", "name", "joined_on", "left_on"],
        filterset_fields=["coop", "kind"],
        select_related=("coop", "household"),
    ),
    Resource(
        ReliefFund,
        "coops/funds",
        ["coop", "name", "source", "year", "amount", "share_price"],
        filterset_fields=["coop", "year"],
        select_related=("coop",),
    ),
    Resource(
        Shareholding,
        "coops/shareholdings",
        [
            "coop",
            "member",
            "fund",
            "shares",
            "amount",
            "start",
            "end",
            "returns_to_collective",
            "ended_on",
            "end_reason",
        ],
        filterset_fields=["coop", "member", "fund"],
        select_related=("coop", "member", "fund"),
    ),
    Resource(
        DividendRun,
        "coops/dividend-runs",
        ["coop", "year", "record_date", "profit", "note"],
        filterset_class=DividendRunFilterSet,
        select_related=("coop",),
    ),
    # Assessment: read-only; schemes are edited, results frozen and published on the pages.
    # Results are visible as the pages show them: unpublished ones to the office only.
    Resource(
        Scheme,
        "assessment/schemes",
        [
            "campaign",
            "name",
            "version",
            "previous",
            "period_start",
            "period_end",
            "grade_method",
            "excellent_min",
            "good_min",
            "pass_min",
            "excellent_share",
            "good_share",
            "description",
        ],
        filterset_fields=["campaign"],
        select_related=("campaign",),
    ),
    Resource(
        Indicator,
        "assessment/indicators",
        [
            "scheme",
            "order",
            "name",
            "kind",
            "measure",
            "params",
            "weight",
            "target",
            "branch_target",
            "zero_at",
            "max_points",
            "min_points",
            "description",
        ],
        filterset_fields=["scheme", "kind"],
        select_related=("scheme",),
    ),
    Resource(
        HandScore,
        "assessment/hand-scores",
        ["indicator", "unit", "points", "comment", "scored_by"],
        filterset_fields=["indicator", "unit"],
        select_related=("indicator", "unit"),
    ),
    Resource(
        ResultSet,
        "assessment/result-sets",
        ["scheme", "version", "period_start", "period_end", "frozen_at", "published_at", "note"],
        filterset_fields=["scheme"],
        select_related=("scheme",),
    ),
    Resource(
        AssessmentResult,
        "assessment/results",
        ["result_set", "subject", "unit", "branch", "score", "grade", "rank"],
        filterset_fields=["result_set", "subject", "unit", "grade"],
        select_related=("result_set", "unit", "branch"),
    ),
    Resource(
        IndicatorScore,
        "assessment/indicator-scores",
        ["result", "indicator", "value", "points", "comment"],
        filterset_fields=["result", "indicator"],
        select_related=("result", "indicator"),
    ),
    Resource(
        Dividend,
        "coops/dividends",
        ["run", "member", "household", "shares", "amount", "paid_on", "method", "payment_note"],
        filterset_fields=["run", "household"],
        select_related=("run", "member", "household"),
    ),
]
