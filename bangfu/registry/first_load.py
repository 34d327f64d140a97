"""The first load of a province's registry into an empty database, checked set-wise.

PostgreSQL checks a foreign key with one query per row, and the dashboard's triggers move the
household tally with every statement: for a million people that is about 14 of the ~40
seconds the database works on the import. When the registry is empty (the first load of a
province, the only time a million rows arrive at once) there is nothing to protect and no
one to keep waiting, so the import

- takes the registry's two tables for itself (ACCESS EXCLUSIVE until it commits: readers of
  the empty registry wait, no one else can add households meanwhile),
- drops their foreign keys and turns off the tally triggers on them,
- skips looking up ID numbers already registered (every person there is this run's, and a
  repeat is caught as an in-file duplicate),
- and, after the last row, adds the same keys back (PostgreSQL checks every row in one
  join), recounts the household tally from the rows and has PostgreSQL analyse the tables.

All of it is inside the import's transaction: a failed or dry run undoes it with the rows.
A registry already holding households is imported the ordinary way, row checks and all. Two
first loads at once: the second waits for the first's lock, then finds rows and goes the
ordinary way (holding the lock to its end, as PostgreSQL gives no lock back early).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from bangfu.registry.models import Household, Person

TABLES = (Household._meta.db_table, Person._meta.db_table)


@dataclass
class FirstLoad:
    keys: list[tuple[str, str, str]]  # (table, constraint name, definition)
    triggers: list[tuple[str, str]]  # (table, trigger name)

    def end(self) -> None:
        """Put the keys and triggers back (every row checked) and recount the tally."""
        from bangfu.dashboard import tallies

        with connection.cursor() as cursor:
            for table, name, definition in self.keys:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for table, name in self.triggers:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')
            # The planner's statistics still say the tables are empty (autovacuum gets to
            # them a minute or more later): the first lists and exports would scan them.
            cursor.execute(f"ANALYZE {', '.join(TABLES)}")
        tallies.rebuild_households()


def begin() -> FirstLoad | None:
    """Prepare a first load when the registry is empty (PostgreSQL only); None otherwise."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        empty = "SELECT NOT EXISTS (SELECT 1 FROM {0}) AND NOT EXISTS (SELECT 1 FROM {1})"
        cursor.execute(empty.format(*TABLES))
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"LOCK TABLE {', '.join(TABLES)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(empty.format(*TABLES))  # still empty now that it is ours
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [list(TABLES)],
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE NOT tgisinternal AND tgenabled <> 'D' AND tgname LIKE 'dashboard%%'"
            " AND tgrelid = ANY(%s::regclass[])",
            [list(TABLES)],
        )
        triggers = cursor.fetchall()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no check left pending on them
        for table, name, _definition in keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for table, name in triggers:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
    return FirstLoad(keys, triggers)
