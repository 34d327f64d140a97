"""What happens to ledger records after they are written: review, and problems moving on.

Every change goes through `save()` on the instance so the change log records who did it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.ledger import rules
from bangfu.ledger.choices import ProblemState, ReviewState
from bangfu.ledger.models import Activity, Problem

if TYPE_CHECKING:
    from bangfu.orgs.models import Member
    from bangfu.registry.models import Household

REVIEW_PERMISSION = "ledger.review_activity"


def record_activity(
    activity: Activity,
    participants: Iterable[Member],
    households: Iterable[Household] | None = None,
    user: Any = None,
) -> Activity:
    """Save a ledger entry under the entry rules (ledger.rules), with exactly these
    participants (each one person-visit) and, if given, households; `user` is the author of a
    new entry. The form, and so the API, save through here."""
    participants = list(participants)
    households = None if households is None else list(households)
    if activity.branch_id and not activity.unit_id:
        activity.unit_id = activity.branch.unit_id
    people = rules.people_problems(
        activity.unit if activity.unit_id else None,
        activity.village if activity.village_id else None,
        participants,
        households or [],
    )
    rules.refuse(rules.check_activities([activity]) + [(activity, f, m) for f, m in people])
    with transaction.atomic():
        if user is not None and not activity.author_id:
            activity.author = user
        activity.save()
        if households is not None:
            activity.households.set(households)
        wanted = {m.pk for m in participants}
        current = {p.member_id: p for p in activity.participations.all()}
        for member_id, participation in current.items():
            if member_id not in wanted:
                participation.delete()  # one by one: each removal is logged
        for member_id in wanted - current.keys():
            activity.participations.create(member_id=member_id)
    return activity


def reviewable(user: Any) -> Any:
    """The submitted entries this user may accept or return: their scope, if they review."""
    if not user.has_perm(REVIEW_PERMISSION):
        return Activity.objects.none()
    return Activity.objects.restrict(user, "view").filter(state=ReviewState.SUBMITTED)


def _take(user: Any, ids: Iterable[int]) -> list[Activity]:
    ids = {int(i) for i in ids}
    if not ids:
        raise ValidationError(_("请至少选择一条台账。"))
    found = list(reviewable(user).select_for_update().filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError(
            _("有{n}条台账已被审核、不在您的管辖范围内或不存在,请刷新后重试。").format(
                n=len(ids) - len(found)
            )
        )
    return found


def accept(user: Any, ids: Iterable[int]) -> int:
    """Accept submitted entries; all or none. Returns how many were accepted."""
    with transaction.atomic():
        entries = _take(user, ids)
        for entry in entries:
            entry.state = ReviewState.ACCEPTED
            entry.return_reason = ""
            entry.reviewed_by = user
            entry.reviewed_at = timezone.now()
            entry.save()
    return len(entries)


def return_entries(user: Any, ids: Iterable[int], reason: str) -> int:
    """Return submitted entries to their authors with a reason; all or none."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("退回时请填写原因。"))
    if len(reason) > 200:
        raise ValidationError(_("退回原因不能超过200字。"))
    with transaction.atomic():
        entries = _take(user, ids)
        for entry in entries:
            entry.state = ReviewState.RETURNED
            entry.return_reason = reason
            entry.reviewed_by = user
            entry.reviewed_at = timezone.now()
            entry.save()
    return len(entries)


def after_edit(entry: Activity, user: Any) -> None:
    """An entry changed by someone who does not review goes back into the review queue."""
    if not user.has_perm(REVIEW_PERMISSION) and entry.state != ReviewState.SUBMITTED:
        entry.state = ReviewState.SUBMITTED
        entry.reviewed_by = None
        entry.reviewed_at = None
    if entry.state == ReviewState.SUBMITTED:
        entry.return_reason = ""


# Problems: open → in progress → solved → verified. A solved problem can be reopened until the
# committee verifies it; verifying is the reviewer's word and is final.
PROBLEM_MOVES: dict[str, tuple[str, ...]] = {
    ProblemState.OPEN: (ProblemState.IN_PROGRESS, ProblemState.SOLVED),
    ProblemState.IN_PROGRESS: (ProblemState.SOLVED, ProblemState.OPEN),
    ProblemState.SOLVED: (ProblemState.VERIFIED, ProblemState.IN_PROGRESS),
    ProblemState.VERIFIED: (),
}


def allowed_moves(problem: Problem, user: Any) -> list[str]:
    """The states this user may move the problem to now."""
    moves = list(PROBLEM_MOVES[ProblemState(problem.state)])
    if not user.has_perm(REVIEW_PERMISSION):
        moves = [m for m in moves if m != ProblemState.VERIFIED]
    return moves


def move_problem(problem: Problem, to: str, user: Any, on: datetime.date | None = None) -> Problem:
    """Move a problem to another state, or raise ValidationError saying why it may not."""
    if not Problem.objects.restrict(user, "change").filter(pk=problem.pk).exists():
        raise PermissionDenied
    if to not in ProblemState.values:
        raise ValidationError(_("未知的状态:{state}").format(state=to))
    current = ProblemState(problem.state)
    if to not in allowed_moves(problem, user):
        if to == ProblemState.VERIFIED and to in PROBLEM_MOVES[current]:
            raise ValidationError(_("只有单位党委(党组)或行动办可以核实问题。"))
        raise ValidationError(
            _("问题不能从“{old}”改为“{new}”。").format(
                old=current.label, new=ProblemState(to).label
            )
        )
    today = datetime.date.today()
    if to == ProblemState.SOLVED:
        on = on or today
        if on > today:
            raise ValidationError(_("解决日期不能晚于今天。"))
        if on < problem.raised_on:
            raise ValidationError(_("解决日期不能早于提出日期。"))
        problem.solved_on = on
    elif to in (ProblemState.OPEN, ProblemState.IN_PROGRESS):
        problem.solved_on = None
    problem.state = to
    problem.save()
    return problem
