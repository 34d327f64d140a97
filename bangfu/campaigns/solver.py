"""Allocation solver: proposes branch ↔ village and professional ↔ village pairings.

The pure layer works on plain dataclasses so it can be tested (and benchmarked) without a
database; `load_problem()` is the thin bridge from a campaign's records to a `SolverInput`.

Branch ↔ village is a min-cost flow with bounds (unit → branch → village → prefecture), written
as a MILP for HiGHS (`scipy.optimize.milp`). Its constraint matrix is a network matrix, so the
LP optimum is already integral and HiGHS proves optimality at the root: the gap it reports is
0 whenever the status is optimal. Optimality is over the candidate set (see `candidate_pairs`);
pass ``k=None`` to consider every pair.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from types import SimpleNamespace
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

EARTH_RADIUS_KM = 6371.0

# Which specialties can help with an open problem of each category (ProblemCategory values →
# Specialty values). Party building and "other" are the branch's own work: no professional.
CATEGORY_SPECIALTIES: dict[str, tuple[str, ...]] = {
    "infrastructure": ("construction",),
    "industry": ("agronomy", "animal_husbandry", "commerce"),
    "education": ("education",),
    "health": ("health",),
    "housing": ("construction",),
    "water": ("water",),
    "employment": ("commerce",),
    "dispute": ("law",),
    "party_building": (),
    "other": (),
}

# HiGHS statuses as scipy.optimize.milp reports them.
_STATUS = {0: "optimal", 1: "limit", 2: "infeasible", 3: "unbounded", 4: "error"}


@dataclass(frozen=True)
class SolverWeights:
    """Cost weights, in "points"; a pair's cost is the sum of its weighted terms.

    Defaults make keeping a pairing worth about 500 km of travel and a resident team about
    300 km; override them with the ``BANGFU_SOLVER_WEIGHTS`` setting (a dict of these names).
    """

    keep: float = 50.0  # bonus for keeping an existing pairing
    resident_team: float = 30.0  # bonus when the unit has a resident team in the village
    distance_per_km: float = 0.1  # travel from the unit's seat to the village
    prefecture_excess: float = 20.0  # per pairing above a prefecture's fair share
    specialty_match: float = 100.0  # bonus for a professional matching an open problem
    professional_distance_per_km: float = 0.1

    @classmethod
    def from_settings(cls) -> SolverWeights:
        """Weights are settings (issue #4): read BANGFU_SOLVER_WEIGHTS when Django is configured."""
        from django.conf import settings

        overrides = (
            getattr(settings, "BANGFU_SOLVER_WEIGHTS", None) if settings.configured else None
        )
        if not overrides:
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in overrides.items() if k in known})


@dataclass(frozen=True)
class BranchIn:
    id: int
    unit_id: int
    capacity: int = 1
    lon: float | None = None  # the unit's seat
    lat: float | None = None


@dataclass(frozen=True)
class VillageIn:
    id: int
    county_code: str
    lon: float | None = None  # approximated by the county's centre
    lat: float | None = None
    max_branches: int = 2
    demand: int = 1
    open_categories: tuple[str, ...] = ()  # categories of its open problems
    name: str = ""

    @property
    def prefecture(self) -> str:
        return self.county_code[:4]


@dataclass(frozen=True)
class ProfessionalIn:
    id: int  # member id
    unit_id: int
    specialty: str
    lon: float | None = None
    lat: float | None = None
    capacity: int = 1  # villages they can visit


@dataclass
class SolverInput:
    branches: list[BranchIn]
    villages: list[VillageIn]
    targets: dict[int, int] = field(default_factory=dict)  # unit id → villages to take
    existing: set[tuple[int, int]] = field(default_factory=set)  # (branch id, village id)
    resident_teams: set[tuple[int, int]] = field(default_factory=set)  # (unit id, village id)
    professionals: list[ProfessionalIn] = field(default_factory=list)
    unit_names: dict[int, str] = field(default_factory=dict)
    exact_targets: bool = True  # False: each unit takes at least its target

    def unit_name(self, unit_id: int) -> str:
        return self.unit_names.get(unit_id) or str(unit_id)


@dataclass(frozen=True)
class Pair:
    """One proposed pairing with the cost terms that made it (the explanation)."""

    left_id: int  # branch id, or member id for professionals
    village_id: int
    cost: float
    terms: dict[str, float]
    specialty: str = ""


@dataclass(frozen=True)
class PrefectureLoad:
    prefecture: str
    fair_share: int
    assigned: int
    excess: int
    penalty: float


@dataclass
class SolverResult:
    status: str  # optimal | limit | infeasible | unbounded | error
    pairs: list[Pair] = field(default_factory=list)
    objective: float | None = None
    mip_gap: float | None = None
    highs_status: int | None = None
    highs_message: str = ""
    seconds: float = 0.0
    candidates: int = 0
    totals: dict[str, float] = field(default_factory=dict)  # term → sum (plus balance)
    prefectures: list[PrefectureLoad] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pricing_rounds: int = 0  # column generation: LP solves that priced the pairs left out
    proven_over_all_pairs: bool = False  # optimal over every pair, not only the candidates

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "limit") and self.objective is not None


# -- geometry --------------------------------------------------------------------------------


