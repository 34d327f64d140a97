"""Random scenarios over the `world` fixture, and every figure recounted by hand in Python.

`populate(world, seed)` adds villages, branches, members, pairings of every kind and state,
ledger entries in every review state, problems, projects, households, people and villages'
yearly facts, all drawn from `random.Random(seed)`. `expected(world, key, ...)` recomputes a
figure from plain Python lists, with none of figures.py's querysets, so the two can disagree.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db.models import Count

from bangfu.campaigns.models import Pairing
from bangfu.conftest import World
from bangfu.geo.models import Region, VillageYear
from bangfu.ledger.models import Activity, ActivityParticipant, Problem, Project
from bangfu.orgs.models import Branch, Member, ResidentTeam
from bangfu.registry.models import Household, Person

KINDS = [
    "stay",
    "expert_visit",
    "service_visit",
    "survey",
    "policy_support",
    "tech_service",
    "dev_idea",
    "party_building",
    "funds",
]
DAY0 = datetime.date(2016, 3, 1)


def _day(rng: random.Random) -> datetime.date:
    return DAY0 + datetime.timedelta(days=rng.randrange(300))


def populate(world: World, seed: int) -> None:
    rng = random.Random(seed)
    townships = {
        "5205": Region.objects.get(code="520524116000"),
        "5227": Region.objects.get(code="522723102000"),
    }
    villages = [world.baoshan, world.lebang]
    for i in range(3):
        parent = townships[rng.choice(["5205", "5227"])]
        code = parent.code[:9] + f"{300 + i:03d}"
        villages.append(
            Region.objects.create(code=code, name=f"新村{i}", level="village", parent=parent)
        )
    branches = [world.branch_a, world.branch_b]
    for unit in (world.unit_a, world.unit_b):
        for i in range(2):
            branches.append(Branch.objects.create(unit=unit, name=f"随机支部{seed}-{i}"))
    members = [world.secretary_a, world.secretary_b, world.member_a]
    secretaries = {world.branch_a.pk: world.secretary_a, world.branch_b.pk: world.secretary_b}
    for branch in branches:
        if branch.pk not in secretaries:
            secretaries[branch.pk] = Member.objects.create(
                branch=branch, name=f"书记{branch.pk}", is_secretary=True
            )
            members.append(secretaries[branch.pk])
        for i in range(3):
            members.append(
                Member.objects.create(
                    branch=branch,
                    name=f"党员{branch.pk}-{i}",
                    is_leading_cadre=i == 0 or rng.random() < 0.3,
                    cadre_rank="division_chief" if i == 0 else "",
                    is_professional=i == 1,
                    specialty="agronomy" if i == 1 else "",
                )
            )
    households = [world.household_a, world.household_b]
    for i in range(12):
        village = rng.choice(villages)
        status = rng.choice(["poor", "lifted", "relapsed", "monitored"])
        h = Household.objects.create(
            village=village,
            number=f"R{seed}{i:04d}",
            attribute="general",
            identified_year=2014,
            main_cause="illness",
            status=status,
            exit_year=rng.choice([2015, 2016, 2017]) if status == "lifted" else None,
        )
        households.append(h)
        for j in range(rng.randrange(1, 5)):
            Person.objects.create(household=h, name=f"成员{i}-{j}", relation="other")
    for village in villages:
        if rng.random() < 0.8:
            population = rng.randrange(100, 2000)
            VillageYear.objects.create(
                village=village,
                year=2016,
                population=population,
                poor_population=rng.randrange(0, population // 3),
            )
    ResidentTeam.objects.create(
        unit=world.unit_b,
        village=villages[2],
        first_secretary=secretaries[world.branch_b.pk],
        start=DAY0,
    )
    for _ in range(14):
        branch = rng.choice(branches)
        kind = rng.choice(["branch_village", "secretary_household", "cadre_stay"])
        village = rng.choice(villages)
        household = None
        member = None
        if kind == "secretary_household":
            member = secretaries[branch.pk]
            here = [h for h in households if h.village_id == village.pk]
            if not here:
                continue
            household = rng.choice(here)
        elif kind == "cadre_stay":
            member = rng.choice([m for m in members if m.branch_id == branch.pk])
        start = _day(rng)
        Pairing.objects.create(
            campaign=world.campaign,
            kind=kind,
            branch=branch,
            member=member,
            village=village,
            household=household,
            start=start,
            end=start + datetime.timedelta(days=rng.randrange(20, 200))
            if rng.random() < 0.3
            else None,
            state=rng.choice(["approved", "approved", "pending", "rejected"]),
        )
    for _ in range(60):
        branch = rng.choice(branches)
        kind = rng.choice(KINDS)
        activity = Activity.objects.create(
            campaign=world.campaign,
            kind=kind,
            date=_day(rng),
            village=rng.choice(villages),
            unit=branch.unit,
            branch=branch if rng.random() < 0.9 else None,
            summary="随机",
            days=rng.randrange(1, 6) if kind == "stay" else 0,
            quantity=rng.randrange(1, 9)
            if kind in ("policy_support", "tech_service", "dev_idea")
            else 0,
            amount=Decimal(rng.randrange(1000, 900000)) / 100 if kind == "funds" else Decimal(0),
            state=rng.choice(["accepted", "accepted", "submitted", "returned"]),
        )
        here = [m for m in members if m.branch.unit_id == branch.unit_id]
        for member in rng.sample(here, rng.randrange(0, 4)):
            ActivityParticipant.objects.create(activity=activity, member=member)
    for _ in range(20):
        branch = rng.choice(branches)
        raised = _day(rng)
        state = rng.choice(["open", "in_progress", "solved", "verified"])
        Problem.objects.create(
            campaign=world.campaign,
            village=rng.choice(villages),
            unit=branch.unit,
            branch=branch,
            category="water",
            title="问题",
            raised_on=raised,
            deadline=raised + datetime.timedelta(days=rng.randrange(10, 90))
            if rng.random() < 0.8
            else None,
            state=state,
            solved_on=raised + datetime.timedelta(days=rng.randrange(1, 60))
            if state in ("solved", "verified")
            else None,
        )
    for _ in range(10):
        branch = rng.choice(branches)
        Project.objects.create(
            campaign=world.campaign,
            village=rng.choice(villages),
            unit=branch.unit,
            branch=branch,
            name="项目",
            date=_day(rng),
            origin="planned",
            sector="agriculture",
        )


def mutate(world: World, seed: int) -> None:
    """Random edits, deletes, review changes and bulk updates after the scenario is built."""
    rng = random.Random(seed * 7 + 1)
    activities = list(Activity.objects.all())
    for activity in rng.sample(activities, 10):
        activity.state = rng.choice(["accepted", "submitted", "returned"])
        activity.date = _day(rng)
        activity.save()
    for activity in rng.sample(activities, 5):
        activity.kind = rng.choice(["service_visit", "expert_visit", "stay", "funds"])
        activity.amount = Decimal(5000) if activity.kind == "funds" else Decimal(0)
        activity.days = 2 if activity.kind == "stay" else 0
        activity.village = rng.choice([world.baoshan, world.lebang])
        activity.save()
    gone = rng.sample(activities, 4)
    for activity in gone:
        activity.delete()
    left = [a.pk for a in activities if a not in gone]
    Activity.objects.filter(pk__in=rng.sample(left, 8)).update(state="accepted")
    for participation in rng.sample(list(ActivityParticipant.objects.all()), 5):
        participation.delete()
    for activity in Activity.objects.filter(pk__in=rng.sample(left, 5)):
        taken = set(activity.participations.values_list("member_id", flat=True))
        free = Member.objects.filter(branch__unit=activity.unit).exclude(pk__in=taken).first()
        if free:
            ActivityParticipant.objects.create(activity=activity, member=free)
    households = list(Household.objects.all())
    for h in rng.sample(households, 4):
        h.status = rng.choice(["poor", "lifted"])
        h.exit_year = 2016 if h.status == "lifted" else None
        h.village = rng.choice([world.baoshan, world.lebang])
        h.save()
    person = Person.objects.filter(household__in=households).first()
    person.household = rng.choice(households)
    person.save()
    Person.objects.filter(pk=Person.objects.order_by("-pk").values("pk")[:1]).delete()


# --- figures recounted by hand ------------------------------------------------------------


class Slice:
    """The filters of a slice as Python predicates, and the user's scope."""

    def __init__(
        self,
        world: World,
        prefix: str | None = None,
        unit: Any = None,
        branch: Any = None,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
        user: str | None = None,
        records: dict[str, list] | None = None,
    ) -> None:
        self.world = world
        self.prefix, self.unit, self.branch, self.start, self.end = prefix, unit, branch, start, end
        self.user = world.users[user] if user else None
        self.pairings = list(Pairing.objects.select_related("branch", "village"))
        self._records = records  # shared by slices of one moment: `records()` of another
        self._reach: dict[tuple, tuple[set[int], set[int]]] = {}

    def records(self) -> dict[str, list]:
        """Every record a figure may count, read once per slice (plain lists)."""
        if self._records is None:
            self._records = {
                "activities": list(
                    Activity.objects.select_related("village").prefetch_related(
                        "participations__member"
                    )
                ),
                "problems": list(Problem.objects.select_related("village")),
                "projects": list(Project.objects.select_related("village")),
                "households": list(
                    Household.objects.select_related("village").annotate(n_people=Count("people"))
                ),
                "village_years": list(VillageYear.objects.select_related("village")),
            }
        return self._records

    def in_period(self, day: datetime.date | None) -> bool:
        if day is None:
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def _ledger_ok(self, code: str, unit_id: int, branch_id: int | None) -> bool:
        checks = [(self.prefix, self.unit, self.branch)]
        if self.user is not None:
            scope = self.user.scope
            checks.append((scope.region_prefix, scope.unit_id, scope.branch_id))
        for prefix, unit, branch in checks:
            if prefix and not code.startswith(prefix):
                return False
            if branch is not None and branch_id != _pk(branch):
                return False
            if branch is None and unit is not None and unit_id != _pk(unit):
                return False
        return True

    def ledger(self, record: Any) -> bool:
        return self._ledger_ok(record.village.code, record.unit_id, record.branch_id)

    def pairing(self, p: Pairing) -> bool:
        return self._ledger_ok(p.village.code, p.branch.unit_id, p.branch_id)

    def worked_villages(self, unit: Any, branch: Any) -> set[int]:
        key = ("worked", _pk(unit) if unit is not None else None, _pk(branch) if branch else None)
        if key not in self._reach:
            self._reach[key] = self._worked_villages(unit, branch)
        return self._reach[key]

    def _worked_villages(self, unit: Any, branch: Any) -> set[int]:
        # A pending or rejected claim gives no reach into the village.
        approved = [p for p in self.pairings if p.state == "approved"]
        if branch is not None:
            return {p.village_id for p in approved if p.branch_id == _pk(branch)}
        villages = {p.village_id for p in approved if p.branch.unit_id == _pk(unit)}
        return villages | set(
            ResidentTeam.objects.filter(unit_id=_pk(unit)).values_list("village_id", flat=True)
        )

    def helped(self, unit: Any, branch: Any) -> set[int]:
        return {
            p.household_id
            for p in self.pairings
            if p.household_id
            and (
                p.branch_id == _pk(branch) if branch is not None else p.branch.unit_id == _pk(unit)
            )
        }

    def _place_ok(self, village: Region, household_id: int | None) -> bool:
        checks = [(self.prefix, self.unit, self.branch)]
        if self.user is not None:
            scope = self.user.scope
            checks.append((scope.region_prefix, scope.unit_id, scope.branch_id))
        for prefix, unit, branch in checks:
            if prefix and not village.code.startswith(prefix):
                return False
            if unit is not None or branch is not None:
                ok = village.pk in self.worked_villages(unit, branch)
                if household_id is not None:
                    ok = ok or household_id in self.helped(unit, branch)
                if not ok:
                    return False
        return True

    def household(self, h: Household) -> bool:
        return self._place_ok(h.village, h.pk)

    def village_year(self, vy: VillageYear) -> bool:
        return self._place_ok(vy.village, None)


