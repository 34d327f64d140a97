"""A first load into an empty registry (registry.first_load): on PostgreSQL the keys are
checked once at the end and the household tally recounted, the rest as in any import: the
same rows, counts and problems, and nothing left changed by a failed or dry run."""

import pytest
from django.db import connection

from bangfu.dashboard import tallies
from bangfu.dashboard.models import HouseholdTally
from bangfu.registry import first_load
from bangfu.registry.models import Household, Person
from bangfu.registry.tests.test_import import HEADERS, LAYOUT, ident, row, run, xlsx

A, B = "5205241162140151", "5205241162140152"
COLUMNS = [*HEADERS, "脱贫年度"]


@pytest.fixture
def empty(world, monkeypatch):
    """The world with an empty registry, imported in batches of two rows."""
    Person.objects.all().delete()
    Household.objects.all().delete()
    monkeypatch.setattr(LAYOUT, "batch_size", 2)
    return world


def schema():
    """The registry tables' foreign keys and tally triggers, as PostgreSQL holds them."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid IN ('registry_household'::regclass, 'registry_person'::regclass)"
            " ORDER BY 1, 2"
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger"
            " WHERE tgname LIKE 'dashboard%%'"
            " AND tgrelid IN ('registry_household'::regclass, 'registry_person'::regclass)"
            " ORDER BY 1, 2"
        )
        return keys, cursor.fetchall()


def tally():
    return {
        (t.county_code, t.status, t.exit_year): (t.households, t.people)
        for t in HouseholdTally.objects.all()
        if t.households or t.people
    }


ROWS = [
    row(number=A, name="甲一", id_number=ident(151)),
    row(number=A, name="甲二", id_number=ident(152), relation="之子"),
    row(number=A, name="甲三", id_number=ident(153), relation="之子"),
    row(number=B, name="乙一", id_number=ident(154), 脱贫状态="已脱贫", 脱贫年度=2019),
    row(
        number=B,
        name="乙二",
        id_number=ident(155),
        relation="之子",
        脱贫状态="已脱贫",
        脱贫年度=2019,
    ),
    row(number=A, name="甲四", id_number=ident(156), relation="之子"),
]


def test_a_first_load_writes_the_rows_and_puts_keys_triggers_and_tally_right(
    empty, tmp_path, monkeypatch
):
    taken = []
    begin = first_load.begin
    monkeypatch.setattr(first_load, "begin", lambda: taken.append(begin()) or taken[-1])
    keys = schema()
    if keys is not None:
        assert len(keys[0]) == 2 and len(keys[1]) == 6  # two keys, three triggers a table
    result = run(xlsx(tmp_path, ROWS, headers=COLUMNS), empty.users["office"])
    assert result.committed, [p.reason for p in result.problems]
    assert result.created == {"贫困户": 2, "家庭成员": 6}
    assert Household.objects.get(number=A).people.count() == 4
    assert Household.objects.get(number=B).status == "lifted"
    assert [t is not None for t in taken] == [connection.vendor == "postgresql"]
    assert schema() == keys
    if connection.vendor == "postgresql":  # the planner knows the rows are there
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_person'")
            assert cursor.fetchone()[0] == 6
    kept = tally()
    assert sum(h for h, _p in kept.values()) == 2 and sum(p for _h, p in kept.values()) == 6
    tallies.rebuild()
    assert tally() == kept


def test_a_first_load_still_finds_an_id_repeated_in_a_later_batch(empty, tmp_path):
    keys = schema()
    rows = [*ROWS[:4], row(number="5205241162140153", name="丙一", id_number=ident(152))]
    result = run(xlsx(tmp_path, rows, headers=COLUMNS), empty.users["office"])
    assert (6, "与第3行的身份证号码重复。") in [(p.row, p.reason) for p in result.problems]
    assert not result.committed
    assert not Household.objects.exists() and not Person.objects.exists()
    assert schema() == keys and tally() == {}


def test_a_first_load_dry_run_leaves_the_registry_as_it_was(empty, tmp_path):
    keys = schema()
    result = run(xlsx(tmp_path, ROWS, headers=COLUMNS), empty.users["office"], commit=False)
    assert result.created == {"贫困户": 2, "家庭成员": 6} and not result.committed
    assert not Household.objects.exists() and not Person.objects.exists()
    assert schema() == keys and tally() == {}