def _coords(items: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    lon = np.array([np.nan if i.lon is None else float(i.lon) for i in items], dtype=float)
    lat = np.array([np.nan if i.lat is None else float(i.lat) for i in items], dtype=float)
    return lon, lat


def haversine_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distance in km; road travel is longer, but the ranking is what matters."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _nearest(dist: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Indices of the k smallest entries along `axis`, ties spread by a rotation.

    Most provincial units sit in Guiyang, so many distances tie exactly; without the rotation
    every village would pick the same few units and far villages none at all.
    """
    n_rows, n_cols = dist.shape
    rows = np.arange(n_rows)[:, None]
    cols = np.arange(n_cols)[None, :]
    if axis == 1:
        rot = (cols - rows * max(1, n_cols // max(1, n_rows) + 1)) % n_cols
        key = np.floor(np.nan_to_num(dist, nan=1e9)) * n_cols + rot
    else:
        rot = (rows - cols * max(1, n_rows // max(1, n_cols) + 1)) % n_rows
        key = np.floor(np.nan_to_num(dist, nan=1e9)) * n_rows + rot
    size = dist.shape[axis]
    if k >= size:
        return np.argsort(key, axis=axis)
    return np.argpartition(key, k - 1, axis=axis).take(np.arange(k), axis=axis)


# -- branch ↔ village ------------------------------------------------------------------------


def candidate_pairs(inp: SolverInput, k: int | None = 30, k_units: int = 3) -> np.ndarray:
    """The sparse (branch index, village index) pairs the MILP may choose from.

    Each unit's k nearest villages (its branches share the unit's seat) plus its round-robin
    share of its seat's pool, each village's k_units nearest units, and every existing pairing
    or resident-team village. k=None: all pairs.
    """
    nb, nv = len(inp.branches), len(inp.villages)
    if nb == 0 or nv == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if k is None:
        b, v = np.meshgrid(np.arange(nb), np.arange(nv), indexing="ij")
        return np.stack([b.ravel(), v.ravel()], axis=1).astype(np.int64)
    unit_ids = sorted({b.unit_id for b in inp.branches})
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    seats: dict[int, tuple[float | None, float | None]] = {}
    for br in inp.branches:
        seats.setdefault(br.unit_id, (br.lon, br.lat))
    ulon = np.array([np.nan if seats[u][0] is None else seats[u][0] for u in unit_ids], dtype=float)
    ulat = np.array([np.nan if seats[u][1] is None else seats[u][1] for u in unit_ids], dtype=float)
    vlon, vlat = _coords(inp.villages)
    dist = haversine_km(ulon[:, None], ulat[:, None], vlon[None, :], vlat[None, :]).astype(
        np.float32
    )
    branches_of: list[list[int]] = [[] for _ in unit_ids]
    for bi, br in enumerate(inp.branches):
        branches_of[unit_index[br.unit_id]].append(bi)
    unit_pairs: set[tuple[int, int]] = set()
    if k > 0:
        # Units sharing a seat (most sit in Guiyang) would all pick the same k villages; so the
        # seat's group also gets a pool of nearest villages able to absorb twice its capacity,
        # dealt round-robin (twice) among its units.
        groups: dict[tuple[float, float], list[int]] = defaultdict(list)
        for ui in range(len(unit_ids)):
            groups[(round(float(ulon[ui]), 4), round(float(ulat[ui]), 4))].append(ui)
        max_b = np.array([v.max_branches for v in inp.villages], dtype=np.int64)
        unit_cap = np.zeros(len(unit_ids), dtype=np.int64)
        for br in inp.branches:
            unit_cap[unit_index[br.unit_id]] += br.capacity
        for members in groups.values():
            order = np.argsort(np.nan_to_num(dist[members[0]], nan=1e9), kind="stable")
            need = 2 * int(unit_cap[members].sum())
            pool = int(np.searchsorted(np.cumsum(max_b[order]), need)) + 1
            g = len(members)
            for i, ui in enumerate(members):
                picks = set(order[: min(k, nv)].tolist())
                picks.update(order[i:pool:g].tolist())
                if g > 1:
                    picks.update(order[(i + g // 2) % g : pool : g].tolist())
                unit_pairs.update((ui, int(vi)) for vi in picks)
    if k_units > 0:
        near_u = _nearest(dist, min(k_units, len(unit_ids)), axis=0)  # (k_units, villages)
        for vi in range(nv):
            for ui in near_u[:, vi]:
                unit_pairs.add((int(ui), vi))
    keys: list[np.ndarray] = []
    for ui, vi in unit_pairs:
        bs = np.asarray(branches_of[ui], dtype=np.int64)
        keys.append(bs * nv + vi)
    b_index = {br.id: i for i, br in enumerate(inp.branches)}
    v_index = {vg.id: i for i, vg in enumerate(inp.villages)}
    extra = [b_index[b] * nv + v_index[v] for b, v in inp.existing if b in b_index and v in v_index]
    for u, v in inp.resident_teams:
        if u in unit_index and v in v_index:
            extra.extend(b * nv + v_index[v] for b in branches_of[unit_index[u]])
    keys.append(np.asarray(extra, dtype=np.int64))
    flat = np.unique(np.concatenate(keys))
    return np.stack([flat // nv, flat % nv], axis=1)


def pair_terms(inp: SolverInput, cand: np.ndarray, weights: SolverWeights) -> dict[str, np.ndarray]:
    """Each candidate's cost terms (term → array); their sum is the pair's cost."""
    bl, bt = _coords(inp.branches)
    vl, vt = _coords(inp.villages)
    bi, vi = cand[:, 0], cand[:, 1]
    km = np.nan_to_num(haversine_km(bl[bi], bt[bi], vl[vi], vt[vi]), nan=0.0)
    bid = np.array([b.id for b in inp.branches], dtype=np.int64)[bi]
    uid = np.array([b.unit_id for b in inp.branches], dtype=np.int64)[bi]
    vid = np.array([v.id for v in inp.villages], dtype=np.int64)[vi]
    keep = np.fromiter(
        ((b, v) in inp.existing for b, v in zip(bid.tolist(), vid.tolist(), strict=True)),
        bool,
        len(cand),
    )
    team = np.fromiter(
        ((u, v) in inp.resident_teams for u, v in zip(uid.tolist(), vid.tolist(), strict=True)),
        bool,
        len(cand),
    )
    return {
        "keep": np.where(keep, -weights.keep, 0.0),
        "resident_team": np.where(team, -weights.resident_team, 0.0),
        "distance": weights.distance_per_km * km,
    }


def fair_shares(inp: SolverInput) -> dict[str, int]:
    """Each prefecture's fair share of the planned pairings: the planned total (the larger of
    the villages' demand and the units' targets) times its share of demand, rounded up (its
    share of villages when no village has a demand)."""
    demand: dict[str, int] = defaultdict(int)
    for v in inp.villages:
        demand[v.prefecture] += v.demand
    if sum(demand.values()) == 0:
        for v in inp.villages:
            demand[v.prefecture] += 1
    total = sum(demand.values())
    if total == 0:
        return {}
    planned = max(sum(v.demand for v in inp.villages), sum(inp.targets.values()))
    return {p: math.ceil(planned * d / total) for p, d in demand.items()}


def check_feasibility(inp: SolverInput, cand: np.ndarray | None = None) -> list[str]:
    """Necessary conditions, checked before solving, each naming the constraint that fails."""
    problems: list[str] = []
    capacity_of_unit: dict[int, int] = defaultdict(int)
    for b in inp.branches:
        capacity_of_unit[b.unit_id] += b.capacity
    for unit_id, target in sorted(inp.targets.items()):
        cap = capacity_of_unit.get(unit_id, 0)
        if target > cap:
            problems.append(
                _("单位{unit}的目标为{target}个村,但其支部总容量只有{capacity}。").format(
                    unit=inp.unit_name(unit_id), target=target, capacity=cap
                )
            )
    total_capacity = sum(b.capacity for b in inp.branches)
    total_demand = sum(v.demand for v in inp.villages)
    total_max = sum(v.max_branches for v in inp.villages)
    if total_demand > total_capacity:
        problems.append(
            _("村的需求总数{demand}超过支部总容量{capacity}。").format(
                demand=total_demand, capacity=total_capacity
            )
        )
    target_sum = sum(inp.targets.values())
    if target_sum > total_max:
        problems.append(
            _("各单位目标合计{targets}个村,超过所有村可结对支部数上限合计{limit}。").format(
                targets=target_sum, limit=total_max
            )
        )
    free_units = {b.unit_id for b in inp.branches} - set(inp.targets)
    if inp.exact_targets and not free_units and inp.targets and total_demand > target_sum:
        problems.append(
            _("村的需求总数{demand}超过各单位目标合计{targets}。").format(
                demand=total_demand, targets=target_sum
            )
        )
    for v in inp.villages:
        if v.demand > v.max_branches:
            problems.append(
                _("村{village}需要{demand}个支部,但最多只能结对{limit}个支部。").format(
                    village=v.name or v.id, demand=v.demand, limit=v.max_branches
                )
            )
    if cand is not None:
        per_village = np.bincount(cand[:, 1], minlength=len(inp.villages))
        for vi, v in enumerate(inp.villages):
            if v.demand > 0 and per_village[vi] == 0:
                problems.append(
                    _("村{village}在候选范围内没有任何支部。").format(village=v.name or v.id)
                )
            elif per_village[vi] < v.demand:
                problems.append(
                    _("村{village}需要{demand}个支部,但候选范围内只有{count}个。").format(
                        village=v.name or v.id, demand=v.demand, count=int(per_village[vi])
                    )
                )
        unit_of = np.array([b.unit_id for b in inp.branches], dtype=np.int64)
        per_unit = defaultdict(int)
        for u, n in zip(*np.unique(unit_of[cand[:, 0]], return_counts=True), strict=True):
            per_unit[int(u)] = int(n)
        for unit_id, target in sorted(inp.targets.items()):
            if target <= capacity_of_unit.get(unit_id, 0) and per_unit[unit_id] < target:
                problems.append(
                    _(
                        "单位{unit}的目标为{target}个村,但候选范围内只有{count}个支部-村组合。"
                    ).format(unit=inp.unit_name(unit_id), target=target, count=per_unit[unit_id])
                )
    return problems


@dataclass
class _BranchLP:
    """The branch ↔ village problem over a candidate set, in HiGHS's row-bounds form."""

    cand: np.ndarray
    terms: dict[str, np.ndarray]
    cost: np.ndarray
    c: np.ndarray
    a: sparse.csr_array
    lb: np.ndarray
    ub: np.ndarray
    bounds: Bounds
    v_pref: np.ndarray
    prefs: list[str]
    fair: dict[str, int]
    unit_row: np.ndarray  # per branch: its target unit's row offset, or -1


