"""A small scheme over the world fixture, shared by the assessment tests."""

from decimal import Decimal

from bangfu.assessment.models import Indicator, Scheme


def make_scheme(world, **options) -> Scheme:
    """Visits (60 points, full at 1 per pairing per month) and a hand item (40 points)."""
    scheme = Scheme.objects.create(campaign=world.campaign, name="2016年度考核", **options)
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
