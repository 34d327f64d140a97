"""The allocation solver: optimal against brute force, rules respected, infeasibility explained."""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest

from bangfu.campaigns.solver import (
    BranchIn,
    ProfessionalIn,
    SolverInput,
    SolverWeights,
    VillageIn,
    candidate_pairs,
    fair_shares,
    load_problem,
    pair_terms,
    solve_branches,
    solve_professionals,
)

GUIYANG = (106.63, 26.65)
W = SolverWeights()


def _village(vid: int, county: str = "520524", lon: float = 105.77, lat: float = 26.66, **kw):
    return VillageIn(vid, county, lon, lat, **kw)


def _random_case(seed: int) -> SolverInput:
    rng = random.Random(seed)
    branches = [
        BranchIn(
            10 + i, 1 + i % 2, rng.choice([1, 1, 2]), rng.uniform(104, 109), rng.uniform(25, 29)
        )
        for i in range(4)
    ]
    villages = [
        VillageIn(
            100 + j,
            rng.choice(["520524", "522723"]),
            rng.uniform(104, 109),
            rng.uniform(25, 29),
            max_branches=rng.choice([1, 2]),
            demand=rng.choice([0, 1, 1]),
        )
        for j in range(4)
    ]
    return SolverInput(
        branches=branches,
        villages=villages,
        targets={1: rng.choice([1, 2]), 2: rng.choice([1, 2])},
        existing={(10 + rng.randrange(4), 100 + rng.randrange(4)) for _ in range(2)},
        resident_teams={(rng.choice([1, 2]), 100 + rng.randrange(4))},
    )


