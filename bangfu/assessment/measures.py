"""The library of measures an indicator can be computed by, each over the campaign's records.

Every measure gives a value per unit or branch in one pass (`values`, a few aggregate
queries whatever the number of units) and the records behind one value (`records`), so
every point of a score can be followed to the entries that earned it.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.assessment.choices import Subject
from bangfu.campaigns.choices import PairingKind
from bangfu.core.scope import Scope
from bangfu.ledger.choices import ActivityKind, ProblemState, ProjectState
from bangfu.ledger.counting import counted_activities

HUNDRED = Decimal(100)
PLACES = Decimal("0.0001")
VISIT_KINDS = [
    ActivityKind.STAY.value,
    ActivityKind.EXPERT_VISIT.value,
    ActivityKind.SERVICE_VISIT.value,
    ActivityKind.SURVEY.value,
]


@dataclass(frozen=True)
class Period:
    """The dates an assessment covers (both ends included)."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def of(cls, scheme: Any) -> Period:
        campaign = scheme.campaign
        return cls(scheme.period_start or campaign.start, scheme.period_end or campaign.end)

    @property
    def months(self) -> Decimal:
        """Length in months (a month being 1/12 of a year), never below one."""
        days = (self.end - self.start).days + 1
        return max(Decimal(1), Decimal(days) * 12 / Decimal("365.25"))


def _as_decimal(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(PLACES)


def _percent(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) * HUNDRED / whole).quantize(PLACES)


def subject_of(obj: Any) -> str:
    """Whether `obj` is a unit or a branch (by its model)."""
    return Subject.BRANCH if obj._meta.model_name == "branch" else Subject.UNIT


class _Everyone:
    """Reads the whole campaign (scores are computed for every unit, then scoped on display)."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    scope = Scope.all()

    def has_perm(self, perm: str) -> bool:
        return True


@dataclass
class Measure(ABC):
    """A value computed from records for a unit or branch over a period, with its parameters."""

    key: ClassVar[str]
    label: ClassVar[Any]
    explanation: ClassVar[Any]
    unit: ClassVar[Any]
    # Parameter names and defaults; an indicator's `params` override them.
    defaults: ClassVar[dict[str, Any]] = {}
    subjects: ClassVar[tuple[str, ...]] = (Subject.UNIT, Subject.BRANCH)
    # The record model `records` lists, by app label and model name (for the drill-down page).
    record_model: ClassVar[str] = "ledger.activity"

    params: dict[str, Any] = field(default_factory=dict)

    def check_params(self, params: dict[str, Any]) -> None:
        """Raise ValueError naming an unknown or ill-typed parameter."""
        if not isinstance(params, dict):
            raise ValueError(_('口径参数须是JSON对象,例如 {"days": 7}。'))
        for name, value in params.items():
            if name not in self.defaults:
                raise ValueError(
                    _("“{label}”没有参数“{name}”;可用参数:{names}。").format(
                        label=self.label, name=name, names="、".join(self.defaults) or "—"
                    )
                )
            default = self.defaults[name]
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ValueError(_("参数“{name}”须是true或false。").format(name=name))
            if isinstance(default, int) and not isinstance(default, bool):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError(_("参数“{name}”须是非负整数。").format(name=name))
            if isinstance(default, list) and not isinstance(value, list):
                raise ValueError(_("参数“{name}”须是列表。").format(name=name))

    def options(self, params: dict[str, Any] | None) -> dict[str, Any]:
        return {**self.defaults, **self.params, **(params or {})}

    def applies_to(self, subject: str) -> bool:
        return subject in self.subjects

    # --- what each measure defines -------------------------------------------------------
    @abstractmethod
    def values(
        self,
        campaign: Any,
        period: Period,
        subject: str,
        params: dict[str, Any] | None = None,
        only: int | None = None,
    ) -> dict[int, Decimal | None]:
        """Each unit's (or branch's) value, keyed by its id; ids missing have no records."""

    @abstractmethod
    def records(
        self, obj: Any, campaign: Any, period: Period, params: dict[str, Any] | None = None
    ) -> QuerySet:
        """The records behind `obj`'s value."""

    def missing(self) -> Decimal | None:
        """The value of a unit with no records at all (None: the indicator does not apply)."""
        return Decimal(0)

    # --- derived --------------------------------------------------------------------------
    def compute(
        self, obj: Any, campaign: Any, period: Period, params: dict[str, Any] | None = None
    ) -> Decimal | None:
        """One unit's or branch's value (the same numbers `values` gives for all)."""
        subject = subject_of(obj)
        if not self.applies_to(subject):
            return None
        found = self.values(campaign, period, subject, params, only=obj.pk)
        return found.get(obj.pk, self.missing())