def _branch_lp(inp: SolverInput, cand: np.ndarray, weights: SolverWeights) -> _BranchLP:
    terms = pair_terms(inp, cand, weights)
    cost = sum(terms.values()) if terms else np.zeros(len(cand))
    nx = len(cand)
    fair = fair_shares(inp)
    prefs = sorted(fair)
    p_index = {p: i for i, p in enumerate(prefs)}
    ny = len(prefs)
    nb, nv = len(inp.branches), len(inp.villages)
    target_units = sorted(inp.targets)
    u_index = {u: i for i, u in enumerate(target_units)}
    nu = len(target_units)
    cols = np.arange(nx)
    # Rows: branches, villages, target units, prefectures.
    branch_unit_row = np.array([u_index.get(b.unit_id, -1) for b in inp.branches], dtype=np.int64)
    unit_row = branch_unit_row[cand[:, 0]]
    has_unit = unit_row >= 0
    v_pref = np.array([p_index[v.prefecture] for v in inp.villages], dtype=np.int64)
    rows = np.concatenate(
        [
            cand[:, 0],
            nb + cand[:, 1],
            nb + nv + unit_row[has_unit],
            nb + nv + nu + v_pref[cand[:, 1]],
            nb + nv + nu + np.arange(ny),
        ]
    )
    colsall = np.concatenate([cols, cols, cols[has_unit], cols, nx + np.arange(ny)])
    vals = np.concatenate([np.ones(3 * nx + int(has_unit.sum())), -np.ones(ny)])
    a = sparse.csr_array((vals, (rows, colsall)), shape=(nb + nv + nu + ny, nx + ny))
    lb = np.concatenate(
        [
            np.zeros(nb),
            [v.demand for v in inp.villages],
            [inp.targets[u] for u in target_units],
            np.full(ny, -np.inf),
        ]
    )
    ub = np.concatenate(
        [
            [b.capacity for b in inp.branches],
            [v.max_branches for v in inp.villages],
            [inp.targets[u] if inp.exact_targets else np.inf for u in target_units],
            [fair[p] for p in prefs],
        ]
    )
    c = np.concatenate([cost, np.full(ny, weights.prefecture_excess)])
    bounds = Bounds(np.zeros(nx + ny), np.concatenate([np.ones(nx), np.full(ny, np.inf)]))
    return _BranchLP(cand, terms, cost, c, a, lb, ub, bounds, v_pref, prefs, fair, branch_unit_row)


