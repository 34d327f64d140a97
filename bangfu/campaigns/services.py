"""Creating pairings under the campaign's rules, on every path (form, import, claim, solver).

Two people claiming a village's last slot at the same moment must not both win: the village
and branch rows are locked (SELECT ... FOR UPDATE) before the counts are taken, inside the
transaction that saves the pairing. A claim waiting for approval holds its slot (so two claims
for the last slot cannot both be pending); a rejected one frees it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.campaigns import kinds, rules
from bangfu.campaigns.choices import PairingKind, PairingOrigin, PairingState
from bangfu.campaigns.models import Campaign, Pairing
from bangfu.geo.models import Region
from bangfu.orgs.models import Branch


def check_rules(pairing: Pairing) -> None:
    """Raise ValidationError naming the field and the rule the pairing breaks (campaigns.rules).

    Callers lock the village and branch first (see save_pairing) so the counts hold.
    """
    rules.refuse(rules.check_pairings([pairing]))


def save_pairing(pairing: Pairing) -> Pairing:
    """Check the rules and save, holding locks on the village and branch rows meanwhile."""
    with transaction.atomic():
        Region.objects.select_for_update().filter(pk=pairing.village_id).first()
        Branch.objects.select_for_update().filter(pk=pairing.branch_id).first()
        check_rules(pairing)
        pairing.save()
    return pairing


def end_pairing(pairing: Pairing, on: datetime.date) -> Pairing:
    """End a pairing (kept with its history, never deleted)."""
    if on < pairing.start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    pairing.end = on
    pairing.save(update_fields=["end", "updated"])
    return pairing


def hand_over(pairing: Pairing, branch: Branch, on: datetime.date) -> Pairing:
    """Hand a branch–village pairing to another branch from `on`: the old one ends the day
    before, the new one starts on `on`, both in one transaction; history stays with both."""
    if pairing.kind != PairingKind.BRANCH_VILLAGE:
        raise ValidationError({"branch": _("只有支部结对帮村可以移交。")})
    if branch.pk == pairing.branch_id:
        raise ValidationError({"branch": _("请选择另一个支部。")})
    if on <= pairing.start or (pairing.end is not None and on > pairing.end):
        raise ValidationError({"start": _("移交日期须在原结对期间内。")})
    with transaction.atomic():
        successor = Pairing(
            campaign=pairing.campaign,
            kind=pairing.kind,
            branch=branch,
            village=pairing.village,
            origin=PairingOrigin.ASSIGNED,
            start=on,
            end=pairing.end,
        )
        end_pairing(pairing, on - datetime.timedelta(days=1))
        save_pairing(successor)
    return successor


# -- claim → approval ------------------------------------------------------------------------

# Counted pairings: figures, progress and the solver see only approved ones.
APPROVED = Q(state=PairingState.APPROVED)


def error_text(error: ValidationError) -> str:
    """A rule's refusal as one line for a message (field errors included)."""
    return " ".join(error.messages)


def may_approve(pairing: Pairing, user: Any) -> bool:
    """Whether the user may approve this (saved) pairing: the permission and the scope."""
    return Pairing.objects.restrict(user, "approve").filter(pk=pairing.pk).exists()


def submit_pairing(pairing: Pairing, user: Any) -> Pairing:
    """Save a pairing a user entered (form, claim, assignment) under the rules.

    A pairing that takes a village's slot (branch–village: kinds.KindSpec.slot) from someone who
    may not approve it is a claim waiting for the unit committee; the office and the unit committee's own entries take effect at once. A
    non-approver who changes the branch or the village of a pairing sends it back for approval.
    """
    with transaction.atomic():
        if pairing.kind not in kinds.SLOT_KINDS:
            pairing.state = PairingState.APPROVED
            return save_pairing(pairing)
        loaded = getattr(pairing, "_loaded_values", None) if pairing.pk else None
        moved = loaded is None or any(
            loaded.get(name) != getattr(pairing, name)
            for name in ("kind", "branch_id", "village_id", "campaign_id")
        )
        if moved:
            pairing.state = PairingState.PENDING
            pairing.reviewed_by, pairing.reviewed_at, pairing.review_note = None, None, ""
        save_pairing(pairing)
        if pairing.state == PairingState.PENDING and may_approve(pairing, user):
            _review(pairing, user, PairingState.APPROVED)
    return pairing


