"""What is due for a user (待办提醒), from one definition per role (ROLE_DUE): claims to approve,
entries to review, returned entries to fix, overdue problems and project milestones, pairings
with no visit this month. Each kind is one queryset (one query to count); the menu's badge and
the reminders page both read it, and each count links to exactly its records."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.choices import Role
from bangfu.campaigns.choices import PairingState
from bangfu.campaigns.models import Campaign, Pairing
from bangfu.ledger import services
from bangfu.ledger.books import Period
from bangfu.ledger.choices import ReviewState
from bangfu.ledger.models import Activity, ActivityParticipant, Problem, ProjectMilestone

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
    """Entries the committee returned, to fix: those the user wrote or took part in and, for a
    branch secretary, every entry of the branch (an imported or office-made entry has no
    author, and a member without an account cannot fix their own)."""
    if not user.has_perm("ledger.view_activity"):
        return Activity.objects.none()
    own = Q(author=user)
    if user.member_id:
        own |= Q(
            pk__in=ActivityParticipant.objects.filter(member_id=user.member_id).values(
                "activity_id"
            )
        )
    if user.role == Role.BRANCH_SECRETARY and user.branch_id:
        own |= Q(branch_id=user.branch_id)
    return (
        Activity.objects.restrict(user, "view")
        .filter(own, state=ReviewState.RETURNED)
        .select_related("village", "unit")
        .order_by("-date", "-pk")
    )


def claims_to_approve(user: Any) -> QuerySet:
    """Branches' claims waiting for this user's approval (the unit committee's queue)."""
    return (
        Pairing.objects.restrict(user, "approve")
        .filter(state=PairingState.PENDING)
        .select_related("branch__unit", "village")
        .order_by("created", "pk")
    )


def entries_to_review(user: Any) -> QuerySet:
    """Submitted entries this user reviews, in the review queue's order."""
    return (
        services.reviewable(user).select_related("village", "unit", "branch").order_by("date", "pk")
    )


def overdue_milestones(user: Any, today: datetime.date | None = None) -> QuerySet:
    """Project milestones past their date and not done, in the user's scope."""
    return (
        ProjectMilestone.objects.restrict(user, "view")
        .filter(done_on__isnull=True, due__lt=today or datetime.date.today())
        .select_related("project__village", "project__unit")
        .order_by("due", "pk")
    )


def unvisited_pairings(user: Any, month: Period) -> QuerySet:
    """Pairings in force in the month (in a campaign running then) that no visit reached:
    no counted or submitted entry linked to the pairing, nor one by the same branch in the
    same village (for a 帮户 pairing: one for its household), dated in the month."""
    if not user.has_perm("campaigns.view_pairing"):
        return Pairing.objects.none()
    visits = Activity.objects.filter(state__in=VISIT_STATES, date__range=(month.start, month.end))
    # Two EXISTS rather than one with OR: each can use an index (pairing; branch and village).
    linked = visits.filter(pairing_id=OuterRef("pk"))
    same_place = visits.filter(branch_id=OuterRef("branch_id"), village_id=OuterRef("village_id"))
    to_household = visits.filter(households=OuterRef("household_id"))
    return (
        Pairing.objects.restrict(user, "view")
        .in_force_during(month.start, month.end)
        .filter(campaign__start__lte=month.end, campaign__end__gte=month.start)
        .filter(~Exists(linked))
        .filter(
            (Q(household__isnull=True) & ~Exists(same_place))
            | (Q(household__isnull=False) & ~Exists(to_household))
        )
        .select_related("branch__unit", "village", "member", "household")
        .order_by("branch__unit__name", "branch_id", "kind", "pk")
    )


@dataclass(frozen=True)
class DueKind:
    """One kind of due work: how to find it and where its full list lives."""

    key: str
    label: Promise
    find: Callable[[Any, datetime.date, Period], QuerySet]
    # The page listing exactly these records; None: the reminders page's own section.
    url_name: str | None = None


DUE_KINDS: dict[str, DueKind] = {
    kind.key: kind
    for kind in (
        DueKind(
            "claims", _("待审批的认领"), lambda u, t, m: claims_to_approve(u), "campaigns:approvals"
        ),
        DueKind("review", _("待审核的台账"), lambda u, t, m: entries_to_review(u), "ledger:review"),
        DueKind("returned", _("退回待修改的台账"), lambda u, t, m: returned_entries(u)),
        DueKind("overdue", _("逾期未解决的问题"), lambda u, t, m: overdue_problems(u, t)),
        DueKind("milestones", _("逾期未完成的项目节点"), lambda u, t, m: overdue_milestones(u, t)),
        DueKind("unvisited", _("尚未走访的结对"), lambda u, t, m: unvisited_pairings(u, m)),
    )
}

# What each role must act on. The unit committee approves and reviews for its unit; the
# branch's secretary and members fix returned entries, solve problems and visit their
# pairings; the village team follows its village's problems and projects. The office and
# viewers oversee (the dashboard and drill-downs), so nothing waits on them here.
ROLE_DUE: dict[str, tuple[str, ...]] = {
    Role.OFFICE: ("returned",),
    Role.UNIT_ADMIN: ("claims", "review", "returned", "overdue", "milestones", "unvisited"),
    Role.BRANCH_SECRETARY: ("returned", "overdue", "milestones", "unvisited"),
    Role.MEMBER: ("returned", "overdue", "unvisited"),
    Role.VILLAGE_TEAM: ("returned", "overdue", "milestones"),
    Role.VIEWER: (),
}


@dataclass
class Reminders:
    """Everything due for one user, by kind; querysets are lazy, counted or listed by the caller."""

    today: datetime.date
    month: Period
    kinds: tuple[DueKind, ...]
    found: dict[str, QuerySet]

    def __getattr__(self, name: str) -> QuerySet:
        """A kind's queryset by key (due.review); a kind the role lacks is empty."""
        found = self.__dict__.get("found", {})
        if name in found:
            return found[name]
        if name in DUE_KINDS:
            return Activity.objects.none()
        raise AttributeError(name)

    def counts(self) -> dict[str, int]:
        return {key: qs.count() for key, qs in self.found.items()}

    def links(self) -> dict[str, str]:
        """Where each kind's records are listed in full (the queue pages)."""
        return {k.key: reverse(k.url_name) for k in self.kinds if k.url_name}

    def campaign_running(self) -> bool:
        """Whether any campaign runs in the month (else no pairing is due a visit)."""
        return Campaign.objects.filter(
            start__lte=self.month.end, end__gte=self.month.start
        ).exists()


def due_kinds(user: Any) -> tuple[DueKind, ...]:
    """The kinds of work that wait on this user's role."""
    role = Role.OFFICE if user.is_superuser else user.role
    return tuple(DUE_KINDS[key] for key in ROLE_DUE.get(role, ()))


def reminders_for(
    user: Any, today: datetime.date | None = None, month: Period | None = None
) -> Reminders:
    """What waits on the user, from their role's definition (ROLE_DUE)."""
    today = today or datetime.date.today()
    month = month or Period.month(today.year, today.month)
    kinds = due_kinds(user)
    return Reminders(
        today=today,
        month=month,
        kinds=kinds,
        found={kind.key: kind.find(user, today, month) for kind in kinds},
    )


def reminder_count(user: Any, today: datetime.date | None = None) -> int:
    """The number on the menu's badge: one COUNT query per kind of the role, none per row."""
    return sum(reminders_for(user, today).counts().values())
