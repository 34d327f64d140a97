"""Solver runs: the solver as a background job, its stored proposal, the office's edits, the
comparison with the pairings in force, and accepting it as pairings in one transaction.

The job stores the proposal as ProposedPair rows (one per pair with every cost term), so the
review page can paginate, explain and edit it without solving again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.campaigns.choices import PairingKind, PairingOrigin, PairingState, SolverRunState
from bangfu.campaigns.models import AllocationTarget, Campaign, Pairing, ProposedPair, SolverRun
from bangfu.campaigns.services import default_start, end_pairing, error_text, save_pairing
from bangfu.campaigns.solver import (
    SolverWeights,
    haversine_km,
    load_problem,
    locator,
    solve_branches,
    solve_professionals,
)
from bangfu.core import jobs
from bangfu.core.models import Job
from bangfu.geo.models import Region
from bangfu.orgs.models import Branch, Member, ResidentTeam

STEPS = 4


def start_run(campaign: Campaign, user: Any) -> SolverRun:
    """Queue a solver run for the campaign; the job starts once the transaction commits."""
    with transaction.atomic():
        run = SolverRun.objects.create(
            campaign=campaign,
            created_by=user,
            weights=SolverWeights.from_settings().__dict__,
        )
        run.job = jobs.submit(
            "solver",
            user,
            {"run": run.pk},
            message=_("求解{campaign}的分配方案").format(campaign=campaign),
        )
        run.save(update_fields=["job"])
    return run


@jobs.register("solver")
def run_solver_job(job: Job, progress: jobs.Progress) -> dict:
    """Load the campaign's problem, solve branches then professionals, store the proposal."""
    run = SolverRun.objects.select_related("campaign").get(pk=job.params["run"])
    SolverRun.objects.filter(pk=run.pk).update(state=SolverRunState.RUNNING)
    progress(0, STEPS)
    weights = SolverWeights(**run.weights) if run.weights else SolverWeights.from_settings()
    inp = load_problem(run.campaign, max_branches=run.campaign.max_branches_per_village)
    progress(1, STEPS)
    branches = solve_branches(inp, weights)
    progress(2, STEPS)
    run.status = branches.status
    run.seconds = branches.seconds
    run.candidates = branches.candidates
    run.problems = list(branches.problems)
    if not branches.ok:
        run.state = SolverRunState.INFEASIBLE
        run.save()
        return {"run": run.pk, "state": run.state, "problems": run.problems}
    experts = solve_professionals(inp, weights)
    progress(3, STEPS)
    run.objective = branches.objective + (experts.objective or 0.0)
    run.mip_gap = branches.mip_gap
    run.seconds = branches.seconds + experts.seconds
    run.totals = {**branches.totals, "specialty_match": experts.totals.get("specialty_match", 0.0)}
    run.prefectures = [p.__dict__ for p in branches.prefectures]
    if experts.problems:
        run.problems = run.problems + list(experts.problems)
    # The balance penalty belongs to a prefecture, not a pair: share it among its pairs.
    share = {p.prefecture: p.penalty / p.assigned for p in branches.prefectures if p.penalty}
    village_county = {v.id: v.county_code for v in inp.villages}
    rows = []
    for pair in branches.pairs:
        balance = share.get(village_county[pair.village_id][:4], 0.0)
        rows.append(
            ProposedPair(
                run=run,
                kind=PairingKind.BRANCH_VILLAGE,
                branch_id=pair.left_id,
                village_id=pair.village_id,
                cost=pair.cost + balance,
                keep=pair.terms.get("keep", 0.0),
                resident_team=pair.terms.get("resident_team", 0.0),
                distance=pair.terms.get("distance", 0.0),
                km=pair.terms.get("distance", 0.0) / weights.distance_per_km
                if weights.distance_per_km
                else 0.0,
                balance=balance,
            )
        )
    branch_of = dict(
        Member.objects.filter(pk__in=[p.left_id for p in experts.pairs]).values_list(
            "pk", "branch_id"
        )
    )
    for pair in experts.pairs:
        rows.append(
            ProposedPair(
                run=run,
                kind=PairingKind.EXPERT_VISIT,
                branch_id=branch_of[pair.left_id],
                member_id=pair.left_id,
                village_id=pair.village_id,
                specialty=pair.specialty,
                cost=pair.cost,
                specialty_match=pair.terms.get("specialty_match", 0.0),
                resident_team=pair.terms.get("resident_team", 0.0),
                distance=pair.terms.get("distance", 0.0),
                km=pair.terms.get("distance", 0.0) / weights.professional_distance_per_km
                if weights.professional_distance_per_km
                else 0.0,
            )
        )
    with transaction.atomic():
        ProposedPair.objects.bulk_create(rows, batch_size=2000)
        run.state = SolverRunState.PROPOSED
        run.save()
    progress(STEPS, STEPS)
    return {"run": run.pk, "state": run.state, "pairs": len(rows)}


