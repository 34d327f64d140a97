"""What is due for a user (待办提醒): overdue problems, entries returned to them, and pairings
in their scope with no visit this month. Each kind is one queryset (one query to count)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from bangfu.campaigns.models import Pairing
from bangfu.ledger.books import Period
from bangfu.ledger.choices import ReviewState
from bangfu.ledger.models import Activity, ActivityParticipant, Problem

# A visit is an entry that counts or still waits for review (whatever the campaign's setting,
# that is accepted or submitted); a returned entry is not a visit until it is fixed.
VISIT_STATES = (ReviewState.ACCEPTED, ReviewState.SUBMITTED)


def overdue_problems(user: Any, today: datetime.date | None = None) -> QuerySet:
    """Problems past their deadline and not solved, that the user owns or has in scope."""
    if not user.has_perm("ledger.view_problem"):
        return Problem.objects.none()
    mine = Q(pk__in=Problem.objects.restrict(user, "view").values("pk"))
    if user.member_id:
        mine |= Q(owner_id=user.member_id)
    return (
        Problem.objects.filter(Problem.overdue_q(today))
        .filter(mine)
        .select_related("village", "unit", "owner")
        .order_by("deadline", "pk")
    )


def returned_entries(user: Any) -> QuerySet:
    """Entries the committee returned that the user wrote or took part in, to fix."""
    if not user.has_perm("ledger.view_activity"):
        return Activity.objects.none()
    own = Q(author=user)
    if user.member_id:
        own |= Q(
            pk__in=ActivityParticipant.objects.filter(member_id=user.member_id).values(
                "activity_id"
            )
        )
    return (
        Activity.objects.restrict(user, "view")
        .filter(own, state=ReviewState.RETURNED)
        .select_related("village", "unit")
        .order_by("-date", "-pk")
    )


def unvisited_pairings(user: Any, month: Period) -> QuerySet:
    """Pairings in force in the month (in a campaign running then) that no visit reached:
    no counted or submitted entry linked to the pairing, nor one by the same branch in the
    same village, dated in the month."""
    if not user.has_perm("campaigns.view_pairing"):
        return Pairing.objects.none()
    visits = Activity.objects.filter(state__in=VISIT_STATES, date__range=(month.start, month.end))
    # Two EXISTS rather than one with OR: each can use an index (pairing; branch and village).
    linked = visits.filter(pairing_id=OuterRef("pk"))
    same_place = visits.filter(branch_id=OuterRef("branch_id"), village_id=OuterRef("village_id"))
    return (
        Pairing.objects.restrict(user, "view")
        .in_force_during(month.start, month.end)
        .filter(campaign__start__lte=month.end, campaign__end__gte=month.start)
        .filter(~Exists(linked), ~Exists(same_place))
        .select_related("branch__unit", "village", "member", "household")
        .order_by("branch__unit__name", "branch_id", "kind", "pk")
    )


@dataclass
class Reminders:
    """Everything due for one user; querysets are lazy, counted or listed by the caller."""

    today: datetime.date
    month: Period
    overdue: QuerySet
    returned: QuerySet
    unvisited: QuerySet

    def counts(self) -> dict[str, int]:
        return {
            "overdue": self.overdue.count(),
            "returned": self.returned.count(),
            "unvisited": self.unvisited.count(),
        }


def reminders_for(
    user: Any, today: datetime.date | None = None, month: Period | None = None
) -> Reminders:
    today = today or datetime.date.today()
    month = month or Period.month(today.year, today.month)
    return Reminders(
        today=today,
        month=month,
        overdue=overdue_problems(user, today),
        returned=returned_entries(user),
        unvisited=unvisited_pairings(user, month),
    )


def reminder_count(user: Any, today: datetime.date | None = None) -> int:
    """The number on the menu's badge: three COUNT queries, none per row."""
    return sum(reminders_for(user, today).counts().values())