def _key(subject: str, unit_path: str = "unit_id", branch_path: str = "branch_id") -> str:
    return branch_path if subject == Subject.BRANCH else unit_path


def _only(queryset: QuerySet, key: str, only: int | None) -> QuerySet:
    return queryset if only is None else queryset.filter(**{key: only})


def _filter_obj(queryset: QuerySet, obj: Any, unit_path: str = "unit", branch_path: str = "branch"):
    if subject_of(obj) == Subject.BRANCH:
        return queryset.filter(**{branch_path: obj.pk})
    return queryset.filter(**{unit_path: obj.pk})


def _active_pairings(campaign: Any, on: datetime.date, kinds: list[str] | None = None) -> QuerySet:
    """Approved pairings in force on a date (Pairing.objects.in_force)."""
    from bangfu.campaigns.models import Pairing

    qs = Pairing.objects.filter(campaign=campaign).in_force(on)
    return qs.filter(kind__in=kinds) if kinds else qs


class PairingCoverage(Measure):
    key = "pairing_coverage"
    label = _("结对任务完成率")
    explanation = _("截止日在效的结对数占任务分配方案目标数的百分比;每类结对超出目标的部分不计。")
    unit = "%"
    defaults = {"kinds": []}
    subjects = (Subject.UNIT,)
    record_model = "campaigns.pairing"

    def values(self, campaign, period, subject, params=None, only=None):
        from bangfu.campaigns.progress import unit_progress

        if subject != Subject.UNIT:
            return {}
        kinds = self.options(params)["kinds"] or PairingKind.values
        out: dict[int, Decimal | None] = {}
        for row in unit_progress(campaign, _Everyone(), on=period.end):
            if only is not None and row.unit.pk != only:
                continue
            target = sum(row.kinds[k].target for k in kinds)
            done = sum(min(row.kinds[k].actual, row.kinds[k].target) for k in kinds)
            out[row.unit.pk] = _percent(done, target)
        return out

    def missing(self):
        return None  # no target: nothing to cover

    def records(self, obj, campaign, period, params=None):
        kinds = self.options(params)["kinds"] or None
        return _filter_obj(
            _active_pairings(campaign, period.end, kinds), obj, "branch__unit", "branch"
        ).select_related("branch", "member", "village", "household")


class VisitsPerPairingMonth(Measure):
    key = "visits_per_pairing_month"
    label = _("结对月均走访次数")
    explanation = _(
        "考核期内计入统计的走访类台账条数,除以截止日在效的结对数(可只算某几类结对)和考核期月数。"
    )
    unit = _("次/对/月")
    defaults = {"kinds": VISIT_KINDS, "pairing_kinds": []}

    def _activities(self, campaign, period, params):
        kinds = self.options(params)["kinds"]
        return counted_activities(campaign).filter(
            kind__in=kinds, date__gte=period.start, date__lte=period.end
        )

    def values(self, campaign, period, subject, params=None, only=None):
        key = _key(subject)
        pair_key = _key(subject, "branch__unit_id", "branch_id")
        pairing_kinds = self.options(params)["pairing_kinds"] or None
        pairings = _only(_active_pairings(campaign, period.end, pairing_kinds), pair_key, only)
        paired = dict(pairings.values_list(pair_key).annotate(n=Count("pk")).order_by())
        visits = _only(self._activities(campaign, period, params), key, only)
        counts = dict(visits.values_list(key).annotate(n=Count("pk")).order_by())
        months = period.months
        return {
            pk: (Decimal(counts.get(pk, 0)) / (n * months)).quantize(PLACES)
            for pk, n in paired.items()
            if n
        }

    def missing(self):
        return None  # no pairing: no visits due

    def records(self, obj, campaign, period, params=None):
        return _filter_obj(self._activities(campaign, period, params), obj)