def _elastic(lp: _BranchLP) -> tuple[sparse.csc_array, np.ndarray, np.ndarray, np.ndarray]:
    """The LP with a costly slack on every row with a floor (a village's demand, a unit's
    target): over too few candidates it is still feasible, and its duals price the missing
    pairs (big-M phase one). Returns the matrix, costs and column bounds; the final solve has
    no slacks."""
    floors = np.flatnonzero(lp.lb > 0)
    big_m = 1e3 * (1.0 + float(np.abs(lp.c).max(initial=0.0))) * (1 + len(floors))
    slack = sparse.csc_array(
        (np.ones(len(floors)), (floors, np.arange(len(floors)))),
        shape=(lp.a.shape[0], len(floors)),
    )
    a = sparse.hstack([lp.a, slack], format="csc")
    c = np.concatenate([lp.c, np.full(len(floors), big_m)])
    col_lb = np.concatenate([lp.bounds.lb, np.zeros(len(floors))])
    col_ub = np.concatenate([lp.bounds.ub, np.full(len(floors), np.inf)])
    return a, c, col_lb, col_ub


class _ScipyPricing:
    """Each round solves the elastic LP afresh with SciPy's HiGHS (the fallback engine)."""

    def __init__(self, inp: SolverInput, weights: SolverWeights, lp: _BranchLP) -> None:
        self.inp, self.weights, self.lp = inp, weights, lp

    def duals(self, seconds: float) -> np.ndarray | None:
        """The dual value per row; linprog takes one-sided rows, so each row is an equality,
        a ≤ row, a ≥ row (negated) or both, and its dual sums its parts' marginals."""
        from scipy.optimize import linprog

        lp = self.lp
        a, c, col_lb, col_ub = _elastic(lp)
        a = a.tocsr()
        equal = np.isclose(lp.lb, lp.ub)
        upper = ~equal & np.isfinite(lp.ub)
        lower = ~equal & np.isfinite(lp.lb) & (lp.lb > 0)
        up_rows, low_rows, eq_rows = (np.flatnonzero(m) for m in (upper, lower, equal))
        a_ub = sparse.vstack([a[up_rows], -a[low_rows]]).tocsr()
        b_ub = np.concatenate([lp.ub[up_rows], -lp.lb[low_rows]])
        res = linprog(
            c,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=b_ub if a_ub.shape[0] else None,
            A_eq=a[eq_rows] if len(eq_rows) else None,
            b_eq=lp.lb[eq_rows] if len(eq_rows) else None,
            bounds=np.stack([col_lb, col_ub], axis=1),
            method="highs-ds",
            options={"time_limit": max(seconds, 0.1)},
        )
        if res.status != 0:
            return None
        nx, ny = len(lp.cand), len(lp.prefs)
        self.last = (res.x[:nx], float(res.x[nx + ny :].sum()))
        duals = np.zeros(a.shape[0])
        if a_ub.shape[0]:
            marginals = res.ineqlin.marginals
            duals[up_rows] += marginals[: len(up_rows)]
            duals[low_rows] -= marginals[len(up_rows) :]
        if len(eq_rows):
            duals[eq_rows] += res.eqlin.marginals
        return duals

    def add(self, pairs: np.ndarray) -> None:
        self.lp = _branch_lp(self.inp, np.concatenate([self.lp.cand, pairs]), self.weights)

    def solution(self) -> tuple[np.ndarray, float]:
        """The last LP's value of each candidate pair, and the sum of its slacks."""
        return self.last