def _brute_force(inp: SolverInput) -> float | None:
    """Minimum objective over every subset of the 16 pairs (None when none is feasible)."""
    cand = candidate_pairs(inp, k=None)
    cost = sum(pair_terms(inp, cand, W).values())
    n = len(cand)
    x = ((np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1).astype(float)
    ok = np.ones(len(x), bool)
    for bi, b in enumerate(inp.branches):
        ok &= x[:, cand[:, 0] == bi].sum(axis=1) <= b.capacity
    for vi, v in enumerate(inp.villages):
        load = x[:, cand[:, 1] == vi].sum(axis=1)
        ok &= (load >= v.demand) & (load <= v.max_branches)
    unit_of = np.array([b.unit_id for b in inp.branches])[cand[:, 0]]
    for u, t in inp.targets.items():
        ok &= x[:, unit_of == u].sum(axis=1) == t
    objective = x @ cost
    pref_of = np.array([v.prefecture for v in inp.villages])[cand[:, 1]]
    for p, fair in fair_shares(inp).items():
        excess = np.maximum(0, x[:, pref_of == p].sum(axis=1) - fair)
        objective = objective + W.prefecture_excess * excess
    return float(objective[ok].min()) if ok.any() else None


@pytest.mark.parametrize("seed", range(25))
def test_branch_solution_is_optimal_against_brute_force(seed: int) -> None:
    inp = _random_case(seed)
    best = _brute_force(inp)
    result = solve_branches(inp, W, k=None)
    if best is None:
        assert result.status == "infeasible"
        assert result.problems
    else:
        assert result.status == "optimal", result.problems
        assert result.objective == pytest.approx(best, abs=1e-6)
        assert result.mip_gap == 0.0


def test_capacities_village_bounds_and_targets_are_respected() -> None:
    rng = random.Random(7)
    branches = [
        BranchIn(i, i % 5, rng.choice([1, 2, 3]), *GUIYANG) for i in range(40)
    ]  # 5 units, all in Guiyang: distances tie
    villages = [
        _village(100 + j, rng.choice(["520524", "522723", "520102"]), rng.uniform(104, 109))
        for j in range(50)
    ]
    cap = {u: sum(b.capacity for b in branches if b.unit_id == u) for u in range(5)}
    targets = {u: min(cap[u], 12) for u in range(5)}
    inp = SolverInput(branches, villages, targets=targets)
    result = solve_branches(inp, W, k=8, k_units=2)
    assert result.status == "optimal", result.problems
    per_branch = {b.id: 0 for b in branches}
    per_village = {v.id: 0 for v in villages}
    per_unit = {u: 0 for u in range(5)}
    unit_of = {b.id: b.unit_id for b in branches}
    for pair in result.pairs:
        per_branch[pair.left_id] += 1
        per_village[pair.village_id] += 1
        per_unit[unit_of[pair.left_id]] += 1
    assert all(per_branch[b.id] <= b.capacity for b in branches)
    assert all(1 <= per_village[v.id] <= 2 for v in villages)
    assert per_unit == targets
    assert len({(p.left_id, p.village_id) for p in result.pairs}) == len(result.pairs)


def test_existing_pairing_is_kept_when_weights_favour_it() -> None:
    near, far = _village(1, lon=106.7, lat=26.6), _village(2, lon=108.9, lat=27.7)
    branches = [BranchIn(10, 1, 1, *GUIYANG), BranchIn(11, 2, 1, *GUIYANG)]
    # Branch 10 already helps the far village; both villages need one branch.
    inp = SolverInput(branches, [near, far], targets={1: 1, 2: 1}, existing={(10, 2)})
    kept = solve_branches(inp, W, k=None)
    assert (10, 2) in {(p.left_id, p.village_id) for p in kept.pairs}
    no_bonus = solve_branches(inp, SolverWeights(keep=0.0), k=None)
    assert no_bonus.objective == pytest.approx(kept.objective + W.keep)


def test_resident_team_bonus_changes_the_choice() -> None:
    branches = [BranchIn(10, 1, 1, *GUIYANG)]
    villages = [
        _village(1, lon=106.8, lat=26.6, demand=0),
        _village(2, lon=107.5, lat=27.0, demand=0),
    ]
    without = solve_branches(SolverInput(branches, villages, targets={1: 1}), W, k=None)
    assert [p.village_id for p in without.pairs] == [1]  # the nearer one
    with_team = solve_branches(
        SolverInput(branches, villages, targets={1: 1}, resident_teams={(1, 2)}), W, k=None
    )
    assert [p.village_id for p in with_team.pairs] == [2]
    assert with_team.pairs[0].terms["resident_team"] == -W.resident_team


def test_target_above_capacity_is_reported() -> None:
    inp = SolverInput(
        [BranchIn(10, 1, 5, *GUIYANG), BranchIn(11, 1, 5, *GUIYANG)],
        [_village(i, demand=0) for i in range(20)],
        targets={1: 12},
        unit_names={1: "省总工会"},
    )
    result = solve_branches(inp, W)
    assert result.status == "infeasible"
    assert "单位省总工会的目标为12个村,但其支部总容量只有10。" in result.problems


def test_demand_above_total_capacity_is_reported() -> None:
    inp = SolverInput(
        [BranchIn(i, 1, 1, *GUIYANG) for i in range(3)],
        [_village(i) for i in range(4)],
    )
    result = solve_branches(inp, W)
    assert result.status == "infeasible"
    assert "村的需求总数4超过支部总容量3。" in result.problems


def test_village_without_candidate_branch_is_reported() -> None:
    villages = [_village(i, lon=106.7, lat=26.6, demand=0) for i in range(3)]
    villages.append(VillageIn(99, "522723", 107.3, 26.3, name="乐邦村"))
    branches = [BranchIn(1, 1, 1, *GUIYANG)]
    # One unit, k=1: its nearest village and its seat's pool (room for 2 branches) are the
    # near ones; k_units=0 adds no village-side candidates.
    result = solve_branches(SolverInput(branches, villages), W, k=1, k_units=0, prove=False)
    assert result.status == "infeasible"
    assert result.problems == ["村乐邦村在候选范围内没有任何支部。"]
    # Pricing the pairs left out finds the far village its branch.
    priced = solve_branches(SolverInput(branches, villages), W, k=1, k_units=0)
    assert priced.status == "optimal" and priced.proven_over_all_pairs
    assert [(p.left_id, p.village_id) for p in priced.pairs] == [(1, 99)]


def test_highs_infeasibility_is_reported_with_counts() -> None:
    # Every necessary check passes, but unit 1 must take villages 1 and 2 and unit 2 can only
    # take village 1, which admits one branch: only the solver can tell.
    branches = [BranchIn(10, 1, 2, *GUIYANG), BranchIn(11, 2, 1, *GUIYANG)]
    villages = [
        _village(1, max_branches=1),
        _village(2, max_branches=1),
        _village(3, max_branches=1, demand=0),
    ]
    inp = SolverInput(
        branches, villages, targets={1: 2, 2: 1}, existing={(10, 1), (10, 2), (11, 1)}
    )
    result = solve_branches(inp, W, k=0, k_units=0, prove=False)
    assert result.status == "infeasible"
    assert result.highs_status == 2
    # Over every pair it is feasible (unit 2 takes village 3): pricing finds that pair.
    assert solve_branches(inp, W, k=0, k_units=0).status == "optimal"
    # One branch cannot meet a village's demand for two: infeasible whatever is priced.
    lonely = SolverInput([BranchIn(10, 1, 3, *GUIYANG)], [_village(1, demand=2, max_branches=2)])
    alone = solve_branches(lonely, W, k=0, k_units=0)
    assert alone.status == "infeasible" and alone.highs_status == 2
    assert not alone.proven_over_all_pairs
    assert result.problems[0].startswith("求解器判定无可行方案:2个支部(总容量3)、3个村(需求2)")


def test_explanations_sum_to_pair_cost_and_objective() -> None:
    inp = _random_case(3)
    result = solve_branches(inp, W, k=None)
    assert result.status == "optimal"
    for pair in result.pairs:
        assert sum(pair.terms.values()) == pytest.approx(pair.cost)
    assert sum(p.cost for p in result.pairs) + result.totals["prefecture_excess"] == (
        pytest.approx(result.objective)
    )
    assert set(result.totals) == {"keep", "resident_team", "distance", "prefecture_excess"}


def test_prefecture_balance_moves_surplus_pairings() -> None:
    # Two villages in each of two prefectures; four branches, targets force 6 pairings in all
    # (fair share 3 each); without the penalty the surplus would go to the nearer prefecture.
    villages = [
        _village(1, "520102", 106.7, 26.6),
        _village(2, "520102", 106.7, 26.6),
        _village(3, "522723", 107.3, 26.3),
        _village(4, "522723", 107.3, 26.3),
    ]
    branches = [BranchIn(i, 1, 2, *GUIYANG) for i in range(3)]
    inp = SolverInput(branches, villages, targets={1: 6})
    balanced = solve_branches(inp, SolverWeights(prefecture_excess=1000.0), k=None)
    loads = {p.prefecture: p.assigned for p in balanced.prefectures}
    assert loads == {"5201": 3, "5227": 3}
    greedy = solve_branches(inp, SolverWeights(prefecture_excess=0.0), k=None)
    assert {p.prefecture: p.assigned for p in greedy.prefectures} == {"5201": 4, "5227": 2}


def test_professionals_matched_by_specialty() -> None:
    villages = [
        _village(1, lon=106.7, lat=26.6, open_categories=("health",)),
        _village(2, lon=107.3, lat=26.3, open_categories=("water", "industry")),
        _village(3, lon=107.0, lat=26.5, open_categories=("party_building",)),
    ]
    pros = [
        ProfessionalIn(501, 1, "health", *GUIYANG),
        ProfessionalIn(502, 1, "health", *GUIYANG),  # second doctor: village 1 wants only one
        ProfessionalIn(503, 2, "water", *GUIYANG),
        ProfessionalIn(504, 2, "animal_husbandry", *GUIYANG),
        ProfessionalIn(505, 2, "law", *GUIYANG),  # no dispute anywhere
    ]
    result = solve_professionals(SolverInput([], villages, professionals=pros), W)
    assert result.status == "optimal"
    got = {(p.village_id, p.specialty) for p in result.pairs}
    assert got == {(1, "health"), (2, "water"), (2, "animal_husbandry")}
    assert len(result.pairs) == 3
    for pair in result.pairs:
        assert sum(pair.terms.values()) == pytest.approx(pair.cost)
        assert pair.terms["specialty_match"] == -W.specialty_match


def test_weights_come_from_settings(settings: Any) -> None:
    settings.BANGFU_SOLVER_WEIGHTS = {"keep": 7, "unknown": 1}
    assert SolverWeights.from_settings().keep == 7.0
    assert SolverWeights.from_settings().resident_team == W.resident_team


def test_load_problem_reads_the_campaign(world: Any) -> None:
    from bangfu.campaigns.choices import PairingKind
    from bangfu.campaigns.models import AllocationTarget

    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_a, kind=PairingKind.BRANCH_VILLAGE, target=1
    )
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_b, kind=PairingKind.BRANCH_VILLAGE, target=1
    )
    inp = load_problem(world.campaign)
    assert {b.id for b in inp.branches} == {world.branch_a.pk, world.branch_b.pk}
    # No poor villages recorded for 2016: the currently paired villages are used.
    assert {v.id for v in inp.villages} == {world.baoshan.pk, world.lebang.pk}
    assert inp.existing == {
        (world.branch_a.pk, world.baoshan.pk),
        (world.branch_b.pk, world.lebang.pk),
    }
    result = solve_branches(inp, W, k=None)
    assert result.status == "optimal"
    # No coordinates in the fixture: keeping the current pairings is the only preference.
    assert {(p.left_id, p.village_id) for p in result.pairs} == inp.existing


