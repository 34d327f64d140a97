"""Random sequences of writes, by every path, and after each step every figure agrees three
ways for every slice: its value (from the summary tables where they answer), its drill-down
records, and a recount by hand from plain lists (scenarios.expected).

The writes go through the services, the edit pages (test client), the models' save(),
`QuerySet.update()` and deletes: entries moved between units, branches and villages, review
changes, households and people moved, pairings claimed, approved, rejected, ended and moved,
a branch moved to another unit, and the campaign's counting rule switched.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from bangfu.campaigns import services as pairing_services
from bangfu.campaigns.models import Pairing
from bangfu.dashboard import tallies
from bangfu.dashboard.figures import ALL_FIGURES, BY_KEY, FIGURES, FigureSlice
from bangfu.dashboard.tests.scenarios import Slice, expected
from bangfu.geo.models import Region
from bangfu.ledger import services as ledger_services
from bangfu.ledger.models import Activity, ActivityParticipant, Problem, Project
from bangfu.orgs.models import Branch, Member
from bangfu.registry.models import Household, Person

DAY0 = datetime.date(2016, 3, 1)
KINDS = ["stay", "expert_visit", "service_visit", "policy_support", "tech_service", "funds"]
days = st.integers(0, 300).map(lambda d: DAY0 + datetime.timedelta(days=d))
pick = st.integers(0, 10**6)
# The headline figures (`bangfu figures`) and the others the summary tables answer.
CHECKED = FIGURES + [
    BY_KEY[k]
    for k in (
        "households_registered",
        "poor_people",
        "households_lifted",
        "stay_days",
        "entries_awaiting_review",
    )
]


def _nth(qs: Any, i: int) -> Any:
    items = list(qs.order_by("pk"))
    return items[i % len(items)] if items else None


class FiguresMachine(RuleBasedStateMachine):
    world: Any = None
    checks = 0

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()  # each run starts from the world, and undoes itself
        self._atomic.__enter__()
        w = self.world
        self.unit_a, self.unit_b = w.unit_a, w.unit_b
        w.campaign.count_submitted = False
        w.campaign.save()
        self.village3 = Region.objects.create(
            code="522723102301", name="三村", level="village", parent=w.lebang.parent
        )
        self.branch_c = Branch.objects.create(unit=w.unit_a, name="第九党支部")
        Member.objects.create(branch=self.branch_c, name="丙书记", is_secretary=True)
        Member.objects.create(
            branch=self.branch_c, name="丙干部", is_leading_cadre=True, cadre_rank="division_chief"
        )
        w.secretary_b.is_leading_cadre = True
        w.secretary_b.save()
        self.office = Client()
        self.office.force_login(w.users["office"])
        self.step = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------------

    def villages(self) -> list[Region]:
        return [self.world.baoshan, self.world.lebang, self.village3]

    def branches(self) -> Any:
        return Branch.objects.filter(
            pk__in=[self.world.branch_a.pk, self.world.branch_b.pk, self.branch_c.pk]
        )

    def _members_of(self, branch: Branch) -> list[Member]:
        return list(Member.objects.filter(branch__unit_id=branch.unit_id).order_by("pk"))

    # --- ledger ---------------------------------------------------------------------------

    @rule(
        kind=st.sampled_from(KINDS),
        b=pick,
        v=pick,
        state=st.sampled_from(["submitted", "accepted", "returned"]),
        day=days,
        people=st.integers(0, 3),
    )
    def add_entry(self, kind, b, v, state, day, people) -> None:
        branch = _nth(self.branches(), b)
        activity = Activity.objects.create(
            campaign=self.world.campaign,
            kind=kind,
            date=day,
            village=self.villages()[v % 3],
            branch=branch,
            summary="随机",
            days=2 if kind == "stay" else 0,
            quantity=3 if kind in ("policy_support", "tech_service") else 0,
            amount=Decimal("1234.50") if kind == "funds" else Decimal(0),
            state=state,
        )
        for member in self._members_of(branch)[:people]:
            ActivityParticipant.objects.create(activity=activity, member=member)

    @rule(b=pick, v=pick, day=days)
    def add_entry_on_the_page(self, b, v, day) -> None:
        branch = _nth(self.branches(), b)
        response = self.office.post(
            reverse("ledger:activity_add"),
            {
                "campaign": self.world.campaign.pk,
                "kind": "service_visit",
                "date": day.isoformat(),
                "branch": branch.pk,
                "village": self.villages()[v % 3].code,
                "participants": [m.pk for m in self._members_of(branch)[:2]],
                "summary": "页面填报",
                "solved-TOTAL_FORMS": "0",
                "solved-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.context["form"].errors

    @rule(e=pick, b=pick, v=pick)
    def move_entry_on_the_edit_page(self, e, b, v) -> None:
        """The office moves a visit to another branch (maybe another unit's) and village."""
        entry = _nth(Activity.objects.filter(kind="service_visit"), e)
        if entry is None:
            return
        branch = _nth(self.branches(), b)
        url = reverse("ledger:activity_edit", args=[entry.pk])
        loaded = self.office.get(url).context["form"].initial["loaded_version"]
        response = self.office.post(
            url,
            {
                "loaded_version": loaded,
                "campaign": self.world.campaign.pk,
                "kind": "service_visit",
                "date": entry.date.isoformat(),
                "branch": branch.pk,
                "village": self.villages()[v % 3].code,
                "participants": [m.pk for m in self._members_of(branch)[:1]],
                "summary": entry.summary,
                "solved-TOTAL_FORMS": "0",
                "solved-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.context["form"].errors

    @rule(
        e=pick,
        what=st.sampled_from(["village", "branch", "state", "date", "kind", "unit"]),
        i=pick,
        day=days,
    )
    def update_entries(self, e, what, i, day) -> None:
        """`QuerySet.update()`: no save(), no signals; only the database sees it."""
        entry = _nth(Activity.objects.all(), e)
        if entry is None:
            return
        qs = Activity.objects.filter(pk=entry.pk)
        if what == "village":
            qs.update(village=self.villages()[i % 3])
        elif what == "branch":
            qs.update(branch=_nth(self.branches(), i))
        elif what == "state":
            qs.update(state=["submitted", "accepted", "returned"][i % 3])
        elif what == "date":
            qs.update(date=day)
        elif what == "kind":
            qs.update(kind=KINDS[i % len(KINDS)])
        else:  # an entry without a branch keeps the unit it is given
            qs.update(branch=None, unit=[self.unit_a, self.unit_b][i % 2])

    @rule(accept=st.booleans(), n=st.integers(1, 3))
    def review(self, accept, n) -> None:
        office = self.world.users["office"]
        ids = list(
            Activity.objects.filter(state="submitted").order_by("pk").values_list("pk", flat=True)
        )[:n]
        if not ids:
            return
        if accept:
            assert ledger_services.accept(office, ids) == len(ids)
        else:
            assert ledger_services.return_entries(office, ids, "不实") == len(ids)

    @rule(e=pick)
    def delete_entry(self, e) -> None:
        entry = _nth(Activity.objects.all(), e)
        if entry is not None:
            entry.delete()

    @rule(e=pick, m=pick, add=st.booleans())
    def change_participants(self, e, m, add) -> None:
        entry = _nth(Activity.objects.all(), e)
        if entry is None:
            return
        if add:
            member = _nth(Member.objects.exclude(activities=entry), m)
            if member is not None:
                ActivityParticipant.objects.create(activity=entry, member=member)
        else:
            gone = _nth(ActivityParticipant.objects.filter(activity=entry), m)
            if gone is not None:
                gone.delete()

    @rule(
        b=pick,
        v=pick,
        state=st.sampled_from(["open", "in_progress", "solved", "verified"]),
        day=days,
    )
    def add_problem_or_project(self, b, v, state, day) -> None:
        branch = _nth(self.branches(), b)
        village = self.villages()[v % 3]
        solved = state in ("solved", "verified")
        Problem.objects.create(
            campaign=self.world.campaign,
            village=village,
            branch=branch,
            category="water",
            title="问题",
            raised_on=day,
            deadline=day + datetime.timedelta(days=30),
            state=state,
            solved_on=day + datetime.timedelta(days=5) if solved else None,
        )
        Project.objects.create(
            campaign=self.world.campaign,
            village=village,
            branch=branch,
            name="项目",
            date=day,
            origin="planned",
            sector="agriculture",
        )

    @rule(p=pick, v=pick)
    def move_problem(self, p, v) -> None:
        problem = _nth(Problem.objects.all(), p)
        if problem is not None:
            Problem.objects.filter(pk=problem.pk).update(village=self.villages()[v % 3])

    # --- registry -------------------------------------------------------------------------

    @rule(
        v=pick,
        status=st.sampled_from(["poor", "lifted", "relapsed", "monitored"]),
        people=st.integers(0, 3),
    )
    def add_household(self, v, status, people) -> None:
        household = Household.objects.create(
            village=self.villages()[v % 3],
            number=f"M{Household.objects.count():05d}",
            attribute="general",
            identified_year=2014,
            main_cause="illness",
            status=status,
            exit_year=2016 if status == "lifted" else None,
        )
        for i in range(people):
            Person.objects.create(household=household, name=f"成员{i}", relation="other")

    @rule(h=pick, v=pick, by_update=st.booleans())
    def move_household(self, h, v, by_update) -> None:
        household = _nth(Household.objects.all(), h)
        village = self.villages()[v % 3]
        if by_update:
            Household.objects.filter(pk=household.pk).update(village=village)
        else:
            household.village = village
            household.save()

    @rule(h=pick, status=st.sampled_from(["poor", "lifted", "relapsed", "monitored"]))
    def household_status(self, h, status) -> None:
        household = _nth(Household.objects.all(), h)
        household.status = status
        household.exit_year = 2016 if status == "lifted" else None
        household.save()

    @rule(p=pick, h=pick, delete=st.booleans())
    def move_or_delete_person(self, p, h, delete) -> None:
        person = _nth(Person.objects.all(), p)
        if person is None:
            return
        if delete:
            person.delete()
        else:
            Person.objects.filter(pk=person.pk).update(household=_nth(Household.objects.all(), h))

    # --- pairings -------------------------------------------------------------------------

    @rule(
        kind=st.sampled_from(["branch_village", "secretary_household"]),
        b=pick,
        v=pick,
        day=days,
    )
    def claim(self, kind, b, v, day) -> None:
        branch = _nth(self.branches(), b)
        village = self.villages()[v % 3]
        pairing = Pairing(
            campaign=self.world.campaign,
            kind=kind,
            branch=branch,
            village=village,
            start=day,
            state="pending",
        )
        if kind == "secretary_household":
            pairing.member = branch.members.filter(is_secretary=True).first()
            pairing.household = Household.objects.filter(village=village).first()
            if pairing.household is None:
                return
        pairing.save()

    @rule(p=pick, approve=st.booleans())
    def decide_claim(self, p, approve) -> None:
        pairing = _nth(Pairing.objects.filter(state="pending"), p)
        if pairing is None:
            return
        office = self.world.users["office"]
        if approve:
            try:
                pairing_services.approve_pairings(office, [pairing.pk])
            except Exception as error:  # a campaign rule refused it: it stays pending
                from django.core.exceptions import ValidationError

                assert isinstance(error, ValidationError), error
        else:
            pairing_services.reject_pairings(office, [pairing.pk], "不符合条件")

    @rule(p=pick, i=pick, what=st.sampled_from(["state", "village", "branch", "end"]), day=days)
    def update_pairing(self, p, i, what, day) -> None:
        pairing = _nth(Pairing.objects.all(), p)
        qs = Pairing.objects.filter(pk=pairing.pk)
        if what == "state":
            qs.update(state=["approved", "pending", "rejected"][i % 3])
        elif what == "village":
            qs.update(village=self.villages()[i % 3])
        elif what == "branch":
            qs.update(branch=_nth(self.branches(), i))
        elif day >= pairing.start:
            pairing_services.end_pairing(pairing, day)

    # --- organisation and campaign ----------------------------------------------------------

    @rule()
    def move_branch_c_to_the_other_unit(self) -> None:
        """A branch changes unit by a bulk update: its entries go with it."""
        other = self.unit_b if self.branch_c.unit_id == self.unit_a.pk else self.unit_a
        Branch.objects.filter(pk=self.branch_c.pk).update(unit=other)
        self.branch_c.refresh_from_db()

    @rule()
    def switch_counting_of_submitted_entries(self) -> None:
        campaign = self.world.campaign
        campaign.count_submitted = not campaign.count_submitted
        campaign.save()

    # --- the check ------------------------------------------------------------------------

    def slices(self) -> list[tuple[dict, Slice]]:
        """The province, a county and a township, a prefecture over a period cutting months, a
        unit's committee (its user) and a branch of the unit that changes hands; the records
        recounted by hand are read once for all of them."""
        w = self.world
        may, aug = datetime.date(2016, 5, 10), datetime.date(2016, 8, 20)
        records = Slice(w).records()
        return [
            ({}, Slice(w, records=records)),
            (
                {"region_prefix": "5227", "date_from": may, "date_to": aug},
                Slice(w, prefix="5227", start=may, end=aug, records=records),
            ),
            ({"region_prefix": "522723"}, Slice(w, prefix="522723", records=records)),
            ({"region_prefix": "522723102"}, Slice(w, prefix="522723102", records=records)),
            ({"user": w.users["unit_b"]}, Slice(w, user="unit_b", records=records)),
            (
                {"unit_id": self.branch_c.unit_id, "branch_id": self.branch_c.pk},
                Slice(w, unit=self.branch_c.unit_id, branch=self.branch_c, records=records),
            ),
        ]

    @invariant()
    def every_figure_agrees_with_its_records_and_a_hand_count(self) -> None:
        campaign = self.world.campaign
        self.step += 1
        for n, (kwargs, hand) in enumerate(self.slices()):
            slice_ = FigureSlice(campaign, **kwargs).snapshot()
            naive = FigureSlice(campaign, tallies=False, **kwargs)
            for figure in CHECKED:
                value = figure.value(slice_)
                assert value == expected(self.world, figure.key, hand), (figure.key, kwargs)
                # Where the value is not its records' measure already: the drill-down's.
                if figure.distinct or tallies.figure_value(figure, slice_) is not None:
                    assert value == figure.measure(figure.records(naive)), (figure.key, kwargs)
            # The drill-down page of one figure per step (the office's slices).
            if "user" not in kwargs and n == self.step % 5:
                figure = CHECKED[self.step % len(CHECKED)]
                query = {
                    {"region_prefix": "region", "unit_id": "unit", "branch_id": "branch"}.get(
                        k, k
                    ): v
                    for k, v in kwargs.items()
                }
                response = self.office.get(
                    reverse("dashboard:figure", args=[figure.key]), {**query, "per_page": 100}
                )
                assert response.context["total"] == figure.value(slice_), (figure.key, kwargs)
        FiguresMachine.checks += 1


def test_figures_agree_after_any_sequence_of_writes(world):
    FiguresMachine.world = world
    FiguresMachine.checks = 0
    examples = int(os.environ.get("MACHINE_EXAMPLES", 8))
    run_state_machine_as_test(
        FiguresMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=int(os.environ.get("MACHINE_STEPS", 8)),
            deadline=None,
            derandomize=True,
            # No shrinking: each step is a dozen queries and the check hundreds, so shrinking
            # would outlast the test's timeout; the failing run's steps are printed as drawn.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    assert FiguresMachine.checks > examples  # it ran, and checked after the steps


def test_a_failed_write_leaves_the_figures_untouched(world):
    """A write the database refuses (a duplicate participant) undoes its tally moves too."""
    before = {f.key: f.value(FigureSlice(world.campaign)) for f in ALL_FIGURES}
    try:
        with transaction.atomic():
            ActivityParticipant.objects.create(activity=world.activity_a, member=world.member_a)
    except IntegrityError:
        pass
    else:
        raise AssertionError("a member took part twice in one entry")
    assert {f.key: f.value(FigureSlice(world.campaign)) for f in ALL_FIGURES} == before
