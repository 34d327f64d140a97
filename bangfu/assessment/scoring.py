"""Scoring: every unit's and branch's points, score, grade and rank under a scheme.

One pass: each indicator's measure is asked once for all units (or branches), so the number
of queries depends on the number of indicators, not of units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from bangfu.assessment.choices import Grade, GradeMethod, IndicatorKind, Subject
from bangfu.assessment.measures import Period, measure_for
from bangfu.assessment.models import Indicator, Scheme

CENT = Decimal("0.01")


def points_for(
    indicator: Indicator, value: Decimal | None, subject: str = Subject.UNIT
) -> Decimal | None:
    """A measured value's points: linear from `zero_at` (0 points) to the target (the weight),
    held between the indicator's floor and cap. None stays None (the indicator does not apply).
    """
    if value is None:
        return None
    target = Decimal(indicator.target_for(subject))
    span = target - indicator.zero_at
    raw = indicator.weight * (Decimal(value) - indicator.zero_at) / span
    held = min(Decimal(indicator.cap), max(Decimal(indicator.min_points), raw))
    return held.quantize(CENT, ROUND_HALF_UP)


@dataclass
class Line:
    indicator: Indicator
    value: Decimal | None
    points: Decimal | None
    comment: str = ""

    @property
    def applies(self) -> bool:
        return self.points is not None


@dataclass
class Row:
    subject: str
    unit: Any
    branch: Any = None
    lines: list[Line] = field(default_factory=list)
    score: Decimal = Decimal(0)
    grade: str = ""
    rank: int = 0

    @property
    def obj(self) -> Any:
        return self.branch if self.branch is not None else self.unit

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label) if self.grade else ""

    @property
    def name(self) -> str:
        if self.branch is not None:
            return f"{self.unit.short_name or self.unit.name} {self.branch.name}"
        return self.unit.name


def total_score(lines: list[Line], total_weight: Decimal) -> Decimal:
    """The sum of points, scaled up to the full weight when some indicators do not apply."""
    applicable = sum((ln.indicator.weight for ln in lines if ln.applies), Decimal(0))
    if not applicable:
        return Decimal(0)
    points = sum((ln.points for ln in lines if ln.applies), Decimal(0))
    return (points * total_weight / applicable).quantize(CENT, ROUND_HALF_UP)


def rank_and_grade(scheme: Scheme, rows: list[Row]) -> list[Row]:
    """Rank rows by score (ties share a rank: 1, 2, 2, 4) and grade them by the scheme."""
    rows.sort(key=lambda r: (-r.score, r.name))
    previous = None
    for position, row in enumerate(rows, start=1):
        row.rank = previous.rank if previous and previous.score == row.score else position
        previous = row
    n = len(rows)
    excellent_n = math.floor(n * scheme.excellent_share / 100)
    good_n = math.floor(n * (scheme.excellent_share + scheme.good_share) / 100)
    for row in rows:
        if scheme.grade_method == GradeMethod.RANK_SHARE:
            if row.score < scheme.pass_min:
                row.grade = Grade.FAIL
            elif row.rank <= excellent_n:
                row.grade = Grade.EXCELLENT
            elif row.rank <= good_n:
                row.grade = Grade.GOOD
            else:
                row.grade = Grade.PASS
        elif row.score >= scheme.excellent_min:
            row.grade = Grade.EXCELLENT
        elif row.score >= scheme.good_min:
            row.grade = Grade.GOOD
        elif row.score >= scheme.pass_min:
            row.grade = Grade.PASS
        else:
            row.grade = Grade.FAIL
    return rows


def assessed_units(scheme: Scheme) -> list[Any]:
    """Units with a target in the campaign or a pairing in it."""
    from bangfu.orgs.models import Unit

    campaign = scheme.campaign
    return list(
        Unit.objects.filter(
            Q(targets__campaign=campaign) | Q(branches__pairings__campaign=campaign)
        ).distinct()
    )


def assessed_branches(scheme: Scheme) -> list[Any]:
    """Branches with an approved pairing in the campaign."""
    from bangfu.campaigns.choices import PairingState
    from bangfu.orgs.models import Branch

    return list(
        Branch.objects.filter(
            pairings__campaign=scheme.campaign, pairings__state=PairingState.APPROVED
        )
        .distinct()
        .select_related("unit")
    )


def compute(scheme: Scheme, subject: str = Subject.UNIT) -> list[Row]:
    """Every unit's (or branch's) lines, score, grade and rank, from today's records."""
    period = Period.of(scheme)
    indicators = list(scheme.indicators.all())
    total_weight = sum((i.weight for i in indicators), Decimal(0))
    if subject == Subject.UNIT:
        rows = [Row(subject, unit) for unit in assessed_units(scheme)]
    else:
        rows = [Row(subject, b.unit, b) for b in assessed_branches(scheme)]
    for indicator in indicators:
        if indicator.kind == IndicatorKind.MANUAL:
            hand = (
                {h.unit_id: h for h in indicator.hand_scores.all()}
                if subject == Subject.UNIT
                else {}
            )
            for row in rows:
                if subject != Subject.UNIT:
                    row.lines.append(Line(indicator, None, None))
                    continue
                given = hand.get(row.unit.pk)
                if given is None:
                    row.lines.append(Line(indicator, None, indicator.min_points, _("未评分")))
                else:
                    row.lines.append(Line(indicator, None, given.points, given.comment))
            continue
        measure = measure_for(indicator.measure, indicator.params)
        if not measure.applies_to(subject):
            for row in rows:
                row.lines.append(Line(indicator, None, None))
            continue
        values = measure.values(scheme.campaign, period, subject)
        for row in rows:
            value = values.get(row.obj.pk, measure.missing())
            row.lines.append(Line(indicator, value, points_for(indicator, value, subject)))
    for row in rows:
        row.score = total_score(row.lines, total_weight)
    return rank_and_grade(scheme, rows)