class _ProblemMeasure(Measure):
    record_model = "ledger.problem"

    def _problems(self, campaign, period):
        from bangfu.ledger.models import Problem

        return Problem.objects.filter(
            campaign=campaign, raised_on__gte=period.start, raised_on__lte=period.end
        )

    @abstractmethod
    def _good(self, period) -> Q:
        """Which of the period's problems count as done well (solved; solved on time)."""

    def values(self, campaign, period, subject, params=None, only=None):
        key = _key(subject)
        rows = (
            _only(self._problems(campaign, period), key, only)
            .values_list(key)
            .annotate(n=Count("pk"), good=Count("pk", filter=self._good(period)))
            .order_by()
        )
        return {pk: _percent(good, n) for pk, n, good in rows}

    def missing(self):
        return None  # no problem raised: nothing to solve

    def records(self, obj, campaign, period, params=None):
        return _filter_obj(self._problems(campaign, period), obj)


SOLVED = [ProblemState.SOLVED, ProblemState.VERIFIED]


class ProblemsSolved(_ProblemMeasure):
    key = "problems_solved"
    label = _("问题解决率")
    explanation = _("考核期内提出的问题中,截止日前已解决(或已核实)的百分比。")
    unit = "%"

    def _good(self, period):
        return Q(state__in=SOLVED, solved_on__lte=period.end)


class ProblemsOnTime(_ProblemMeasure):
    key = "problems_on_time"
    label = _("问题按时解决率")
    explanation = _(
        "考核期内提出的问题中,在完成时限内解决的百分比(未定时限的,截止日前解决即算按时)。"
    )
    unit = "%"

    def _good(self, period):
        solved = Q(state__in=SOLVED, solved_on__lte=period.end)
        return solved & (Q(deadline__isnull=True) | Q(solved_on__lte=F("deadline")))


class HouseholdsLifted(Measure):
    key = "households_lifted"
    label = _("帮扶户脱贫率")
    explanation = _(
        "支部书记牵头帮扶的贫困户中,在行动年度脱贫(建档立卡状态为已脱贫)的户数;按比例计时为百分比。"
    )
    unit = "%"
    defaults = {"rate": True}
    record_model = "registry.household"

    def _pairings(self, campaign, period):
        return _active_pairings(campaign, period.end, [PairingKind.SECRETARY_HOUSEHOLD]).filter(
            household__isnull=False
        )

    def _lifted(self, campaign) -> Q:
        from bangfu.registry.choices import HouseholdStatus

        return Q(household__status=HouseholdStatus.LIFTED, household__exit_year=campaign.year)

    def values(self, campaign, period, subject, params=None, only=None):
        key = _key(subject, "branch__unit_id", "branch_id")
        rows = (
            _only(self._pairings(campaign, period), key, only)
            .values_list(key)
            .annotate(
                n=Count("household", distinct=True),
                lifted=Count("household", distinct=True, filter=self._lifted(campaign)),
            )
            .order_by()
        )
        if self.options(params)["rate"]:
            return {pk: _percent(lifted, n) for pk, n, lifted in rows}
        return {pk: Decimal(lifted) for pk, _n, lifted in rows}

    def missing(self):
        return None if self.options(self.params)["rate"] else Decimal(0)

    def records(self, obj, campaign, period, params=None):
        from bangfu.registry.models import Household

        pairings = _filter_obj(self._pairings(campaign, period), obj, "branch__unit", "branch")
        return Household.objects.filter(pk__in=pairings.values("household_id")).select_related(
            "village"
        )


class Projects(Measure):
    key = "projects"
    label = _("谋划引进项目数")
    explanation = _("考核期内登记的项目个数(已中止的不计)。")
    unit = _("个")
    defaults = {"states": [s for s in ProjectState.values if s != ProjectState.SUSPENDED]}
    record_model = "ledger.project"

    def _projects(self, campaign, period, params):
        from bangfu.ledger.models import Project

        return Project.objects.filter(
            campaign=campaign,
            date__gte=period.start,
            date__lte=period.end,
            state__in=self.options(params)["states"],
        )

    def values(self, campaign, period, subject, params=None, only=None):
        key = _key(subject)
        qs = _only(self._projects(campaign, period, params), key, only)
        return {pk: Decimal(n) for pk, n in qs.values_list(key).annotate(n=Count("pk")).order_by()}

    def records(self, obj, campaign, period, params=None):
        return _filter_obj(self._projects(campaign, period, params), obj)