def test_itertools_brute_force_agrees_with_numpy_one() -> None:
    """Guard for the test's own brute force: a plain loop over a tiny case gives the same."""
    inp = SolverInput(
        [BranchIn(1, 1, 1, *GUIYANG), BranchIn(2, 2, 1, 108.0, 27.0)],
        [_village(1, lon=106.7, lat=26.6), _village(2, "522723", 108.1, 27.1)],
        targets={1: 1, 2: 1},
    )
    cand = candidate_pairs(inp, k=None)
    cost = sum(pair_terms(inp, cand, W).values())
    best = min(
        float(np.dot(x, cost))
        for x in itertools.product([0, 1], repeat=4)
        if x[0] + x[1] == 1 and x[2] + x[3] == 1 and x[0] + x[2] >= 1 and x[1] + x[3] >= 1
    )
    assert _brute_force(inp) == pytest.approx(best)


def _spread_case(seed: int) -> SolverInput:
    """Units in Guiyang and elsewhere, villages all over: a few candidates per unit miss the
    best pairs."""
    rng = random.Random(seed)
    seats = {u: (rng.uniform(104, 109), rng.uniform(25, 29)) for u in range(1, 7)}
    branches = [
        BranchIn(100 + i, 1 + i % 6, rng.choice([1, 2]), *seats[1 + i % 6]) for i in range(18)
    ]
    villages = [
        VillageIn(
            1000 + j,
            rng.choice(["520524", "522723", "520102"]),
            rng.uniform(104, 109),
            rng.uniform(25, 29),
            max_branches=rng.choice([1, 2]),
            demand=rng.choice([0, 0, 1]),
        )
        for j in range(40)
    ]
    return SolverInput(
        branches=branches,
        villages=villages,
        targets={u: 3 for u in range(1, 7)},
        existing={(100 + rng.randrange(18), 1000 + rng.randrange(40)) for _ in range(5)},
    )


