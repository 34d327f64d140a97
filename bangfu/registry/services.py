"""Business actions on the registry: identification scoring (精准识别), exit review (脱贫退出)
and relapse monitoring (防返贫监测).

Pages, the batch run and tests all call these; the rules live here and nowhere else.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.geo.models import Region, VillageYear
from bangfu.registry.choices import (
    ExitCheck,
    FactSource,
    Health,
    HouseholdStatus,
    LabourAbility,
    LabourFact,
    PoorWhen,
    RelapseLevel,
    Schooling,
    SchoolingFact,
)
from bangfu.registry.models import (
    Household,
    HouseholdIncome,
    HouseholdScore,
    HouseholdScoreAnswer,
    Person,
    PovertyLine,
    ScoringItem,
    ScoringOption,
    ScoringSheet,
    points_text,
)

if TYPE_CHECKING:
    from bangfu.accounts.models import User

# Who counts as labour when a batch run reads the labour item from the registry: people with
# a labour ability, from this age; those seriously ill, disabled or older than ELDERLY_AGE
# count as weak labour (弱劳动力).
LABOUR_MIN_AGE = 16
ELDERLY_AGE = 60
# Village exit (贫困村退出): Guizhou required a poverty incidence below 3 percent.
VILLAGE_EXIT_INCIDENCE = Decimal("3")
# Relapse monitoring flags lifted households whose income per head is below the line times
# this factor as "at risk" (收入临界); a setting of the same name overrides it.
RELAPSE_RISK_FACTOR = Decimal("1.5")

CENT = Decimal("0.01")


def yuan(value: Decimal) -> str:
    """Yuan as written in reports: 2,952 or 2,399.67."""
    value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if value == value.to_integral():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _age(born: datetime.date | None, on: datetime.date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# --- Identification ------------------------------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """A fact read from the registry for a scoring item; `fact` None means it cannot be read."""

    fact: str | None
    reason: str


def derive_facts(household: Household, on: datetime.date | None = None) -> dict[str, Derived]:
    """What the registry says about the housing, labour and schooling looks of a household.

    Grain is never in the registry, and a dropped-out pupil needs a visit: those are left
    unanswered (fact None) so that nobody's answer is guessed.
    """
    on = on or timezone.localdate()
    people = list(household.people.all())
    facts = {
        FactSource.HOUSING: Derived(
            household.housing,
            _("登记住房情况:{housing}").format(housing=household.get_housing_display()),
        )
    }

    full = weak = 0
    for person in people:
        if person.labour_ability not in (LabourAbility.SKILLED, LabourAbility.ORDINARY):
            continue
        age = _age(person.birth_date, on)
        if age is not None and age < LABOUR_MIN_AGE:
            continue
        if (
            person.health in (Health.SERIOUS, Health.DISABLED)
            or person.disability
            or (age is not None and age > ELDERLY_AGE)
        ):
            weak += 1
        else:
            full += 1
    if full >= 2:
        labour = LabourFact.TWO_OR_MORE
    elif full == 1:
        labour = LabourFact.ONE
    elif weak:
        labour = LabourFact.WEAK_ONLY
    else:
        labour = LabourFact.NONE
    facts[FactSource.LABOUR] = Derived(
        labour,
        _("劳动力{full}人,弱劳动力{weak}人").format(full=full, weak=weak),
    )

    pupils = [p.schooling for p in people if p.schooling and p.schooling != Schooling.PRESCHOOL]
    if Schooling.DROPPED_OUT in pupils:
        facts[FactSource.SCHOOLING] = Derived(None, _("有辍学学生,须入户核实"))
    else:
        if Schooling.HIGHER in pupils:
            schooling = SchoolingFact.HIGHER
        elif Schooling.SENIOR in pupils or Schooling.VOCATIONAL in pupils:
            schooling = SchoolingFact.SENIOR
        elif pupils:
            schooling = SchoolingFact.COMPULSORY
        else:
            schooling = SchoolingFact.NONE
        counts: dict[str, int] = {}
        for value in pupils:
            counts[value] = counts.get(value, 0) + 1
        listed = "、".join(
            _("{stage}{n}人").format(stage=Schooling(value).label, n=n)
            for value, n in counts.items()
        )
        facts[FactSource.SCHOOLING] = Derived(
            schooling, _("在校生:{list}").format(list=listed) if listed else _("没有在校生")
        )
    return facts


def sheet_items(sheet: ScoringSheet) -> list[ScoringItem]:
    """The sheet's items in order, each with its options loaded."""
    return list(sheet.items.prefetch_related("options").order_by("order", "pk"))


