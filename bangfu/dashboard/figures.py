"""The campaign's headline figures, computed from records. One code path for the dashboard,
the `bangfu figures` command and (later) the bulletin.

Each figure is a Figure: a key (stable English, used in JSON), a Chinese label, a unit, and a
function from a FigureSlice to a number. Ledger figures count only the review states the
campaign counts (accepted by default).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.choices import PairingKind, PairingState
from bangfu.campaigns.models import Campaign, Pairing
from bangfu.ledger.choices import ActivityKind, ProblemState
from bangfu.ledger.counting import counted_states
from bangfu.ledger.models import Activity, ActivityParticipant, Problem, Project
from bangfu.orgs.models import Member


@dataclass(frozen=True)
class FigureSlice:
    """Which records a figure counts: a campaign, optionally a region, unit and period,
    and always within `scope_q` filters the caller derived from the user (or none: everything)."""

    campaign: Campaign
    region_prefix: str | None = None
    unit_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    user: object | None = field(default=None, compare=False)

    def counted_states(self) -> list[str]:
        return counted_states(self.campaign)

    def _restricted(self, qs: QuerySet) -> QuerySet:
        return qs.restrict(self.user, "view") if self.user is not None else qs

    def pairings(self, kind: str) -> QuerySet:
        # Claims waiting for approval and rejected ones are not pairings yet.
        qs = Pairing.objects.filter(campaign=self.campaign, kind=kind, state=PairingState.APPROVED)
        if self.region_prefix:
            qs = qs.filter(village__code__startswith=self.region_prefix)
        if self.unit_id:
            qs = qs.filter(branch__unit_id=self.unit_id)
        if self.date_to:
            qs = qs.filter(start__lte=self.date_to)
        if self.date_from:
            qs = qs.filter(Q(end__isnull=True) | Q(end__gte=self.date_from))
        return self._restricted(qs)

    def _ledger(self, qs: QuerySet, date_field: str) -> QuerySet:
        qs = qs.filter(campaign=self.campaign)
        if self.region_prefix:
            qs = qs.filter(village__code__startswith=self.region_prefix)
        if self.unit_id:
            qs = qs.filter(unit_id=self.unit_id)
        if self.date_from:
            qs = qs.filter(**{f"{date_field}__gte": self.date_from})
        if self.date_to:
            qs = qs.filter(**{f"{date_field}__lte": self.date_to})
        return self._restricted(qs)

    def activities(self, kind: str) -> QuerySet:
        return self._ledger(Activity.objects.filter(kind=kind), "date").filter(
            state__in=self.counted_states()
        )

    def participations(self, kind: str) -> QuerySet:
        return ActivityParticipant.objects.filter(activity__in=self.activities(kind))

    def problems_solved(self) -> QuerySet:
        return self._ledger(
            Problem.objects.filter(state__in=[ProblemState.SOLVED, ProblemState.VERIFIED]),
            "solved_on",
        )

    def projects(self) -> QuerySet:
        return self._ledger(Project.objects.all(), "date")

    def overdue_problems(self) -> QuerySet:
        """Problems past their deadline today and not solved (the period bounds the deadline)."""
        return self._ledger(Problem.objects.filter(Problem.overdue_q()), "deadline")


def _distinct(qs: QuerySet, field_name: str) -> int:
    return qs.values(field_name).distinct().count()


def _sum(qs: QuerySet, field_name: str) -> int | Decimal:
    return qs.aggregate(total=Sum(field_name))["total"] or 0


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    compute: Callable[[FigureSlice], int | Decimal]


FIGURES: list[Figure] = [
    Figure(
        "units",
        _("覆盖单位"),
        _("个"),
        lambda s: _distinct(s.pairings(PairingKind.BRANCH_VILLAGE), "branch__unit"),
    ),
    Figure(
        "branches_paired",
        _("结对帮村的党支部"),
        _("个"),
        lambda s: _distinct(s.pairings(PairingKind.BRANCH_VILLAGE), "branch"),
    ),
    Figure(
        "villages_paired",
        _("结对帮扶的村"),
        _("个"),
        lambda s: _distinct(s.pairings(PairingKind.BRANCH_VILLAGE), "village"),
    ),
    Figure(
        "secretaries",
        _("牵头帮户的支部书记"),
        _("名"),
        lambda s: _distinct(s.pairings(PairingKind.SECRETARY_HOUSEHOLD), "member"),
    ),
    Figure(
        "households_helped",
        _("支部书记帮扶的贫困户"),
        _("户"),
        lambda s: _distinct(s.pairings(PairingKind.SECRETARY_HOUSEHOLD), "household"),
    ),
    Figure(
        "cadres_stayed",
        _("进村蹲点调研的领导干部"),
        _("名"),
        lambda s: Member.objects.filter(
            is_leading_cadre=True,
            participations__activity__in=s.activities(ActivityKind.STAY),
        ).aggregate(n=Count("pk", distinct=True))["n"],
    ),
    Figure(
        "expert_visits",
        _("专业技术人员进村帮难解困"),
        _("人次"),
        lambda s: s.participations(ActivityKind.EXPERT_VISIT).count(),
    ),
    Figure(
        "member_visits",
        _("党员干部进村服务发展"),
        _("人次"),
        lambda s: s.participations(ActivityKind.SERVICE_VISIT).count(),
    ),
    Figure("problems_solved", _("帮助解决问题"), _("个"), lambda s: s.problems_solved().count()),
    Figure(
        "policy_supports",
        _("提供政策和信息支持"),
        _("条"),
        lambda s: _sum(s.activities(ActivityKind.POLICY_SUPPORT), "quantity"),
    ),
    Figure(
        "tech_service_persons",
        _("提供技术服务"),
        _("人次"),
        lambda s: _sum(s.activities(ActivityKind.TECH_SERVICE), "quantity"),
    ),
    Figure(
        "dev_ideas",
        _("帮助完善发展思路"),
        _("条"),
        lambda s: _sum(s.activities(ActivityKind.DEV_IDEA), "quantity"),
    ),
    Figure("projects", _("帮助谋划、引进和生成项目"), _("个"), lambda s: s.projects().count()),
    Figure(
        "funds_yuan",
        _("引进资金"),
        _("元"),
        lambda s: _sum(s.activities(ActivityKind.FUNDS), "amount"),
    ),
]

FIGURE_KEYS = [f.key for f in FIGURES]


def compute_figures(slice_: FigureSlice) -> dict[str, int | Decimal]:
    """Every headline figure for the slice, keyed by its stable English key."""
    return {f.key: f.compute(slice_) for f in FIGURES}
