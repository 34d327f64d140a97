"""Creating pairings under the campaign's rules, on every path (form, import, solver).

Two people claiming a village's last slot at the same moment must not both win: the village
and branch rows are locked (SELECT ... FOR UPDATE) before the counts are taken, inside the
transaction that saves the pairing.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from bangfu.campaigns.choices import PairingKind, PairingOrigin
from bangfu.campaigns.models import Pairing
from bangfu.geo.models import Region
from bangfu.orgs.models import Branch


def _overlapping(pairing: Pairing) -> Q:
    """Pairings whose term overlaps this one's (an open end runs for ever)."""
    q = Q(end__isnull=True) | Q(end__gte=pairing.start)
    if pairing.end is not None:
        q &= Q(start__lte=pairing.end)
    return q


def check_rules(pairing: Pairing) -> None:
    """Raise ValidationError naming the field and the rule a branch–village pairing breaks.

    Callers lock the village and branch first (see save_pairing) so the counts hold.
    """
    if pairing.kind != PairingKind.BRANCH_VILLAGE:
        return
    campaign = pairing.campaign
    if campaign.region_id and not pairing.village.code.startswith(campaign.region.prefix):
        raise ValidationError(
            {
                "village": _("{village}不在{campaign}的范围({region})内。").format(
                    village=pairing.village, campaign=campaign, region=campaign.region
                )
            }
        )
    others = (
        Pairing.objects.filter(campaign=campaign, kind=PairingKind.BRANCH_VILLAGE)
        .filter(_overlapping(pairing))
        .exclude(pk=pairing.pk)
    )
    if others.filter(branch_id=pairing.branch_id, village_id=pairing.village_id).exists():
        raise ValidationError({"village": _("该支部在这段时间已与这个村结对。")})
    in_village = others.filter(village_id=pairing.village_id).count()
    if in_village >= campaign.max_branches_per_village:
        raise ValidationError(
            {
                "village": _("{village}已有{n}个支部结对,达到每村上限{max}个。").format(
                    village=pairing.village, n=in_village, max=campaign.max_branches_per_village
                )
            }
        )
    of_branch = others.filter(branch_id=pairing.branch_id).count()
    if of_branch >= pairing.branch.capacity:
        raise ValidationError(
            {
                "branch": _("{branch}已结对{n}个村,达到其可结对村数{max}。").format(
                    branch=pairing.branch, n=of_branch, max=pairing.branch.capacity
                )
            }
        )


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
