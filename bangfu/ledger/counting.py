"""Which ledger entries count: the one rule every figure, ledger layout, score and summary
table uses.

A campaign counts accepted entries, and also submitted ones when `count_submitted` is set;
returned entries never count. The summary tables (dashboard.tallies) keep every entry that
may count under either setting (`countable_q`), per review state, and the figures then take
the campaign's states from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from bangfu.ledger.choices import ReviewState

if TYPE_CHECKING:
    from bangfu.campaigns.models import Campaign

# The states that count under some campaign setting, the first always.
COUNTABLE_STATES = (ReviewState.ACCEPTED.value, ReviewState.SUBMITTED.value)


def counted_states(campaign: Campaign) -> list[str]:
    """The review states that count toward the campaign's figures."""
    return [
        state
        for state in COUNTABLE_STATES
        if state == ReviewState.ACCEPTED or campaign.count_submitted
    ]


def countable_q() -> Q:
    """Entries that may count, whatever the campaign's setting (returned ones never do)."""
    return Q(state__in=COUNTABLE_STATES)


def counted_activities(campaign: Campaign, queryset: QuerySet | None = None) -> QuerySet:
    """The campaign's activities that count (narrowing `queryset` if given, e.g. a restricted one)."""
    from bangfu.ledger.models import Activity

    qs = Activity.objects.all() if queryset is None else queryset
    return qs.filter(campaign=campaign, state__in=counted_states(campaign))