class _HighsPricing:
    """One HiGHS model kept across rounds (highspy): added pairs become new columns and the
    next solve starts from the last basis, instead of solving the whole LP again."""

    def __init__(self, inp: SolverInput, weights: SolverWeights, lp: _BranchLP) -> None:
        import highspy

        self.inp, self.weights, self.lp = inp, weights, lp
        a, c, col_lb, col_ub = _elastic(lp)
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = a.shape[1], a.shape[0]
        model.col_cost_, model.col_lower_, model.col_upper_ = c, col_lb, col_ub
        model.row_lower_, model.row_upper_ = lp.lb, lp.ub
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.start_ = a.indptr
        model.a_matrix_.index_ = a.indices
        model.a_matrix_.value_ = a.data
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("solver", "simplex")
        self.highs.passModel(model)
        self.optimal = highspy.HighsModelStatus.kOptimal
        # Columns: the first candidates, the prefectures' excess, the slacks, then added pairs.
        self.first, self.extra = len(lp.cand), a.shape[1] - len(lp.cand)

    def duals(self, seconds: float) -> np.ndarray | None:
        self.highs.setOptionValue("time_limit", max(seconds, 0.1))
        self.highs.run()
        if self.highs.getModelStatus() != self.optimal:
            return None
        return np.asarray(self.highs.getSolution().row_dual)

    def solution(self) -> tuple[np.ndarray, float]:
        """The last LP's value of each candidate pair, and the sum of its slacks."""
        x = np.asarray(self.highs.getSolution().col_value)
        ny = len(self.lp.prefs)
        pairs = np.concatenate([x[: self.first], x[self.first + self.extra :]])
        return pairs, float(x[self.first + ny : self.first + self.extra].sum())

    def add(self, pairs: np.ndarray) -> None:
        """The pairs as columns: a 1 in the branch's, the village's, the unit target's and the
        prefecture's rows, at the pair's cost."""
        inp, lp = self.inp, self.lp
        nb, nv, nu = len(inp.branches), len(inp.villages), len(inp.targets)
        cost = sum(pair_terms(inp, pairs, self.weights).values())
        unit = lp.unit_row[pairs[:, 0]]
        rows = [pairs[:, 0], nb + pairs[:, 1], nb + nv + nu + lp.v_pref[pairs[:, 1]]]
        per_col = np.stack(rows, axis=1)
        entries = [
            np.sort(np.append(r, nb + nv + u)) if u >= 0 else r
            for r, u in zip(per_col, unit, strict=True)
        ]
        starts = np.concatenate([[0], np.cumsum([len(e) for e in entries])[:-1]])
        index = np.concatenate(entries)
        n = len(pairs)
        self.highs.addCols(
            n, cost, np.zeros(n), np.ones(n), len(index), starts, index, np.ones(len(index))
        )
        self.lp = dataclasses.replace(lp, cand=np.concatenate([lp.cand, pairs]))


def _pricing_engine() -> type:
    """HiGHS's own Python package when installed (warm starts), else SciPy's copy of HiGHS."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return _ScipyPricing
    return _HighsPricing


def _price_excluded(
    inp: SolverInput,
    weights: SolverWeights,
    lp: _BranchLP,
    duals: np.ndarray,
    unit_km: np.ndarray,
    tolerance: float = 1e-5,
    limit: int | None = None,
) -> np.ndarray:
    """(branch, village) pairs outside the candidate set whose reduced cost is negative: the
    ones that could lower the cost. Empty means the candidate set's optimum is the optimum
    over every pair.

    A pair outside the set has no keep or resident-team bonus (those pairs are always
    candidates), so its cost is the distance term: the unit's distance to the village.
    """
    nb, nv = len(inp.branches), len(inp.villages)
    nu = len(inp.targets)
    y_branch, y_village = duals[:nb], duals[nb : nb + nv]
    y_unit = duals[nb + nv : nb + nv + nu]
    y_pref = duals[nb + nv + nu :]
    unit_ids = sorted({b.unit_id for b in inp.branches})
    u_of_branch = np.searchsorted(unit_ids, [b.unit_id for b in inp.branches])
    y_unit_of_branch = np.append(y_unit, 0.0)[lp.unit_row]  # -1 (no target) reads the 0.0
    branch_side = y_branch + y_unit_of_branch
    # The most a branch of each unit can take off a pair's cost; a pair is worth a look when
    # even that branch's reduced cost is negative.
    best = np.full(len(unit_ids), -np.inf)
    np.maximum.at(best, u_of_branch, branch_side)
    village_side = y_village + y_pref[lp.v_pref]
    reduced = weights.distance_per_km * unit_km - best[:, None] - village_side[None, :]
    units, villages = np.nonzero(reduced < -tolerance)
    if not len(units):
        return np.zeros((0, 2), dtype=np.int64)
    # Every branch of those units, for those villages; keep the ones really negative and new.
    order = np.argsort(u_of_branch, kind="stable")
    starts = np.searchsorted(u_of_branch[order], np.arange(len(unit_ids)))
    counts = np.bincount(u_of_branch, minlength=len(unit_ids))
    n = counts[units]
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    b = order[np.repeat(starts[units], n) + offsets]
    v = np.repeat(villages, n)
    d = weights.distance_per_km * unit_km[u_of_branch[b], v] - branch_side[b] - village_side[v]
    keep = d < -tolerance
    b, v, d = b[keep], v[keep], d[keep]
    known = lp.cand[:, 0] * nv + lp.cand[:, 1]
    new = ~np.isin(b * nv + v, known)
    b, v, d = b[new], v[new], d[new]
    if limit is not None and len(d) > limit:
        most = np.argpartition(d, limit - 1)[:limit]
        b, v = b[most], v[most]
    return np.stack([b, v], axis=1).astype(np.int64)


def _unit_km(inp: SolverInput) -> np.ndarray:
    """Distance from each unit's seat (units sorted by id) to each village."""
    unit_ids = sorted({b.unit_id for b in inp.branches})
    seats: dict[int, tuple[float | None, float | None]] = {}
    for br in inp.branches:
        seats.setdefault(br.unit_id, (br.lon, br.lat))
    ulon = np.array([np.nan if seats[u][0] is None else seats[u][0] for u in unit_ids])
    ulat = np.array([np.nan if seats[u][1] is None else seats[u][1] for u in unit_ids])
    vlon, vlat = _coords(inp.villages)
    km = haversine_km(ulon[:, None], ulat[:, None], vlon[None, :], vlat[None, :])
    return np.nan_to_num(km, nan=0.0)


