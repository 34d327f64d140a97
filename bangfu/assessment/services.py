"""Business actions on schemes and results; views, the demo and tests all go through these."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.assessment.choices import Subject
from bangfu.assessment.measures import Period
from bangfu.assessment.models import (
    AssessmentResult,
    HandScore,
    Indicator,
    IndicatorScore,
    ResultSet,
    Scheme,
)
from bangfu.assessment.scoring import compute


def _copy_indicators(source: Scheme, target: Scheme, hand_scores: bool) -> None:
    for indicator in source.indicators.all():
        hands = list(indicator.hand_scores.all()) if hand_scores else []
        indicator.pk = None
        indicator._state.adding = True
        indicator.scheme = target
        indicator.save()
        for hand in hands:
            hand.pk = None
            hand._state.adding = True
            hand.indicator = indicator
            hand.save()


@transaction.atomic
def copy_scheme(scheme: Scheme, campaign: Any, name: str | None = None) -> Scheme:
    """A new scheme (version 1) for another campaign year with the same indicators and grades.

    Hand scores stay behind: they judged the old year's work.
    """
    new = Scheme.objects.get(pk=scheme.pk)
    new.pk = None
    new._state.adding = True
    new.campaign = campaign
    new.name = name or scheme.name
    new.version = 1
    new.previous = None
    new.period_start = new.period_end = None
    new.full_clean()
    new.save()
    _copy_indicators(scheme, new, hand_scores=False)
    return new


@transaction.atomic
def new_version(scheme: Scheme) -> Scheme:
    """The next version of a scheme: same rules and hand scores, ready to be edited."""
    latest = (
        Scheme.objects.filter(campaign=scheme.campaign, name=scheme.name).aggregate(
            v=Max("version")
        )["v"]
        or 0
    )
    new = Scheme.objects.get(pk=scheme.pk)
    new.pk = None
    new._state.adding = True
    new.version = latest + 1
    new.previous = scheme
    new.save()
    _copy_indicators(scheme, new, hand_scores=True)
    return new


def editable_scheme(scheme: Scheme) -> Scheme:
    """The scheme itself while no result uses it; once in use, a new version to change."""
    return new_version(scheme) if scheme.in_use else scheme


@transaction.atomic
def remove_indicator(indicator: Indicator) -> Scheme:
    """Delete an indicator (with its hand scores); in a scheme in use, from a new version.

    Returns the scheme the indicator was removed from.
    """
    scheme = indicator.scheme
    target = editable_scheme(scheme)
    if target.pk != scheme.pk:
        position = [i.pk for i in scheme.indicators.all()].index(indicator.pk)
        indicator = list(target.indicators.all())[position]
    indicator.delete()
    return target


def latest_version(scheme: Scheme) -> Scheme:
    return (
        Scheme.objects.filter(campaign=scheme.campaign, name=scheme.name)
        .order_by("-version")
        .first()
    )


def save_hand_score(
    indicator: Indicator, unit: Any, points: Any, comment: str, user: Any
) -> HandScore:
    """Give a unit points on a hand-scored item; the comment saying why is required."""
    hand = HandScore.objects.filter(indicator=indicator, unit=unit).first() or HandScore(
        indicator=indicator, unit=unit
    )
    hand.points = points
    hand.comment = (comment or "").strip()
    hand.scored_by = user
    hand.full_clean()
    hand.save()
    return hand


@transaction.atomic
def freeze(scheme: Scheme, user: Any = None, note: str = "") -> ResultSet:
    """Compute every unit's and branch's score now and store it as the next result version.

    The stored rows keep the values and points as they are now; later changes to records
    only show in a later version.
    """
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    version = (scheme.result_sets.aggregate(v=Max("version"))["v"] or 0) + 1
    period = Period.of(scheme)
    result_set = ResultSet.objects.create(
        scheme=scheme,
        version=version,
        period_start=period.start,
        period_end=period.end,
        frozen_by=user,
        note=note,
    )
    for subject in (Subject.UNIT, Subject.BRANCH):
        rows = compute(scheme, subject)
        results = AssessmentResult.objects.bulk_create(
            [
                AssessmentResult(
                    result_set=result_set,
                    subject=subject,
                    unit=row.unit,
                    branch=row.branch,
                    score=row.score,
                    grade=row.grade,
                    rank=row.rank,
                )
                for row in rows
            ],
            batch_size=500,
        )
        IndicatorScore.objects.bulk_create(
            [
                IndicatorScore(
                    result=result,
                    indicator=line.indicator,
                    value=line.value,
                    points=line.points,
                    comment=line.comment,
                )
                for result, row in zip(results, rows, strict=True)
                for line in row.lines
            ],
            batch_size=1000,
        )
    return result_set


def publish(result_set: ResultSet, user: Any = None) -> ResultSet:
    """Show a frozen result set to units and leaders (within their scope)."""
    if result_set.is_published:
        raise ValidationError(_("这一版结果已发布。"))
    result_set.published_at = timezone.now()
    result_set.save()
    return result_set


def unpublish(result_set: ResultSet) -> ResultSet:
    result_set.published_at = None
    result_set.save()
    return result_set
