"""A small scheme over the world fixture, shared by the assessment tests."""

from decimal import Decimal

from bangfu.assessment.models import Indicator, Scheme


def make_scheme(world, **options) -> Scheme:
    """Visits (60 points, full at 1 per pairing per month) and a hand item (40 points)."""
    options.setdefault("name", "2016年度考核")
    scheme = Scheme.objects.create(campaign=world.campaign, **options)
    Indicator.objects.create(
        scheme=scheme,
        order=1,
        name="走访频次",
        measure="visits_per_pairing_month",
        weight=Decimal(60),
        target=Decimal(1),
    )
    Indicator.objects.create(
        scheme=scheme, order=2, name="工作创新", kind="manual", weight=Decimal(40)
    )
    return scheme


def one_of_each(world) -> list:
    """One saved instance of every assessment model (for the change-log test)."""
    from bangfu.assessment.models import AssessmentResult, HandScore, IndicatorScore, ResultSet

    scheme = make_scheme(world)
    manual = scheme.indicators.get(kind="manual")
    hand = HandScore.objects.create(indicator=manual, unit=world.unit_a, points=5, comment="好")
    result_set = ResultSet.objects.create(
        scheme=scheme, version=1, period_start=world.campaign.start, period_end=world.campaign.end
    )
    result = AssessmentResult.objects.create(
        result_set=result_set, subject="unit", unit=world.unit_a, score=50, grade="fail", rank=1
    )
    score = IndicatorScore.objects.create(result=result, indicator=manual, points=5, comment="好")
    return [scheme, manual, hand, result_set, result, score]
