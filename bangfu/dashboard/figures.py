"""The campaign's figures, computed from records. One code path for the dashboard, its
drill-down lists, the `bangfu figures` command and the bulletin.

Each figure declares `records(slice)`: the queryset of exactly the records it counts (units,
villages, person-visits, activities...), and how they are measured (a count, or the sum of a
field). Its value is that measure of that queryset, so the drill-down list of a figure holds
the same number by construction. The seed report's 14 headline figures come first (FIGURES,
FIGURE_KEYS); the other counts the registry and ledger make possible follow (MORE_FIGURES).
Ledger figures count only the review states the campaign counts (ledger.counting).

At province scale the ledger and registry figures of a region slice are read from summary
tables kept equal to the records by database triggers (dashboard.tallies); the records
themselves stay the definition, and tests hold the two equal.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import Campaign, Pairing
from bangfu.core.scope import Scope
from bangfu.dashboard.tallies import county_q
from bangfu.geo.models import Region, VillageYear
from bangfu.ledger.choices import ActivityKind, ProblemState, ReviewState
from bangfu.ledger.counting import counted_states
from bangfu.ledger.models import Activity, ActivityParticipant, Problem, Project
from bangfu.orgs.models import Branch, Member, Unit
from bangfu.registry.choices import HouseholdStatus
from bangfu.registry.models import Household, Person

Number = int | Decimal
# Households not (yet, or no longer) out of poverty.
POOR_STATUSES = [HouseholdStatus.POOR.value, HouseholdStatus.RELAPSED.value]


@dataclass(frozen=True)
class FigureSlice:
    """Which records a figure counts: a campaign, optionally a region (code prefix), a unit or
    one of its branches, and a period; always within the user's scope (no user: everything).

    `tallies=False` makes every figure recount its records (the benchmark's naive baseline).
    """

    campaign: Campaign
    region_prefix: str | None = None
    unit_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    user: object | None = field(default=None, compare=False)
    branch_id: int | None = None
    tallies: bool = field(default=True, compare=False)
    # Sums read once from the summary tables and shared by the figures of one snapshot().
    cache: dict | None = field(default=None, compare=False, repr=False)

    def snapshot(self) -> FigureSlice:
        """The same slice whose figures share one read of the summary tables (for a page)."""
        return dataclasses.replace(self, cache={})

    def counted_states(self) -> list[str]:
        return counted_states(self.campaign)

    def years(self) -> tuple[int, int]:
        """The calendar years the period touches (the campaign's when no period is given)."""
        first = (self.date_from or self.campaign.start).year
        last = (self.date_to or self.campaign.end).year
        return first, last

    def narrow(self, qs: QuerySet) -> QuerySet:
        """The slice's region, unit and branch, as each model's scope reaches them, and the
        user's scope: one rule for every figure, the same as the model's lists use."""
        model = qs.model
        own = getattr(getattr(self.user, "scope", None), "region_prefix", None)
        if own and len(own) <= 6 and _has_field(model, "county_code"):
            # The user's region, as the indexed county code: the scope below says the same
            # through the village's code, which needs a join the planner cannot narrow first.
            qs = qs.filter(county_q(own))
        if self.region_prefix:
            if len(self.region_prefix) <= 6 and _has_field(model, "county_code"):
                qs = qs.filter(county_q(self.region_prefix))  # no join, indexed
            else:
                qs = qs.filter(model.scope_q(Scope(region_prefix=self.region_prefix)))
        if self.branch_id:
            qs = qs.filter(model.scope_q(Scope.branch(self.branch_id, self.unit_id)))
        elif self.unit_id:
            qs = qs.filter(model.scope_q(Scope.unit(self.unit_id)))
        return self.within_scope(qs)

    def within_scope(self, qs: QuerySet) -> QuerySet:
        """Only the user's scope (records reached through others the slice already narrowed)."""
        return qs.restrict(self.user, "view") if self.user is not None else qs

    def _period(self, qs: QuerySet, date_field: str) -> QuerySet:
        if self.date_from:
            qs = qs.filter(**{f"{date_field}__gte": self.date_from})
        if self.date_to:
            qs = qs.filter(**{f"{date_field}__lte": self.date_to})
        return qs

    # --- the records figures are made of -----------------------------------------------------

    def pairings(self, kind: str) -> QuerySet:
        """Approved pairings of a kind in force during the period (claims waiting for approval
        and rejected ones are not pairings yet)."""
        qs = Pairing.objects.filter(campaign=self.campaign, kind=kind)
        return self.narrow(qs.in_force_during(self.date_from or None, self.date_to or None))

    def entries(self, kind: str | None = None) -> QuerySet:
        """The campaign's ledger entries in the period (of one kind), whatever their review."""
        qs = Activity.objects.filter(campaign=self.campaign)
        if kind:
            qs = qs.filter(kind=kind)
        return self.narrow(self._period(qs, "date"))

    def activities(self, kind: str) -> QuerySet:
        """Entries of a kind that count (ledger.counting)."""
        return self.entries(kind).filter(state__in=self.counted_states())

    def participations(self, kind: str) -> QuerySet:
        """Person-visits (人次): one row per participant of a counted entry."""
        return ActivityParticipant.objects.filter(activity__in=self.activities(kind))

    def problems(self) -> QuerySet:
        return self.narrow(Problem.objects.filter(campaign=self.campaign))

    def problem_q(self, which: str) -> Q:
        """Which of the slice's problems a problem figure counts (see the three below)."""
        if which == "problems_solved":
            q, field = Q(state__in=[ProblemState.SOLVED, ProblemState.VERIFIED]), "solved_on"
        elif which == "problems_open":
            q, field = Q(state__in=[ProblemState.OPEN, ProblemState.IN_PROGRESS]), "raised_on"
        else:
            q, field = Problem.overdue_q(), "deadline"
        if self.date_from:
            q &= Q(**{f"{field}__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{field}__lte": self.date_to})
        return q

    def problems_solved(self) -> QuerySet:
        """Problems solved in the period."""
        return self.problems().filter(self.problem_q("problems_solved"))

    def problems_open(self) -> QuerySet:
        """Problems raised in the period and not solved yet."""
        return self.problems().filter(self.problem_q("problems_open"))

    def overdue_problems(self) -> QuerySet:
        """Problems past their deadline today and not solved (the period bounds the deadline)."""
        return self.problems().filter(self.problem_q("overdue_problems"))

    def projects(self) -> QuerySet:
        return self._period(self.narrow(Project.objects.filter(campaign=self.campaign)), "date")

    def households(self) -> QuerySet:
        return self.narrow(Household.objects.all())

    def village_years(self) -> QuerySet:
        """The villages' facts for the period's last year."""
        return self.narrow(VillageYear.objects.filter(year=self.years()[1]))


def _has_field(model: type, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _ids(qs: QuerySet, path: str) -> QuerySet:
    return qs.values(path)


@dataclass(frozen=True)
class Figure:
    """A figure: stable English key, Chinese label and unit, the records it counts, and how.

    `total` names the field summed over the records (None: the records are counted);
    `ratio` gives (numerator field, denominator field) for a percentage of two sums.
    """

    key: str
    label: str
    unit: str
    records: Callable[[FigureSlice], QuerySet]
    total: str | None = None
    ratio: tuple[str, str] | None = None
    group: str = "headline"
    note: str = ""
    # Records that are the distinct values of a column of other records (units of pairings):
    # (those records, the column). The value is then counted there, without the join.
    distinct: Callable[[FigureSlice], tuple[QuerySet, str]] | None = None

    def value(self, slice_: FigureSlice) -> Number:
        """The figure for the slice: from the summary tables where they answer, else counted."""
        if slice_.tallies:
            from bangfu.dashboard import tallies

            tallied = tallies.figure_value(self, slice_)
            if tallied is not None:
                return tallied
        if self.distinct is not None:
            return _distinct_count(self, slice_)
        return self.measure(self.records(slice_))

    def measure(self, records: QuerySet) -> Number:
        """The figure's measure of a set of its records: a count, a sum or a percentage."""
        if self.ratio:
            top, bottom = self.ratio
            sums = records.aggregate(top=Sum(top), bottom=Sum(bottom))
            return percent(sums["top"] or 0, sums["bottom"] or 0)
        if self.total:
            return records.aggregate(total=Sum(self.total))["total"] or 0
        return records.count()


def _distinct_count(figure: Figure, slice_: FigureSlice) -> int:
    """Distinct values of a column of the figure's base records. On a snapshot, the figures
    sharing the same base records (units, branches and villages of the branch–village
    pairings) are counted in one query."""
    if slice_.cache is None:
        base, column = figure.distinct(slice_)
        return base.aggregate(n=Count(column, distinct=True))["n"]
    if "distinct" not in slice_.cache:
        groups: dict[str, tuple[QuerySet, list[str]]] = {}
        keys = {}
        for other in ALL_FIGURES:
            if other.distinct is not None:
                base, column = other.distinct(slice_)
                sql = str(base.query)
                groups.setdefault(sql, (base, []))[1].append(column)
                keys[other.key] = (sql, column)
        slice_.cache["distinct"] = (keys, groups, {})
    keys, groups, counted = slice_.cache["distinct"]
    sql, column = keys[figure.key]
    if sql not in counted:
        base, columns = groups[sql]
        counts = base.aggregate(**{f"n{i}": Count(c, distinct=True) for i, c in enumerate(columns)})
        counted[sql] = {c: counts[f"n{i}"] for i, c in enumerate(columns)}
    return counted[sql][column]


def percent(top: Number, bottom: Number) -> Decimal:
    """top / bottom in percent, two decimals (0 when there is no denominator)."""
    if not bottom:
        return Decimal("0.00")
    return (Decimal(top) * 100 / Decimal(bottom)).quantize(Decimal("0.01"))


def _branch_villages(s: FigureSlice) -> QuerySet:
    return s.pairings(PairingKind.BRANCH_VILLAGE)


def _secretary_households(s: FigureSlice) -> QuerySet:
    return s.pairings(PairingKind.SECRETARY_HOUSEHOLD)


FIGURES: list[Figure] = [
    Figure(
        "units",
        _("覆盖单位"),
        _("个"),
        lambda s: Unit.objects.filter(pk__in=_ids(_branch_villages(s), "branch__unit_id")),
        distinct=lambda s: (_branch_villages(s), "branch__unit_id"),
    ),
    Figure(
        "branches_paired",
        _("结对帮村的党支部"),
        _("个"),
        lambda s: Branch.objects.filter(pk__in=_ids(_branch_villages(s), "branch_id")),
        distinct=lambda s: (_branch_villages(s), "branch_id"),
    ),
    Figure(
        "villages_paired",
        _("结对帮扶的村"),
        _("个"),
        lambda s: Region.objects.filter(pk__in=_ids(_branch_villages(s), "village_id")),
        distinct=lambda s: (_branch_villages(s), "village_id"),
    ),
    Figure(
        "secretaries",
        _("牵头帮户的支部书记"),
        _("名"),
        lambda s: Member.objects.filter(pk__in=_ids(_secretary_households(s), "member_id")),
        distinct=lambda s: (_secretary_households(s), "member_id"),
    ),
    Figure(
        "households_helped",
        _("支部书记帮扶的贫困户"),
        _("户"),
        lambda s: Household.objects.filter(pk__in=_ids(_secretary_households(s), "household_id")),
        distinct=lambda s: (_secretary_households(s), "household_id"),
    ),
    Figure(
        "cadres_stayed",
        _("进村蹲点调研的领导干部"),
        _("名"),
        lambda s: Member.objects.filter(
            is_leading_cadre=True,
            pk__in=_ids(s.participations(ActivityKind.STAY), "member_id"),
        ),
    ),
    Figure(
        "expert_visits",
        _("专业技术人员进村帮难解困"),
        _("人次"),
        lambda s: s.participations(ActivityKind.EXPERT_VISIT),
    ),
    Figure(
        "member_visits",
        _("党员干部进村服务发展"),
        _("人次"),
        lambda s: s.participations(ActivityKind.SERVICE_VISIT),
    ),
    Figure("problems_solved", _("帮助解决问题"), _("个"), lambda s: s.problems_solved()),
    Figure(
        "policy_supports",
        _("提供政策和信息支持"),
        _("条"),
        lambda s: s.activities(ActivityKind.POLICY_SUPPORT),
        total="quantity",
    ),
    Figure(
        "tech_service_persons",
        _("提供技术服务"),
        _("人次"),
        lambda s: s.activities(ActivityKind.TECH_SERVICE),
        total="quantity",
    ),
    Figure(
        "dev_ideas",
        _("帮助完善发展思路"),
        _("条"),
        lambda s: s.activities(ActivityKind.DEV_IDEA),
        total="quantity",
    ),
    Figure("projects", _("帮助谋划、引进和生成项目"), _("个"), lambda s: s.projects()),
    Figure(
        "funds_yuan",
        _("引进资金"),
        _("元"),
        lambda s: s.activities(ActivityKind.FUNDS),
        total="amount",
    ),
]

MORE_FIGURES: list[Figure] = [
    Figure(
        "households_registered",
        _("建档立卡贫困户"),
        _("户"),
        lambda s: s.households(),
        group="registry",
    ),
    Figure(
        "poor_households",
        _("未脱贫户"),
        _("户"),
        lambda s: s.households().filter(status__in=POOR_STATUSES),
        group="registry",
        note=_("含返贫户"),
    ),
    Figure(
        "poor_people",
        _("未脱贫人口"),
        _("人"),
        lambda s: s.within_scope(
            Person.objects.filter(household__in=s.households().filter(status__in=POOR_STATUSES))
        ),
        group="registry",
        note=_("含返贫户"),
    ),
    Figure(
        "households_lifted",
        _("期内脱贫户"),
        _("户"),
        lambda s: s.households().filter(status=HouseholdStatus.LIFTED, exit_year__range=s.years()),
        group="registry",
        note=_("按脱贫年度"),
    ),
    Figure(
        "poverty_incidence",
        _("贫困发生率"),
        "%",
        lambda s: s.village_years(),
        ratio=("poor_population", "population"),
        group="registry",
        note=_("按村年度情况"),
    ),
    Figure(
        "stay_days",
        _("蹲点调研天数"),
        _("天"),
        lambda s: s.activities(ActivityKind.STAY),
        total="days",
        group="ledger",
    ),
    Figure(
        "entries_awaiting_review",
        _("待审核台账"),
        _("条"),
        lambda s: s.entries().filter(state=ReviewState.SUBMITTED),
        group="ledger",
    ),
    Figure(
        "problems_open", _("尚未解决的问题"), _("个"), lambda s: s.problems_open(), group="ledger"
    ),
    Figure(
        "overdue_problems",
        _("超过时限未解决的问题"),
        _("个"),
        lambda s: s.overdue_problems(),
        group="ledger",
    ),
]

FIGURE_KEYS = [f.key for f in FIGURES]
ALL_FIGURES = FIGURES + MORE_FIGURES
BY_KEY = {f.key: f for f in ALL_FIGURES}


def compute_figures(slice_: FigureSlice) -> dict[str, Number]:
    """Every headline figure for the slice, keyed by its stable English key."""
    slice_ = slice_.snapshot()
    return {f.key: f.value(slice_) for f in FIGURES}


# Figures counting problems: counted together in one query (a filtered COUNT each) when the
# page shows them all; each is still exactly `figure.records(slice).count()` (the tests say so).
PROBLEM_FIGURES = ("problems_solved", "problems_open", "overdue_problems")


def _problem_counts(slice_: FigureSlice) -> dict[str, int]:
    counts = {key: Count("pk", filter=slice_.problem_q(key)) for key in PROBLEM_FIGURES}
    return slice_.problems().aggregate(**counts)


def compute_all(slice_: FigureSlice) -> dict[str, Number]:
    """Headline and further figures for the slice."""
    slice_ = slice_.snapshot()
    values = _problem_counts(slice_)
    return {f.key: values[f.key] if f.key in values else f.value(slice_) for f in ALL_FIGURES}
