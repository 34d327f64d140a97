"""The pairing rules, in one place: the model's `clean` (so the form and the API), the service
(claims, approvals, hand-overs, the solver) and the pairings import all ask this module.

Two kinds of rule: a pairing's own (who may take which kind, the household in the village, the
term within the campaign), and the campaign's limits, which depend on the other pairings (the
village within the campaign's region, one term at a time per branch and village, at most N
branches per village, at most a branch's capacity of villages). `check_pairings` takes many
pairings at once, so an import checks a batch in a couple of queries, each row against the
stored pairings and against the other rows of the batch.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from bangfu.campaigns import kinds
from bangfu.campaigns.choices import PairingState

if TYPE_CHECKING:
    from bangfu.campaigns.models import Pairing

# (pairing, field, message): the field is the model's (the import maps it to its column).
Problem = tuple["Pairing", str, str]


def own_problems(pairing: Pairing) -> list[tuple[str, str]]:
    """The rules a pairing keeps on its own, as (field, message), at most one per field.

    Reads only the pairing's related rows (campaign, member, household), no other pairing."""
    problems: dict[str, str] = {}
    spec = kinds.spec(pairing.kind)
    if spec is not None and spec.member_flag is None:
        if pairing.member_id:
            problems["member"] = _("{kind}不填写帮扶人。").format(kind=spec.kind.label)
    elif spec is not None:
        if not pairing.member_id:
            problems["member"] = _("请选择帮扶人。")
        elif not getattr(pairing.member, spec.member_flag):
            problems["member"] = str(spec.member_refusal)
        elif pairing.branch_id and pairing.member.branch_id != pairing.branch_id:
            problems["member"] = _("帮扶人须是本支部的党员干部。")
    if spec is not None and spec.household:
        if not pairing.household_id:
            problems["household"] = _("请选择帮扶的贫困户。")
        elif pairing.village_id and pairing.household.village_id != pairing.village_id:
            problems["household"] = _("贫困户不在所选的村。")
    elif pairing.household_id:
        problems["household"] = _("只有{kinds}时填写贫困户。").format(
            kinds="、".join(str(s.kind.label) for s in kinds.KINDS.values() if s.household)
        )
    campaign = pairing.campaign if pairing.campaign_id else None
    if campaign is not None and pairing.start:
        if not campaign.start <= pairing.start <= campaign.end:
            problems["start"] = _("开始日期须在行动期间({start}至{end})。").format(
                start=campaign.start, end=campaign.end
            )
    if pairing.start and pairing.end and pairing.end < pairing.start:
        problems["end"] = _("结束日期不能早于开始日期。")
    return list(problems.items())


def _overlap(a_start: datetime.date, a_end: Any, b_start: datetime.date, b_end: Any) -> bool:
    """Two terms share a day (an open end runs for ever)."""
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def _key(pairing: Pairing) -> Any:
    """A pairing's identity among the terms: its id, or the object for one not yet saved."""
    return pairing.pk if pairing.pk is not None else ("new", id(pairing))


def limit_problems(pairings: Sequence[Pairing]) -> list[Problem]:
    """The campaign's limits on the pairings that take a village's slot (kinds.KindSpec.slot),
    at most one problem per pairing.

    Each pairing is judged against the stored pairings and the other pairings given (which
    replace their stored versions, so it works before or after they are written). A claim
    waiting for approval holds its slot; a rejected one holds nothing. Callers that need the
    counts to hold lock the village and branch rows first (services.save_pairing)."""
    from bangfu.campaigns.models import Pairing

    mine = [p for p in pairings if p.kind in kinds.SLOT_KINDS]
    if not mine:
        return []
    problems: list[Problem] = []
    regions: dict[int, Any] = {}
    judged = []
    for p in mine:
        campaign = p.campaign
        if campaign.pk not in regions:
            regions[campaign.pk] = campaign.region if campaign.region_id else None
        region = regions[campaign.pk]
        if region is not None and not p.village.code.startswith(region.prefix):
            problems.append(
                (
                    p,
                    "village",
                    _("{village}不在{campaign}的范围({region})内。").format(
                        village=p.village, campaign=campaign, region=region
                    ),
                )
            )
        elif p.state != PairingState.REJECTED:
            judged.append(p)
    if not judged:
        return problems
    given = {p.pk for p in mine if p.pk is not None}
    # Every term that holds a slot: the stored ones (not those given) and the given ones.
    stored = (
        Pairing.objects.filter(
            campaign_id__in={p.campaign_id for p in judged},
            kind__in={p.kind for p in judged},
        )
        .filter(
            Q(village_id__in={p.village_id for p in judged})
            | Q(branch_id__in={p.branch_id for p in judged})
        )
        .holding_slots()
        .values_list("pk", "campaign_id", "kind", "branch_id", "village_id", "start", "end")
    )
    terms = [row for row in stored if row[0] not in given]
    terms += [
        (_key(p), p.campaign_id, p.kind, p.branch_id, p.village_id, p.start, p.end)
        for p in mine
        if p.state != PairingState.REJECTED
    ]
    # Terms by (campaign, kind, village) and (campaign, kind, branch).
    in_village: dict[tuple, list] = defaultdict(list)
    of_branch: dict[tuple, list] = defaultdict(list)
    for term in terms:
        in_village[term[1], term[2], term[4]].append(term)
        of_branch[term[1], term[2], term[3]].append(term)
    for p in judged:
        me = _key(p)

        def others(group: list, p: Pairing = p, me: Any = me) -> list:
            return [t for t in group if t[0] != me and _overlap(p.start, p.end, t[5], t[6])]

        village_terms = others(in_village[p.campaign_id, p.kind, p.village_id])
        if any(t[3] == p.branch_id for t in village_terms):
            problems.append((p, "village", _("该支部在这段时间已与这个村结对。")))
            continue
        limit = p.campaign.max_branches_per_village
        if len(village_terms) >= limit:
            problems.append(
                (
                    p,
                    "village",
                    _("{village}已有{n}个支部结对,达到每村上限{max}个。").format(
                        village=p.village, n=len(village_terms), max=limit
                    ),
                )
            )
            continue
        branch_terms = others(of_branch[p.campaign_id, p.kind, p.branch_id])
        if len(branch_terms) >= p.branch.capacity:
            problems.append(
                (
                    p,
                    "branch",
                    _("{branch}已结对{n}个村,达到其可结对村数{max}。").format(
                        branch=p.branch, n=len(branch_terms), max=p.branch.capacity
                    ),
                )
            )
    return problems


def check_pairings(pairings: Sequence[Pairing]) -> list[Problem]:
    """Every rule for the given pairings: each one's own, then (for those that keep their own)
    the campaign's limits."""
    problems: list[Problem] = []
    sound = []
    for p in pairings:
        own = own_problems(p)
        problems += [(p, field, message) for field, message in own]
        if not own:
            sound.append(p)
    return problems + limit_problems(sound)


def refuse(problems: Sequence[Problem]) -> None:
    """Raise the problems of one pairing as the ValidationError forms and the API show."""
    if problems:
        errors: dict[str, list[str]] = {}
        for _pairing, field, message in problems:
            errors.setdefault(field, []).append(message)
        raise ValidationError(errors)