@dataclass
class ProposedAnswers:
    """Answers a household's registry facts give, and the items they cannot answer (and why)."""

    household: Household
    answers: dict[int, ScoringOption] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)
    missing: list[tuple[ScoringItem, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def propose_answers(
    household: Household,
    sheet: ScoringSheet,
    items: list[ScoringItem] | None = None,
    on: datetime.date | None = None,
) -> ProposedAnswers:
    """Pre-answer the items whose source is in the registry; list the others as missing."""
    items = sheet_items(sheet) if items is None else items
    facts = derive_facts(household, on)
    proposal = ProposedAnswers(household)
    for item in items:
        if item.source == FactSource.MANUAL:
            proposal.missing.append((item, _("登记信息中没有这一项,须入户核实")))
            continue
        derived = facts[item.source]
        if derived.fact is None:
            proposal.missing.append((item, derived.reason))
            continue
        option = next((o for o in item.options.all() if derived.fact in (o.facts or [])), None)
        if option is None:
            proposal.missing.append(
                (
                    item,
                    _("{reason};评分表中没有对应的选项,须入户核实").format(reason=derived.reason),
                )
            )
            continue
        proposal.answers[item.pk] = option
        proposal.reasons[item.pk] = derived.reason
    return proposal


def _chosen_options(
    items: list[ScoringItem], answers: dict[Any, Any], sheet: ScoringSheet
) -> list[tuple[ScoringItem, ScoringOption]]:
    """Each item with its answered option; every problem named by its item, all at once."""
    if not items:
        raise ValidationError(_("评分表“{sheet}”还没有评分项。").format(sheet=sheet))
    try:
        answers = {int(k): int(v) for k, v in answers.items() if v not in (None, "")}
    except (TypeError, ValueError):
        raise ValidationError(_("答案格式不正确。")) from None
    errors, chosen = [], []
    known = {item.pk for item in items}
    for key in sorted(set(answers) - known):
        errors.append(_("第{key}项不属于评分表“{sheet}”。").format(key=key, sheet=sheet))
    for item in items:
        option_id = answers.get(item.pk)
        if option_id is None:
            errors.append(_("“{item}”未作答。").format(item=item.name))
            continue
        option = next((o for o in item.options.all() if o.pk == option_id), None)
        if option is None:
            errors.append(_("“{item}”的答案不是该项的选项。").format(item=item.name))
            continue
        chosen.append((item, option))
    if errors:
        raise ValidationError(errors)
    return chosen


def _record_score(
    household: Household,
    sheet: ScoringSheet,
    chosen: list[tuple[ScoringItem, ScoringOption]],
    user: User | None,
    date: datetime.date | None,
    note: str,
) -> HouseholdScore:
    total = sum((option.points for _item, option in chosen), Decimal(0))
    score = HouseholdScore.objects.create(
        household=household,
        sheet=sheet,
        date=date or timezone.localdate(),
        total=total,
        threshold=sheet.threshold,
        proposed_poor=sheet.proposes_poor(total),
        scored_by=user if getattr(user, "pk", None) else None,
        note=note,
    )
    for item, option in chosen:
        HouseholdScoreAnswer.objects.create(
            score=score, item=item, option=option, points=option.points
        )
    return score


def score_household(
    household: Household,
    sheet: ScoringSheet,
    answers: dict[int, int],
    user: User | None,
    *,
    date: datetime.date | None = None,
    note: str = "",
) -> HouseholdScore:
    """Score a household: every item answered with one of its options, each answer's points
    kept, the total judged against the sheet's threshold. One transaction.

    `answers` maps item id to option id. A user must be allowed to change the household
    (None: the system itself).
    """
    if (
        user is not None
        and not Household.objects.restrict(user, "change").filter(pk=household.pk).exists()
    ):
        raise PermissionDenied
    chosen = _chosen_options(sheet_items(sheet), answers, sheet)
    with transaction.atomic():
        return _record_score(household, sheet, chosen, user, date, note)


@dataclass(frozen=True)
class ExplanationLine:
    """One item of a score as a person reads it."""

    item: str
    option: str
    points: Decimal
    max_points: Decimal

    def __str__(self) -> str:
        return _("{item}:{option},得{points}分(满分{max}分)").format(
            item=self.item,
            option=self.option,
            points=points_text(self.points),
            max=points_text(self.max_points),
        )


def explain(score: HouseholdScore) -> list[ExplanationLine]:
    """The score item by item: what was chosen and the points it earned out of the item's."""
    answers = score.answers.select_related("item", "option").order_by("item__order", "item_id")
    return [
        ExplanationLine(a.item.name, a.option.label, a.points, a.item.max_points) for a in answers
    ]


def conclusion(score: HouseholdScore) -> str:
    """The proposal in words, against the threshold the score was judged by."""
    values = {"total": points_text(score.total), "threshold": points_text(score.threshold)}
    below = score.sheet.poor_when == PoorWhen.AT_OR_BELOW
    if score.proposed_poor:
        text = (
            _("总分{total}分,在识别门槛{threshold}分及以下,建议识别为贫困户。")
            if below
            else _("总分{total}分,在识别门槛{threshold}分及以上,建议识别为贫困户。")
        )
    else:
        text = (
            _("总分{total}分,高于识别门槛{threshold}分,建议不识别为贫困户。")
            if below
            else _("总分{total}分,低于识别门槛{threshold}分,建议不识别为贫困户。")
        )
    return text.format(**values)


@dataclass
class VillageScoringRow:
    """One household of a batch run: its proposal, and the score if every item was answered.

    For an incomplete household, `low`..`high` is the range its total can still reach, and
    `proposed_poor` is set only if the whole range falls on one side of the threshold.
    """

    household: Household
    proposal: ProposedAnswers
    score: HouseholdScore | None
    low: Decimal
    high: Decimal
    proposed_poor: bool | None


@dataclass
class VillageScoring:
    village: Region
    sheet: ScoringSheet
    rows: list[VillageScoringRow]

    @property
    def scored(self) -> list[VillageScoringRow]:
        return [r for r in self.rows if r.score is not None]

    @property
    def incomplete(self) -> list[VillageScoringRow]:
        return [r for r in self.rows if r.score is None]


def score_village(
    village: Region,
    sheet: ScoringSheet,
    user: User | None,
    on: datetime.date | None = None,
) -> VillageScoring:
    """Score every household of a village the user may change from its registry facts.

    Households whose every item the registry answers are scored (one transaction for the
    batch); the others are listed with the items that need a visit, never guessed.
    """
    items = sheet_items(sheet)
    households = Household.objects.filter(village=village)
    if user is not None:
        households = households.restrict(user, "change")
    households = households.prefetch_related("people").order_by("number")
    rows = []
    with transaction.atomic():
        for household in households:
            proposal = propose_answers(household, sheet, items, on)
            answered = sum((o.points for o in proposal.answers.values()), Decimal(0))
            if proposal.complete:
                chosen = [(item, proposal.answers[item.pk]) for item in items]
                score = _record_score(household, sheet, chosen, user, on, "")
                rows.append(
                    VillageScoringRow(
                        household, proposal, score, score.total, score.total, score.proposed_poor
                    )
                )
                continue
            low, high = answered, answered
            for item, _reason in proposal.missing:
                points = [o.points for o in item.options.all()] or [Decimal(0)]
                low += min(points)
                high += max(points)
            decided = sheet.proposes_poor(low) == sheet.proposes_poor(high)
            rows.append(
                VillageScoringRow(
                    household,
                    proposal,
                    None,
                    low,
                    high,
                    sheet.proposes_poor(low) if decided else None,
                )
            )
    return VillageScoring(village, sheet, rows)


# --- Exit review ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A failing check: its code (ExitCheck) and what a reviewer reads."""

    check: str
    message: str


# The two assurances and three guarantees (两不愁三保障) plus safe water, in review order.
GUARANTEES: list[tuple[str, str, Any]] = [
    ("food_ok", ExitCheck.FOOD, gettext_lazy("吃饭无保障")),
    ("clothing_ok", ExitCheck.CLOTHING, gettext_lazy("穿衣无保障")),
    ("education_ok", ExitCheck.EDUCATION, gettext_lazy("义务教育无保障")),
    ("medical_ok", ExitCheck.MEDICAL, gettext_lazy("基本医疗无保障")),
    ("housing_ok", ExitCheck.HOUSING, gettext_lazy("住房安全无保障")),
    ("water_ok", ExitCheck.WATER, gettext_lazy("饮水安全无保障")),
]


def guarantee_failures(household: Household) -> list[Failure]:
    return [
        Failure(check, str(message))
        for name, check, message in GUARANTEES
        if not getattr(household, name)
    ]


def poverty_line(year: int) -> Decimal | None:
    return PovertyLine.objects.filter(year=year).values_list("amount", flat=True).first()


def per_head(income: Decimal, people: int) -> Decimal:
    """Income per head, to the fen; compare with the exact product (income < line × people)."""
    return (Decimal(income) / people).quantize(CENT, rounding=ROUND_HALF_UP)


def _below_line(year: int, income: Decimal, people: int, line: Decimal) -> Failure | None:
    if income >= line * people:
        return None
    return Failure(
        ExitCheck.INCOME,
        _("人均纯收入{income}元,低于{year}年贫困线{line}元").format(
            income=yuan(per_head(income, people)), year=year, line=yuan(line)
        ),
    )


def _missing(year: int, income: Decimal | None, people: int, line: Decimal | None) -> list[Failure]:
    failures = []
    if income is None:
        failures.append(
            Failure(ExitCheck.INCOME_MISSING, _("缺少{year}年收入数据").format(year=year))
        )
    if line is None:
        failures.append(
            Failure(ExitCheck.LINE_MISSING, _("缺少{year}年贫困线标准").format(year=year))
        )
    if not people:
        failures.append(Failure(ExitCheck.NO_PEOPLE, _("该户没有登记家庭成员,无法计算人均纯收入")))
    return failures


@dataclass
class ExitReview:
    """A household's exit review for a year: the figures it used and every failing check."""

    household: Household
    year: int
    people: int
    income: Decimal | None
    line: Decimal | None
    failures: list[Failure]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def per_head(self) -> Decimal | None:
        if self.income is None or not self.people:
            return None
        return per_head(self.income, self.people)

    @property
    def messages(self) -> list[str]:
        return [f.message for f in self.failures]


def exit_review(household: Household, year: int) -> ExitReview:
    """Whether a household may exit poverty (脱贫退出) for `year`.

    Income per head is the year's total net income (wages, production, property, transfers:
    cooperative dividends arrive as property income) over the people registered in the
    household, and must reach the year's poverty line; every guarantee must hold. Missing
    income or a missing line fails the review: nobody exits on figures we do not have.
    """
    people = household.people.count()
    row = HouseholdIncome.objects.filter(household=household, year=year).first()
    income = row.total if row is not None else None
    line = poverty_line(year)
    failures = _missing(year, income, people, line)
    if income is not None and people and line is not None:
        below = _below_line(year, income, people, line)
        if below:
            failures.append(below)
    failures += guarantee_failures(household)
    return ExitReview(household, year, people, income, line, failures)


def latest_income_year(household: Household) -> int | None:
    return (
        HouseholdIncome.objects.filter(household=household)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


@dataclass
class VillageExitReview:
    village: Region
    year: int
    incidence: Decimal | None
    threshold: Decimal
    failures: list[Failure]

    @property
    def passed(self) -> bool:
        return not self.failures


def village_exit_review(
    village: Region, year: int, threshold: Decimal = VILLAGE_EXIT_INCIDENCE
) -> VillageExitReview:
    """Whether a poor village may exit (贫困村退出) for `year`: its poverty incidence
    (poor population over population, from its yearly facts) must be below `threshold` percent."""
    facts = VillageYear.objects.filter(village=village, year=year).first()
    failures = []
    incidence = facts.incidence if facts is not None else None
    if facts is None:
        failures.append(
            Failure(
                ExitCheck.VILLAGE_DATA_MISSING, _("缺少{year}年村年度情况数据").format(year=year)
            )
        )
    elif incidence is None:
        failures.append(
            Failure(
                ExitCheck.VILLAGE_DATA_MISSING,
                _("{year}年总人口为0,无法计算贫困发生率").format(year=year),
            )
        )
    elif incidence >= threshold:
        failures.append(
            Failure(
                ExitCheck.INCIDENCE,
                _("贫困发生率{incidence}%,未低于退出标准{threshold}%").format(
                    incidence=incidence, threshold=points_text(threshold)
                ),
            )
        )
    return VillageExitReview(village, year, incidence, threshold, failures)


# --- Relapse monitoring --------------------------------------------------------------------


def relapse_risk_factor() -> Decimal:
    return Decimal(str(getattr(settings, "BANGFU_RELAPSE_RISK_FACTOR", RELAPSE_RISK_FACTOR)))


@dataclass
class RelapseFlag:
    """A lifted-out household that monitoring flags, how badly, and why."""

    household: Household
    year: int
    level: str
    people: int
    income: Decimal | None
    line: Decimal | None
    reasons: list[str]

    @property
    def per_head(self) -> Decimal | None:
        if self.income is None or not self.people:
            return None
        return per_head(self.income, self.people)

    def get_level_display(self) -> str:
        return str(RelapseLevel(self.level).label)


LEVEL_ORDER = {level: i for i, level in enumerate(RelapseLevel.values)}


def relapse_monitoring(queryset: QuerySet, year: int) -> list[RelapseFlag]:
    """Flag the lifted-out households of `queryset` whose `year` falls back (防返贫监测).

    Income per head below the line or any guarantee lost: relapse risk. Below the line times
    the risk factor: at risk. No income, no line or no people for the year: missing data,
    flagged rather than presumed fine. The database narrows the candidates; each is then
    judged here with the same rules as the exit review. Worst first, then by number.
    """
    line = poverty_line(year)
    factor = relapse_risk_factor()
    total = (
        F("wage_income")
        + F("production_income")
        + F("property_income")
        + F("transfer_income")
        + F("unsourced_income")
    )
    income = Subquery(
        HouseholdIncome.objects.filter(household=OuterRef("pk"), year=year)
        .annotate(t=total)
        .values("t")[:1],
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
    )
    people = Subquery(
        Person.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=models.IntegerField(),
    )
    lifted = queryset.filter(status=HouseholdStatus.LIFTED).annotate(
        year_income=income, people_count=people
    )
    if line is not None:
        lost = Q()
        for name, _check, _message in GUARANTEES:
            lost |= Q(**{name: False})
        lifted = lifted.filter(
            lost
            | Q(year_income__isnull=True)
            | Q(people_count__isnull=True)
            | Q(
                year_income__lt=ExpressionWrapper(
                    F("people_count") * Value(line * factor),
                    output_field=models.DecimalField(max_digits=16, decimal_places=4),
                )
            )
        )
    flags = []
    for household in lifted.select_related("village").order_by("number"):
        n = household.people_count or 0
        value = household.year_income
        levels, reasons = set(), []
        guarantees = guarantee_failures(household)
        if guarantees:
            levels.add(RelapseLevel.RELAPSE)
        missing = _missing(year, value, n, line)
        if missing:
            levels.add(RelapseLevel.NO_DATA)
        if value is not None and n and line is not None:
            below = _below_line(year, value, n, line)
            if below:
                levels.add(RelapseLevel.RELAPSE)
                reasons.append(below.message)
            elif value < line * factor * n:
                levels.add(RelapseLevel.AT_RISK)
                reasons.append(
                    _("人均纯收入{income}元,低于{year}年贫困线的{factor}倍({limit}元)").format(
                        income=yuan(per_head(value, n)),
                        year=year,
                        factor=points_text(factor),
                        limit=yuan(line * factor),
                    )
                )
        reasons += [f.message for f in missing] + [f.message for f in guarantees]
        if levels:
            level = min(levels, key=LEVEL_ORDER.__getitem__)
            flags.append(RelapseFlag(household, year, level, n, value, line, reasons))
    flags.sort(key=lambda f: LEVEL_ORDER[f.level])
    return flags


def monitoring_year(queryset: QuerySet) -> int:
    """The year monitoring looks at by default: the latest with income of a lifted household
    in `queryset`, else the latest poverty line, else this year."""
    latest = (
        HouseholdIncome.objects.filter(
            household__in=queryset.filter(status=HouseholdStatus.LIFTED).values("pk")
        )
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if latest is None:
        latest = PovertyLine.objects.order_by("-year").values_list("year", flat=True).first()
    return latest or timezone.localdate().year


def mark_monitored(household: Household, user: User | None) -> Household:
    """Make a lifted-out household a monitoring target (监测对象) through the normal save, so
    the change log records who did it. Only a user who may change the household may."""
    with transaction.atomic():
        households = Household.objects.all()
        if user is not None:
            households = households.restrict(user, "change")
        current = households.select_for_update(of=("self",)).filter(pk=household.pk).first()
        if current is None:
            raise PermissionDenied
        if current.status != HouseholdStatus.LIFTED:
            raise ValidationError(
                _("只有已脱贫户可以纳入监测对象,该户现为“{status}”。").format(
                    status=current.get_status_display()
                )
            )
        current.status = HouseholdStatus.MONITORED
        current.save()
    return current
