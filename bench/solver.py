"""Allocation solver speed on synthetic inputs (no database): the seed's scale and a province.

Units mostly sit in Guiyang (as provincial units do), villages sit at their county's centre,
70% of villages keep last year's branch, and some units have a resident team. Targets make
every unit take as many villages as its branches can (exact), so the plan is tight.
BENCH_SOLVER_K sets the candidate villages per unit (default 30); the branch solve then prices
every pair left out with the LP's duals until none could lower the cost (column generation), so
its optimum is over all branch–village pairs.
"""

from __future__ import annotations

import os
import random

from bench.common import report

GUIYANG = (106.63, 26.65)
PREFECTURES = ["5201", "5202", "5203", "5204", "5205", "5206", "5223", "5226", "5227"]


def synthetic(units: int, branches: int, villages: int, professionals: int, seed: int = 1):
    """A SolverInput of the given size; deterministic for a seed."""
    from bangfu.campaigns.solver import (
        CATEGORY_SPECIALTIES,
        BranchIn,
        ProfessionalIn,
        SolverInput,
        VillageIn,
    )

    rng = random.Random(seed)
    counties = [
        (f"{p}{c:02d}", rng.uniform(104.0, 109.3), rng.uniform(24.8, 29.0))
        for p in PREFECTURES
        for c in range(1, 11)
    ]
    seats = {}
    for u in range(units):
        seats[u] = GUIYANG if rng.random() < 0.85 else rng.choice(counties)[1:]
    branch_list = [BranchIn(i, i % units, 1, *seats[i % units]) for i in range(branches)]
    categories = [c for c, s in CATEGORY_SPECIALTIES.items() if s]
    village_list = []
    for j in range(villages):
        code, lon, lat = rng.choice(counties)
        cats = tuple(sorted(set(rng.sample(categories, rng.choice([0, 1, 1, 2])))))
        village_list.append(VillageIn(j, code, lon, lat, open_categories=cats))
    per_unit: dict[int, int] = {}
    for b in branch_list:
        per_unit[b.unit_id] = per_unit.get(b.unit_id, 0) + b.capacity
    existing = {
        (b.id, rng.randrange(villages))
        for b in branch_list
        if rng.random() < 0.7 * villages / branches
    }
    teams = {(rng.randrange(units), rng.randrange(villages)) for _ in range(units)}
    specialties = sorted({s for ss in CATEGORY_SPECIALTIES.values() for s in ss})
    pros = [
        ProfessionalIn(100_000 + i, u := rng.randrange(units), rng.choice(specialties), *seats[u])
        for i in range(professionals)
    ]
    return SolverInput(
        branches=branch_list,
        villages=village_list,
        targets=per_unit,
        existing=existing,
        resident_teams=teams,
        professionals=pros,
    )


def measure(label: str, sizes: tuple[int, int, int, int], k: int) -> dict[str, tuple[float, str]]:
    from bangfu.campaigns.solver import SolverWeights, solve_branches, solve_professionals

    inp = synthetic(*sizes)
    weights = SolverWeights()
    branches = solve_branches(inp, weights, k=k, time_limit=60.0)
    pros = solve_professionals(inp, weights, k=k, time_limit=60.0)
    if branches.problems:
        print(f"{label} problems: {branches.problems[:3]}")
    return {
        f"{label}_branch_seconds": (round(branches.seconds, 2), "s"),
        f"{label}_branch_status": (branches.status, ""),
        f"{label}_branch_gap": (branches.mip_gap, ""),
        f"{label}_branch_candidates": (branches.candidates, "pairs"),
        f"{label}_branch_pricing_rounds": (branches.pricing_rounds, "LP solves"),
        f"{label}_branch_proven_over_all_pairs": (branches.proven_over_all_pairs, ""),
        f"{label}_branch_pairs": (len(branches.pairs), "pairs"),
        f"{label}_professional_seconds": (round(pros.seconds, 2), "s"),
        f"{label}_professional_status": (pros.status, ""),
        f"{label}_professional_gap": (pros.mip_gap, ""),
        f"{label}_professional_pairs": (len(pros.pairs), "pairs"),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")
    import django

    django.setup()
    k = int(os.environ.get("BENCH_SOLVER_K", "30"))
    figures: dict[str, tuple[float, str]] = {"k": (k, "villages per unit")}
    figures |= measure("seed", (115, 1263, 1120, 200), k)
    figures |= measure("province", (1370, 15000, 9000, 3000), k)
    report("solver", figures)