def solve_branches(
    inp: SolverInput,
    weights: SolverWeights | None = None,
    k: int | None = 30,
    k_units: int = 3,
    time_limit: float = 60.0,
    prove: bool = True,
) -> SolverResult:
    """Branch ↔ village pairings meeting every capacity, village bound and unit target at
    minimum total cost (pair costs plus the prefecture-balance penalty).

    The problem is solved over a candidate set (`candidate_pairs`); with `prove`, the pairs left
    out are then priced with the LP's duals and any that could lower the cost are added, until
    none can (column generation): the result is then optimal over every branch–village pair.
    """
    started = time.perf_counter()
    weights = weights or SolverWeights.from_settings()
    cand = candidate_pairs(inp, k=k, k_units=k_units)
    # With pricing, what the candidates lack is added, so only the whole problem is checked.
    problems = check_feasibility(inp, None if prove and k is not None else cand)
    if problems:
        return SolverResult(
            status="infeasible",
            problems=problems,
            candidates=len(cand),
            seconds=time.perf_counter() - started,
        )
    lp = _branch_lp(inp, cand, weights)
    rounds, proven, pricing = 0, k is None, None
    if prove and not proven:
        unit_km = _unit_km(inp)
        pricing = _pricing_engine()(inp, weights, lp)
        # Pricing gets half the time; unproven by then, the candidates' optimum is the answer.
        budget = started + time_limit / 2
        while time.perf_counter() < budget:
            duals = pricing.duals(budget - time.perf_counter())
            if duals is None:
                break  # infeasible over the candidates: reported below
            rounds += 1
            added = _price_excluded(
                inp, weights, pricing.lp, duals, unit_km, limit=5 * len(inp.villages)
            )
            if not len(added):
                proven = True
                break
            pricing.add(added)
        lp = _branch_lp(inp, pricing.lp.cand, weights)
    cand, terms, cost = lp.cand, lp.terms, lp.cost
    nx, ny, nb, nv = len(cand), len(lp.prefs), len(inp.branches), len(inp.villages)
    nu = len(inp.targets)
    v_pref, fair, prefs = lp.v_pref, lp.fair, lp.prefs
    p_index = {p: i for i, p in enumerate(prefs)}
    constraint = LinearConstraint(lp.a, lp.lb, lp.ub)
    c, bounds = lp.c, lp.bounds
    # Branches nest in units and villages in prefectures: the rows are two laminar families,
    # so the matrix is totally unimodular and the LP's vertex optimum is already 0/1. Solving
    # the LP (simplex) is exact and far faster than branch-and-bound; the MIP is the fallback
    # should a solution ever come back fractional.
    remaining = max(1.0, time_limit - (time.perf_counter() - started))
    res = None
    if pricing is not None and rounds:
        # Proven: the last priced LP is the answer. Out of time: one more warm-started solve
        # over the candidates gathered so far is far cheaper than solving them afresh.
        if proven or pricing.duals(remaining) is not None:
            res = _priced_solution(pricing)
    if res is None:
        res = milp(
            c,
            constraints=constraint,
            bounds=bounds,
            options={"time_limit": remaining, "presolve": True},
        )
    if res.x is not None and not np.allclose(res.x[:nx], np.round(res.x[:nx]), atol=1e-6):
        res = milp(
            c,
            constraints=constraint,
            integrality=np.concatenate([np.ones(nx), np.zeros(ny)]),
            bounds=bounds,
            options={"time_limit": remaining, "mip_rel_gap": 0.0},
        )
    status = _STATUS.get(res.status, "error")
    result = SolverResult(
        status=status,
        highs_status=int(res.status),
        highs_message=str(res.message),
        candidates=nx,
        pricing_rounds=rounds,
        proven_over_all_pairs=proven and status == "optimal",
    )
    if res.x is None:
        if status == "infeasible":
            result.problems.append(
                _(
                    "求解器判定无可行方案:{branches}个支部(总容量{capacity})、{villages}个村"
                    "(需求{demand})、{units}个单位目标、{candidates}个候选组合。"
                    "请放宽目标、增加容量或扩大候选范围。"
                ).format(
                    branches=nb,
                    capacity=sum(b.capacity for b in inp.branches),
                    villages=nv,
                    demand=sum(v.demand for v in inp.villages),
                    units=nu,
                    candidates=nx,
                )
            )
        else:
            result.problems.append(_("求解器未得到方案({message})。").format(message=res.message))
        result.seconds = time.perf_counter() - started
        return result
    chosen = np.flatnonzero(res.x[:nx] > 0.5)
    names = list(terms)
    for j in chosen:
        t = {name: float(terms[name][j]) for name in names}
        result.pairs.append(
            Pair(
                left_id=inp.branches[cand[j, 0]].id,
                village_id=inp.villages[cand[j, 1]].id,
                cost=float(cost[j]),
                terms=t,
            )
        )
    counts = np.bincount(v_pref[cand[chosen, 1]], minlength=ny)
    for p, i in p_index.items():
        excess = max(0, int(counts[i]) - fair[p])
        result.prefectures.append(
            PrefectureLoad(p, fair[p], int(counts[i]), excess, excess * weights.prefecture_excess)
        )
    result.totals = {name: float(terms[name][chosen].sum()) for name in names}
    result.totals["prefecture_excess"] = float(sum(p.penalty for p in result.prefectures))
    result.objective = float(sum(result.totals.values()))
    result.mip_gap = 0.0 if status == "optimal" else _gap(res)
    result.seconds = time.perf_counter() - started
    return result