class Funds(Measure):
    key = "funds"
    label = _("引进资金")
    explanation = _("考核期内计入统计的“引进资金”台账金额合计,单位万元。")
    unit = _("万元")

    def _activities(self, campaign, period):
        return counted_activities(campaign).filter(
            kind=ActivityKind.FUNDS, date__gte=period.start, date__lte=period.end
        )

    def values(self, campaign, period, subject, params=None, only=None):
        key = _key(subject)
        qs = _only(self._activities(campaign, period), key, only)
        rows = qs.values_list(key).annotate(total=Sum("amount")).order_by()
        return {pk: _as_decimal(Decimal(total or 0) / 10000) for pk, total in rows}

    def records(self, obj, campaign, period, params=None):
        return _filter_obj(self._activities(campaign, period), obj)


class EntryTimeliness(Measure):
    key = "entry_timeliness"
    label = _("台账录入及时率")
    explanation = _("考核期内的台账中,在活动日期后规定天数内录入系统的百分比(退回的也计)。")
    unit = "%"
    defaults = {"days": 7}

    def _activities(self, campaign, period):
        from bangfu.ledger.models import Activity

        return Activity.objects.filter(
            campaign=campaign, date__gte=period.start, date__lte=period.end
        )

    def _on_time(self, params) -> Q:
        days = self.options(params)["days"]
        return Q(entry_lag__lte=datetime.timedelta(days=days))

    def _annotated(self, campaign, period):
        lag = ExpressionWrapper(TruncDate("created") - F("date"), output_field=DurationField())
        return self._activities(campaign, period).annotate(entry_lag=lag)

    def values(self, campaign, period, subject, params=None, only=None):
        key = _key(subject)
        qs = _only(self._annotated(campaign, period), key, only)
        rows = (
            qs.values_list(key)
            .annotate(n=Count("pk"), good=Count(Case(When(self._on_time(params), then=1))))
            .order_by()
        )
        return {pk: _percent(good, n) for pk, n, good in rows}

    def missing(self):
        return None

    def records(self, obj, campaign, period, params=None):
        return _filter_obj(self._activities(campaign, period), obj)


class ReviewTimeliness(Measure):
    key = "review_timeliness"
    label = _("台账审核及时率")
    explanation = _(
        "考核期内提交的台账中,在提交后规定天数内审核(通过或退回)的百分比;"
        "超过天数仍未审核的算不及时,未到期的不计。"
    )
    unit = "%"
    defaults = {"days": 7}

    def _activities(self, campaign, period, params):
        from bangfu.ledger.choices import ReviewState
        from bangfu.ledger.models import Activity

        days = self.options(params)["days"]
        due_before = timezone.now() - datetime.timedelta(days=days)
        qs = Activity.objects.filter(
            campaign=campaign, date__gte=period.start, date__lte=period.end
        )
        # Reviewed ones (with a time), and waiting ones already past their due time.
        return qs.filter(
            Q(reviewed_at__isnull=False) | Q(state=ReviewState.SUBMITTED, created__lt=due_before)
        )

    def values(self, campaign, period, subject, params=None, only=None):
        key = _key(subject)
        days = self.options(params)["days"]
        lag = ExpressionWrapper(F("reviewed_at") - F("created"), output_field=DurationField())
        qs = _only(self._activities(campaign, period, params), key, only).annotate(review_lag=lag)
        on_time = Q(reviewed_at__isnull=False, review_lag__lte=datetime.timedelta(days=days))
        rows = (
            qs.values_list(key)
            .annotate(n=Count("pk"), good=Count(Case(When(on_time, then=1))))
            .order_by()
        )
        return {pk: _percent(good, n) for pk, n, good in rows}

    def missing(self):
        return None

    def records(self, obj, campaign, period, params=None):
        return _filter_obj(self._activities(campaign, period, params), obj)


MEASURES: dict[str, Measure] = {
    m.key: m()
    for m in (
        PairingCoverage,
        VisitsPerPairingMonth,
        ProblemsSolved,
        ProblemsOnTime,
        HouseholdsLifted,
        Projects,
        Funds,
        EntryTimeliness,
        ReviewTimeliness,
    )
}


def measure_for(key: str, params: dict[str, Any] | None = None) -> Measure:
    """The library's measure `key`, carrying an indicator's parameters."""
    return type(MEASURES[key])(params=dict(params or {}))
