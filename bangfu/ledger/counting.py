"""Which ledger entries count: the one rule every figure, ledger layout and score uses.

A campaign counts accepted entries, and also submitted ones when `count_submitted` is set;
returned entries never count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from bangfu.ledger.choices import ReviewState

if TYPE_CHECKING:
    from bangfu.campaigns.models import Campaign


def counted_states(campaign: Campaign) -> list[str]:
    """The review states that count toward the campaign's figures."""
    states = [ReviewState.ACCEPTED.value]
    if campaign.count_submitted:
        states.append(ReviewState.SUBMITTED.value)
    return states


def counted_activities(campaign: Campaign, queryset: QuerySet | None = None) -> QuerySet:
    """The campaign's activities that count (narrowing `queryset` if given, e.g. a restricted one)."""
    from bangfu.ledger.models import Activity

    qs = Activity.objects.all() if queryset is None else queryset
    return qs.filter(campaign=campaign, state__in=counted_states(campaign))