def _priced_solution(pricing: Any) -> Any:
    """The last priced LP's vertex as the answer, when it used no slack and is 0/1 (it is the
    optimum over every pair then); None sends the caller to solve the final set again."""
    x, slack = pricing.solution()
    if slack > 1e-9 or not np.allclose(x, np.round(x), atol=1e-9):
        return None
    return SimpleNamespace(x=np.round(x), status=0, message=_("最优(列生成)"))


def _gap(res: Any) -> float | None:
    gap = getattr(res, "mip_gap", None)
    return None if gap is None else float(gap)


# -- professional ↔ village ------------------------------------------------------------------


def village_needs(villages: Iterable[VillageIn]) -> list[tuple[int, str]]:
    """(village index, specialty) slots: a village with an open problem in a category wants at
    most one professional of each specialty that category maps to."""
    slots = []
    for vi, v in enumerate(villages):
        wanted = sorted({s for c in v.open_categories for s in CATEGORY_SPECIALTIES.get(c, ())})
        slots.extend((vi, s) for s in wanted)
    return slots


def solve_professionals(
    inp: SolverInput,
    weights: SolverWeights | None = None,
    k: int | None = 30,
    time_limit: float = 60.0,
) -> SolverResult:
    """Professional ↔ village proposals: each slot (village, specialty) gets at most one
    professional of that specialty, each professional at most `capacity` villages; a match is
    made only when its bonus outweighs the travel (so the total cost is minimal)."""
    started = time.perf_counter()
    weights = weights or SolverWeights.from_settings()
    slots = village_needs(inp.villages)
    pros = inp.professionals
    if not slots or not pros:
        return SolverResult(status="optimal", objective=0.0, mip_gap=0.0)
    vl, vt = _coords(inp.villages)
    pl, pt = _coords(pros)
    slot_v = np.array([s[0] for s in slots], dtype=np.int64)
    by_specialty: dict[str, list[int]] = defaultdict(list)
    for si, (_vi, spec) in enumerate(slots):
        by_specialty[spec].append(si)
    cand_p: list[np.ndarray] = []
    cand_s: list[np.ndarray] = []
    for pi, pro in enumerate(pros):
        sl = np.asarray(by_specialty.get(pro.specialty, []), dtype=np.int64)
        if len(sl) == 0:
            continue
        if k is not None and len(sl) > k:
            d = np.nan_to_num(haversine_km(pl[pi], pt[pi], vl[slot_v[sl]], vt[slot_v[sl]]), nan=1e9)
            sl = sl[np.argpartition(d, k - 1)[:k]]
        cand_p.append(np.full(len(sl), pi, dtype=np.int64))
        cand_s.append(sl)
    if not cand_p:
        return SolverResult(status="optimal", objective=0.0, mip_gap=0.0)
    cp, cs = np.concatenate(cand_p), np.concatenate(cand_s)
    vi = slot_v[cs]
    km = np.nan_to_num(haversine_km(pl[cp], pt[cp], vl[vi], vt[vi]), nan=0.0)
    uid = np.array([p.unit_id for p in pros], dtype=np.int64)[cp]
    vid = np.array([v.id for v in inp.villages], dtype=np.int64)[vi]
    team = np.fromiter(
        ((u, v) in inp.resident_teams for u, v in zip(uid.tolist(), vid.tolist(), strict=True)),
        bool,
        len(cp),
    )
    terms = {
        "specialty_match": np.full(len(cp), -weights.specialty_match),
        "resident_team": np.where(team, -weights.resident_team, 0.0),
        "distance": weights.professional_distance_per_km * km,
    }
    cost = sum(terms.values())
    n = len(cp)
    a = sparse.csr_array(
        (np.ones(2 * n), (np.concatenate([cp, len(pros) + cs]), np.tile(np.arange(n), 2))),
        shape=(len(pros) + len(slots), n),
    )
    ub = np.concatenate([[p.capacity for p in pros], np.ones(len(slots))])
    res = milp(
        cost,
        constraints=LinearConstraint(a, np.zeros(len(ub)), ub),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "mip_rel_gap": 0.0},
    )
    status = _STATUS.get(res.status, "error")
    result = SolverResult(
        status=status, highs_status=int(res.status), highs_message=str(res.message), candidates=n
    )
    if res.x is None:
        result.problems.append(_("求解器未得到方案({message})。").format(message=res.message))
        result.seconds = time.perf_counter() - started
        return result
    chosen = np.flatnonzero(res.x > 0.5)
    for j in chosen:
        result.pairs.append(
            Pair(
                left_id=pros[cp[j]].id,
                village_id=int(vid[j]),
                cost=float(cost[j]),
                terms={name: float(arr[j]) for name, arr in terms.items()},
                specialty=slots[cs[j]][1],
            )
        )
    result.totals = {name: float(arr[chosen].sum()) for name, arr in terms.items()}
    result.objective = float(sum(result.totals.values()))
    result.mip_gap = 0.0 if status == "optimal" else _gap(res)
    result.seconds = time.perf_counter() - started
    return result