@pytest.mark.parametrize("engine", ["_HighsPricing", "_ScipyPricing"])
def test_pricing_the_pairs_left_out_proves_the_optimum_over_every_pair(
    engine: str, monkeypatch: Any
) -> None:
    """Column generation: from a few candidates per unit, the LP's duals find every pair that
    could lower the cost, so the result equals the solve over all pairs (and without pricing
    it does not always). Both engines: highspy's warm starts, and SciPy's HiGHS as fallback."""
    from bangfu.campaigns import solver

    monkeypatch.setattr(solver, "_pricing_engine", lambda: getattr(solver, engine))
    restricted_worse = 0
    for seed in range(8):
        inp = _spread_case(seed)
        everything = solve_branches(inp, W, k=None)
        assert everything.status == "optimal"
        priced = solve_branches(inp, W, k=2, k_units=1)
        assert priced.status == "optimal", priced.problems
        assert priced.proven_over_all_pairs and priced.pricing_rounds >= 1
        assert priced.objective == pytest.approx(everything.objective, abs=1e-6)
        assert priced.candidates < len(inp.branches) * len(inp.villages)
        unpriced = solve_branches(inp, W, k=2, k_units=1, prove=False)
        assert not unpriced.proven_over_all_pairs
        restricted_worse += (
            unpriced.objective is None or unpriced.objective > everything.objective + 1e-6
        )
    assert restricted_worse, "the cases should need pricing"
    # Out of time for pricing: the candidates' optimum, not claimed to be the overall one.
    hurried = solve_branches(_spread_case(1), W, k=2, k_units=1, time_limit=0.0)
    assert hurried.pricing_rounds == 0 and not hurried.proven_over_all_pairs


def test_pricing_out_of_time_answers_with_the_candidates_gathered(monkeypatch: Any) -> None:
    """A round of pricing, then the time is up: the answer is the optimum over the candidates
    gathered so far (one more warm-started solve), not claimed to be the overall optimum."""
    import time

    from bangfu.campaigns import solver

    price = solver._price_excluded

    def slow(*args: Any, **kwargs: Any) -> np.ndarray:
        found = price(*args, **kwargs)
        time.sleep(1.1)  # past the pricing budget (half of time_limit=2)
        return found

    monkeypatch.setattr(solver, "_price_excluded", slow)
    inp = _spread_case(1)
    hurried = solve_branches(inp, W, k=2, k_units=1, time_limit=2.0)
    assert hurried.status == "optimal" and hurried.pricing_rounds == 1
    assert not hurried.proven_over_all_pairs
    everything = solve_branches(inp, W, k=None)
    assert hurried.objective >= everything.objective - 1e-6
    assert len({p.left_id for p in hurried.pairs}) <= len(inp.branches)