def _pk(obj: Any) -> int:
    return obj if isinstance(obj, int) else obj.pk


def expected(world: World, key: str, s: Slice) -> int | Decimal:
    """The figure `key` for the slice, recounted from plain lists."""
    campaign = world.campaign
    counted = ["accepted", "submitted"] if campaign.count_submitted else ["accepted"]
    pairings = [
        p
        for p in s.pairings
        if p.campaign_id == campaign.pk
        and p.state == "approved"
        and s.pairing(p)
        and (s.end is None or p.start <= s.end)
        and (s.start is None or p.end is None or p.end >= s.start)
    ]
    bv = [p for p in pairings if p.kind == "branch_village"]
    sh = [p for p in pairings if p.kind == "secretary_household"]
    records = s.records()
    entries = [
        a
        for a in records["activities"]
        if a.campaign_id == campaign.pk and s.in_period(a.date) and s.ledger(a)
    ]

    def counted_of(kind: str) -> list[Activity]:
        return [a for a in entries if a.kind == kind and a.state in counted]

    def visits(kind: str) -> int:
        return sum(len(a.participations.all()) for a in counted_of(kind))

    def total(kind: str, attr: str) -> Any:
        return sum((getattr(a, attr) for a in counted_of(kind)), 0)

    problems = [p for p in records["problems"] if p.campaign_id == campaign.pk and s.ledger(p)]
    today = datetime.date.today()
    households = [h for h in records["households"] if s.household(h)]
    poor = [h for h in households if h.status in ("poor", "relapsed")]
    first, last = (s.start or campaign.start).year, (s.end or campaign.end).year
    years = [vy for vy in records["village_years"] if vy.year == last and s.village_year(vy)]
    if key == "units":
        return len({p.branch.unit_id for p in bv})
    if key == "branches_paired":
        return len({p.branch_id for p in bv})
    if key == "villages_paired":
        return len({p.village_id for p in bv})
    if key == "secretaries":
        return len({p.member_id for p in sh})
    if key == "households_helped":
        return len({p.household_id for p in sh})
    if key == "cadres_stayed":
        return len(
            {
                pp.member_id
                for a in counted_of("stay")
                for pp in a.participations.all()
                if pp.member.is_leading_cadre
            }
        )
    if key == "expert_visits":
        return visits("expert_visit")
    if key == "member_visits":
        return visits("service_visit")
    if key == "problems_solved":
        return sum(
            1 for p in problems if p.state in ("solved", "verified") and s.in_period(p.solved_on)
        )
    if key == "policy_supports":
        return total("policy_support", "quantity")
    if key == "tech_service_persons":
        return total("tech_service", "quantity")
    if key == "dev_ideas":
        return total("dev_idea", "quantity")
    if key == "projects":
        return sum(
            1
            for p in records["projects"]
            if p.campaign_id == campaign.pk and s.ledger(p) and s.in_period(p.date)
        )
    if key == "funds_yuan":
        return total("funds", "amount")
    if key == "households_registered":
        return len(households)
    if key == "poor_households":
        return len(poor)
    if key == "poor_people":
        return sum(h.n_people for h in poor)
    if key == "households_lifted":
        return sum(
            1 for h in households if h.status == "lifted" and first <= (h.exit_year or 0) <= last
        )
    if key == "poverty_incidence":
        top = sum(vy.poor_population for vy in years)
        bottom = sum(vy.population for vy in years)
        if not bottom:
            return Decimal("0.00")
        return (Decimal(top) * 100 / Decimal(bottom)).quantize(Decimal("0.01"))
    if key == "stay_days":
        return total("stay", "days")
    if key == "entries_awaiting_review":
        return sum(1 for a in entries if a.state == "submitted")
    if key == "problems_open":
        return sum(
            1 for p in problems if p.state in ("open", "in_progress") and s.in_period(p.raised_on)
        )
    if key == "overdue_problems":
        return sum(
            1
            for p in problems
            if p.state in ("open", "in_progress")
            and p.deadline is not None
            and p.deadline < today
            and s.in_period(p.deadline)
        )
    raise KeyError(key)