# -- database loader -------------------------------------------------------------------------


def locator(codes: Iterable[str]) -> Any:
    """A function from a region code (among `codes`) to its (lon, lat): the region's own, else
    its county's centre, else its prefecture's; (None, None) when none is recorded."""
    from bangfu.geo.models import Region

    wanted = set(codes)
    fallback = {c[:6] + "000000" for c in wanted} | {c[:4] + "00000000" for c in wanted}
    located = {
        code: (float(lon), float(lat))
        for code, lon, lat in Region.objects.filter(
            code__in=wanted | fallback, longitude__isnull=False, latitude__isnull=False
        ).values_list("code", "longitude", "latitude")
    }

    def where(code: str | None) -> tuple[float | None, float | None]:
        if not code:
            return None, None
        for c in (code, code[:6] + "000000", code[:4] + "00000000"):
            if c in located:
                return located[c]
        return None, None

    return where


def load_problem(campaign: Any, demand: int = 1, max_branches: int = 2) -> SolverInput:
    """Read a campaign's allocation problem from the database into plain dataclasses.

    Villages are the campaign year's poor villages (VillageYear.is_poor), or, when none are
    recorded, the villages currently paired; coordinates fall back to the county's centre.
    Only approved pairings are kept; claims waiting for approval take their village's slot and
    their branch's capacity out of the problem.
    """
    import datetime

    from django.db.models import Q

    from bangfu.campaigns.choices import PairingKind, PairingState
    from bangfu.campaigns.models import AllocationTarget, Pairing
    from bangfu.geo.models import Region, VillageYear
    from bangfu.ledger.choices import ProblemState
    from bangfu.ledger.models import Problem
    from bangfu.orgs.models import Branch, Member, ResidentTeam, Unit

    today = datetime.date.today()
    active = Q(end__isnull=True) | Q(end__gte=today)
    targets = dict(
        AllocationTarget.objects.filter(
            campaign=campaign, kind=PairingKind.BRANCH_VILLAGE
        ).values_list("unit_id", "target")
    )
    pairings = Pairing.objects.filter(
        campaign=campaign, kind=PairingKind.BRANCH_VILLAGE
    ).in_force_during(today, None)
    existing = set(pairings.values_list("branch_id", "village_id"))
    # Claims waiting for approval hold their slot: in the village and in the branch.
    pending = Pairing.objects.filter(
        campaign=campaign, kind=PairingKind.BRANCH_VILLAGE, state=PairingState.PENDING
    ).filter(active)
    pending_in_village: dict[int, int] = defaultdict(int)
    pending_of_branch: dict[int, int] = defaultdict(int)
    for branch_id, village_id in pending.values_list("branch_id", "village_id"):
        pending_in_village[village_id] += 1
        pending_of_branch[branch_id] += 1
    village_ids = set(
        VillageYear.objects.filter(year=campaign.year, is_poor=True).values_list(
            "village_id", flat=True
        )
    ) or {v for _b, v in existing}
    villages = list(Region.objects.filter(pk__in=village_ids).order_by("code"))
    units = {u.pk: u for u in Unit.objects.filter(pk__in=targets).select_related("seat")}
    where = locator({v.code for v in villages} | {u.seat.code for u in units.values() if u.seat})

    open_categories: dict[int, set[str]] = defaultdict(set)
    for vid, cat in Problem.objects.filter(
        campaign=campaign,
        village_id__in=village_ids,
        state__in=[ProblemState.OPEN, ProblemState.IN_PROGRESS],
    ).values_list("village_id", "category"):
        open_categories[vid].add(cat)
    seat_of = {u.pk: where(u.seat.code if u.seat else None) for u in units.values()}
    branches = [
        BranchIn(b.pk, b.unit_id, max(0, b.capacity - pending_of_branch[b.pk]), *seat_of[b.unit_id])
        for b in Branch.objects.filter(unit_id__in=targets).order_by("pk")
    ]
    prof_units = set(targets) | set(
        Unit.objects.filter(sends_professionals=True).values_list("pk", flat=True)
    )
    for u in Unit.objects.filter(pk__in=prof_units - set(units)).select_related("seat"):
        units[u.pk] = u
        seat_of[u.pk] = where(u.seat.code if u.seat else None)
    professionals = [
        ProfessionalIn(m.pk, m.branch.unit_id, m.specialty, *seat_of[m.branch.unit_id])
        for m in Member.objects.filter(is_professional=True, branch__unit_id__in=prof_units)
        .exclude(specialty="")
        .select_related("branch")
        .order_by("pk")
    ]
    return SolverInput(
        branches=branches,
        villages=[
            VillageIn(
                v.pk,
                v.county_code,
                *where(v.code),
                max_branches=max(0, max_branches - pending_in_village[v.pk]),
                demand=demand,
                open_categories=tuple(sorted(open_categories.get(v.pk, ()))),
                name=v.name,
            )
            for v in villages
        ],
        targets=targets,
        existing=existing,
        resident_teams=set(
            ResidentTeam.objects.filter(active, village_id__in=village_ids).values_list(
                "unit_id", "village_id"
            )
        ),
        professionals=professionals,
        unit_names={u.pk: u.name for u in units.values()},
    )