# -- explanation -----------------------------------------------------------------------------


def explain(pair: ProposedPair, weights: dict[str, float]) -> list[tuple[str, float]]:
    """The terms behind a pair's cost, as sentences with their points (negative is a bonus)."""
    lines: list[tuple[str, float]] = []
    if pair.keep:
        lines.append((_("该支部现已结对这个村,保持现有结对"), pair.keep))
    if pair.specialty_match:
        lines.append(
            (
                _("专业({specialty})对口该村未解决的问题").format(
                    specialty=pair.get_specialty_label()
                ),
                pair.specialty_match,
            )
        )
    if pair.resident_team:
        lines.append((_("本单位在该村派有驻村工作队"), pair.resident_team))
    lines.append(
        (
            _("单位驻地到该村约{km}公里(每公里{w}分)").format(
                km=round(pair.km),
                w=weights.get(
                    "professional_distance_per_km"
                    if pair.kind == PairingKind.EXPERT_VISIT
                    else "distance_per_km",
                    0,
                ),
            ),
            pair.distance,
        )
    )
    if pair.balance:
        lines.append((_("所在市州超出公平份额,均摊的均衡成本"), pair.balance))
    if pair.edited:
        lines.append((_("人工调整:重新计算了保持、驻村和路程三项,不含市州均衡"), 0.0))
    return lines


# -- comparison with the pairings in force --------------------------------------------------


@dataclass
class Comparison:
    kept: list[ProposedPair] = field(default_factory=list)
    new: list[ProposedPair] = field(default_factory=list)
    ended: list[Pairing] = field(default_factory=list)


def in_force(campaign: Campaign, on: datetime.date) -> QuerySet:
    """Approved branch–village pairings of the campaign in force on `on` (or after)."""
    return Pairing.objects.filter(
        campaign=campaign, kind=PairingKind.BRANCH_VILLAGE
    ).in_force_during(on, None)


def compare(run: SolverRun, on: datetime.date | None = None) -> Comparison:
    """Branch–village pairs kept, new, and the current pairings the proposal ends. Only the
    units the plan gives a branch–village target are planned, so only theirs end. Each ended
    pairing carries `reasons` (why it ends) and `not_begun` (it starts on or after `on`)."""
    on = on or default_start(run.campaign)
    planned_units = AllocationTarget.objects.filter(
        campaign=run.campaign, kind=PairingKind.BRANCH_VILLAGE
    ).values("unit_id")
    current = {
        (p.branch_id, p.village_id): p
        for p in in_force(run.campaign, on)
        .filter(branch__unit__in=planned_units)
        .select_related("branch__unit", "village")
    }
    result = Comparison()
    proposed = set()
    for pair in run.pairs.filter(kind=PairingKind.BRANCH_VILLAGE).select_related(
        "branch__unit", "village"
    ):
        key = (pair.branch_id, pair.village_id)
        proposed.add(key)
        (result.kept if key in current else result.new).append(pair)
    result.ended = [p for key, p in current.items() if key not in proposed]
    if result.ended:
        _explain_ends(run, result, on)
    return result