def claim_village(
    campaign: Campaign,
    branch: Branch,
    village: Region,
    user: Any,
    start: datetime.date | None = None,
) -> Pairing:
    """A branch claims (认领) a village, or the office assigns (分配) it: one path, one set of
    rules. Only the office's scope (the whole province) makes it an assignment."""
    pairing = Pairing(
        campaign=campaign,
        kind=PairingKind.BRANCH_VILLAGE,
        branch=branch,
        village=village,
        origin=PairingOrigin.ASSIGNED if user.scope.everything else PairingOrigin.CLAIMED,
        start=start or default_start(campaign),
    )
    return submit_pairing(pairing, user)


def default_start(campaign: Campaign) -> datetime.date:
    """Today, kept within the campaign's period."""
    return min(max(datetime.date.today(), campaign.start), campaign.end)


def _review(pairing: Pairing, user: Any, state: str, note: str = "") -> None:
    pairing.state = state
    pairing.reviewed_by = user
    pairing.reviewed_at = timezone.now()
    pairing.review_note = note
    pairing.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "updated"])


def _pending_for(user: Any, ids: Iterable[int]) -> QuerySet:
    return (
        Pairing.objects.restrict(user, "approve")
        .filter(pk__in=list(ids), state=PairingState.PENDING)
        .select_related("campaign", "campaign__region", "branch", "village")
        .order_by("pk")
    )


def approve_pairings(user: Any, ids: Iterable[int]) -> list[Pairing]:
    """Approve the pending claims among `ids` that the user may approve, all or none: each is
    checked again under the rules (a limit may have been lowered since the claim)."""
    approved = []
    with transaction.atomic():
        for pairing in _pending_for(user, ids):
            pairing.state = PairingState.APPROVED
            pairing.reviewed_by, pairing.reviewed_at = user, timezone.now()
            pairing.review_note = ""
            try:
                save_pairing(pairing)  # the rules again, and one change-log entry
            except ValidationError as e:  # say which of the ticked claims broke a rule
                raise ValidationError(
                    _("{pair}:{error}").format(pair=pairing, error=error_text(e))
                ) from e
            approved.append(pairing)
    return approved


def reject_pairings(user: Any, ids: Iterable[int], reason: str) -> list[Pairing]:
    """Reject pending claims with a reason; the village's slot is free again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("驳回时请填写理由。")})
    rejected = []
    with transaction.atomic():
        for pairing in _pending_for(user, ids).select_for_update(of=("self",)):
            _review(pairing, user, PairingState.REJECTED, reason[:200])
            rejected.append(pairing)
    return rejected


def open_villages(campaign: Campaign, on: datetime.date | None = None) -> QuerySet:
    """Villages of the campaign with a free slot on `on`: the campaign year's poor villages
    (every village when none are recorded) within its region, with fewer branches (approved or
    waiting) than the campaign's maximum. Each carries `taken`."""
    from bangfu.geo.choices import Level
    from bangfu.geo.models import VillageYear

    on = on or default_start(campaign)
    villages = Region.objects.filter(level=Level.VILLAGE)
    if campaign.region_id:
        villages = villages.filter(code__startswith=campaign.region.prefix)
    poor = VillageYear.objects.filter(year=campaign.year, is_poor=True)
    if poor.exists():
        villages = villages.filter(pk__in=poor.values("village_id"))
    holding = Pairing.objects.filter(
        campaign=campaign, kind=PairingKind.BRANCH_VILLAGE
    ).holding_slots(on)
    return (
        villages.annotate(taken=Count("pairings", filter=Q(pairings__in=holding)))
        .filter(taken__lt=campaign.max_branches_per_village)
        .select_related("parent__parent")
        .order_by("code")
    )