def _explain_ends(run: SolverRun, diff: Comparison, on: datetime.date) -> None:
    """Why each ended pairing ends, in the office's words: the village is no longer poor that
    year, the branch goes elsewhere or is not needed, it was approved after the run."""
    from bangfu.geo.models import VillageYear

    year = run.campaign.year
    poor = set(
        VillageYear.objects.filter(year=year, is_poor=True).values_list("village_id", flat=True)
    )
    elsewhere: dict[int, list[str]] = {}
    for pair in [*diff.kept, *diff.new]:
        elsewhere.setdefault(pair.branch_id, []).append(pair.village.name)
    for pairing in diff.ended:
        reasons = []
        if poor and pairing.village_id not in poor:
            reasons.append(
                _("{village}{year}年已不是贫困村").format(village=pairing.village.name, year=year)
            )
        if pairing.branch_id in elsewhere:
            reasons.append(
                _("方案安排该支部帮{villages}").format(
                    villages="、".join(elsewhere[pairing.branch_id])
                )
            )
        elif not reasons:
            reasons.append(_("方案未给该支部安排村(单位的结对目标已由其他支部完成)"))
        approved_at = pairing.reviewed_at or pairing.created
        if run.created and approved_at and approved_at > run.created:
            reasons.append(_("在本方案求解之后才批准,方案未考虑它"))
        pairing.not_begun = pairing.start >= on
        if pairing.not_begun:
            reasons.append(_("到新结对开始日尚未开始:将撤销,而不是结束"))
        pairing.reasons = reasons


# -- editing ---------------------------------------------------------------------------------


def _open(run: SolverRun) -> None:
    if not run.is_open:
        raise ValidationError(
            _("这个方案已{state},不能再修改。").format(state=run.get_state_display())
        )


def remove_pair(run: SolverRun, pair: ProposedPair) -> None:
    _open(run)
    pair.delete()


def swap_village(run: SolverRun, pair: ProposedPair, village: Region) -> ProposedPair:
    """Give a proposed pair another village, re-checking the rules against the proposal and
    recomputing its cost terms (keep, resident team, travel)."""
    _open(run)
    campaign = run.campaign
    if village.level != "village":
        raise ValidationError({"village": _("请选择一个村。")})
    if campaign.region_id and not village.code.startswith(campaign.region.prefix):
        raise ValidationError(
            {
                "village": _("{village}不在{campaign}的范围({region})内。").format(
                    village=village, campaign=campaign, region=campaign.region
                )
            }
        )
    others = run.pairs.filter(kind=pair.kind, village=village).exclude(pk=pair.pk)
    if pair.kind == PairingKind.BRANCH_VILLAGE:
        if others.filter(branch_id=pair.branch_id).exists():
            raise ValidationError({"village": _("方案中该支部已与这个村结对。")})
        taken = (
            others.count()
            + Pairing.objects.filter(
                campaign=campaign,
                kind=PairingKind.BRANCH_VILLAGE,
                state=PairingState.PENDING,
                village=village,
            ).count()
        )
        if taken >= campaign.max_branches_per_village:
            raise ValidationError(
                {
                    "village": _(
                        "方案中{village}已有{n}个支部(含待审批的认领),达到每村上限{max}个。"
                    ).format(village=village, n=taken, max=campaign.max_branches_per_village)
                }
            )
    elif others.filter(member_id=pair.member_id).exists():
        raise ValidationError({"village": _("方案中这名专业人才已安排到这个村。")})
    weights = SolverWeights(**run.weights) if run.weights else SolverWeights.from_settings()
    branch = Branch.objects.select_related("unit__seat").get(pk=pair.branch_id)
    seat = branch.unit.seat.code if branch.unit.seat_id else None
    where = locator({village.code} | ({seat} if seat else set()))
    (lon1, lat1), (lon2, lat2) = where(seat), where(village.code)
    km = 0.0
    if None not in (lon1, lat1, lon2, lat2):
        km = float(haversine_km(lon1, lat1, lon2, lat2))
    today = datetime.date.today()
    team = (
        ResidentTeam.objects.filter(unit_id=branch.unit_id, village=village)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .exists()
    )
    per_km = (
        weights.professional_distance_per_km
        if pair.kind == PairingKind.EXPERT_VISIT
        else weights.distance_per_km
    )
    pair.village = village
    pair.keep = (
        -weights.keep
        if pair.kind == PairingKind.BRANCH_VILLAGE
        and in_force(campaign, default_start(campaign))
        .filter(branch_id=pair.branch_id, village=village)
        .exists()
        else 0.0
    )
    pair.resident_team = -weights.resident_team if team else 0.0
    pair.km = km
    pair.distance = per_km * km
    pair.balance = 0.0
    pair.cost = pair.keep + pair.resident_team + pair.distance + pair.specialty_match
    pair.edited = True
    pair.save()
    return pair


# -- accepting -------------------------------------------------------------------------------


def accept_run(
    run: SolverRun,
    user: Any,
    start: datetime.date,
    confirmed_ended: set[int] | None = None,
) -> dict[str, int]:
    """Turn the proposal into pairings, all or nothing: the current pairings it replaces end the
    day before `start` (one that has not begun by then, such as a claim approved after the run,
    is withdrawn instead: it cannot end before it starts), the new ones start on `start`, each
    through save_pairing's rules. With `confirmed_ended`, the pairings to end must be exactly
    those the office confirmed."""
    campaign = run.campaign
    if not campaign.start <= start <= campaign.end:
        raise ValidationError(
            _("开始日期须在行动期间({start}至{end})。").format(
                start=campaign.start, end=campaign.end
            )
        )
    now = timezone.now()
    with transaction.atomic():
        run = SolverRun.objects.select_for_update().select_related("campaign").get(pk=run.pk)
        _open(run)
        diff = compare(run, start)
        if confirmed_ended is not None and {p.pk for p in diff.ended} != set(confirmed_ended):
            raise ValidationError(_("确认之后,要结束的结对已有变化(例如又批准了认领),请重新确认。"))
        for pairing in diff.ended:
            if pairing.not_begun:
                pairing.state = PairingState.REJECTED
                pairing.reviewed_by, pairing.reviewed_at = user, now
                pairing.review_note = _("按分配方案#{n}撤销(未开始)").format(n=run.pk)
                pairing.save(
                    update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "updated"]
                )
                continue
            try:
                end_pairing(pairing, start - datetime.timedelta(days=1))
            except ValidationError as e:
                raise ValidationError(
                    _("结束{pairing}时出错:{error}").format(pairing=pairing, error=error_text(e))
                ) from e
        experts_in_force = set(
            Pairing.objects.filter(campaign=campaign, kind=PairingKind.EXPERT_VISIT)
            .in_force_during(start, None)
            .values_list("member_id", "village_id")
        )
        experts = [
            p
            for p in run.pairs.filter(kind=PairingKind.EXPERT_VISIT).select_related(
                "member", "village", "branch"
            )
            if (p.member_id, p.village_id) not in experts_in_force
        ]
        for pair in [*diff.new, *experts]:
            pairing = Pairing(
                campaign=campaign,
                kind=pair.kind,
                branch_id=pair.branch_id,
                member_id=pair.member_id,
                village_id=pair.village_id,
                origin=PairingOrigin.ASSIGNED,
                start=start,
                state=PairingState.APPROVED,
                reviewed_by=user,
                reviewed_at=now,
            )
            try:
                save_pairing(pairing)
            except ValidationError as e:
                raise ValidationError(
                    _("{pair}:{error}").format(pair=pair, error=error_text(e))
                ) from e
        run.state = SolverRunState.ACCEPTED
        run.accepted_by = user
        run.accepted_at = now
        run.save(update_fields=["state", "accepted_by", "accepted_at"])
    return {
        "kept": len(diff.kept),
        "created": len(diff.new) + len(experts),
        "ended": len(diff.ended),
    }
