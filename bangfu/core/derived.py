"""Columns copied from a related row, kept by the database itself.

Every large table carries its county code (the key a national deployment splits on), and a
ledger entry carries its branch's unit. A model declares such a column in `copied_from`:

    copied_from = {"county_code": "village.county_code"}   # the village's column
    copied_from = {"county_code": "code[:6]"}              # the first 6 characters of its own

`save()` may still fill the column for the object in hand, but what is stored is the
database's business: triggers (generated here for SQLite and PostgreSQL from those
declarations) set it on every insert, put it right on every update of the link or the column
itself, and carry a change of the source to every row copying it, whatever wrote the rows
(forms, services, `QuerySet.update()`, COPY). A copy through a link left empty (an entry with
no branch) keeps the value written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection

PREFIX = "derived_"
_OWN = re.compile(r"^(\w+)\[:(\d+)\]$")


@dataclass(frozen=True)
class Copied:
    """`table.column` = `parent.source` of the row `link` points at; with no link, the first
    `length` characters of the row's own `source` column."""

    table: str
    column: str
    source: str
    link: str | None = None
    parent: str | None = None
    length: int | None = None

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.table}_{self.column}"

    def value(self, row: str) -> str:
        """The right value for a row (alias or NEW/OLD), as an SQL expression."""
        if self.link is None:
            return f"substr({row}.{self.source}, 1, {self.length})"
        return f"(SELECT p.{self.source} FROM {self.parent} p WHERE p.id = {row}.{self.link})"

    def linked(self, row: str) -> str:
        return "1 = 1" if self.link is None else f"{row}.{self.link} IS NOT NULL"


def copied_columns() -> list[Copied]:
    """Every declared copy, parents before the copies of their copies (region → household →
    person), so a set-wise refresh can run them in order."""
    found = []
    for model in apps.get_models():
        for field_name, path in getattr(model, "copied_from", {}).items():
            column = model._meta.get_field(field_name).column
            own = _OWN.match(path)
            if own:
                source = model._meta.get_field(own.group(1)).column
                found.append(Copied(model._meta.db_table, column, source, length=int(own.group(2))))
                continue
            link_name, parent_field = path.split(".")
            link = model._meta.get_field(link_name)
            parent = link.related_model
            found.append(
                Copied(
                    model._meta.db_table,
                    column,
                    parent._meta.get_field(parent_field).column,
                    link=link.column,
                    parent=parent._meta.db_table,
                )
            )
    ordered: list[Copied] = []
    pending = sorted(found, key=lambda c: (c.table, c.column))
    while pending:
        ready = [
            c
            for c in pending
            if not any(o.table == c.parent and o.column == c.source for o in pending)
        ]
        ordered += ready
        pending = [c for c in pending if c not in ready]
    return ordered


# --- SQLite: row triggers that correct the row after the fact --------------------------------


def _sqlite(c: Copied) -> list[str]:
    wrong = f"{c.linked('NEW')} AND NEW.{c.column} IS NOT {c.value('NEW')}"
    fix = f"UPDATE {c.table} SET {c.column} = {c.value('NEW')} WHERE id = NEW.id;"
    watched = c.source if c.link is None else c.link
    out = [
        f"CREATE TRIGGER {c.name}_ins AFTER INSERT ON {c.table} WHEN {wrong} BEGIN {fix} END",
        f"CREATE TRIGGER {c.name}_upd AFTER UPDATE OF {watched}, {c.column} ON {c.table}"
        f" WHEN {wrong} BEGIN {fix} END",
    ]
    if c.link is not None:
        out.append(
            f"CREATE TRIGGER {c.name}_src AFTER UPDATE OF {c.source} ON {c.parent}"
            f" WHEN OLD.{c.source} IS NOT NEW.{c.source} BEGIN"
            f" UPDATE {c.table} SET {c.column} = NEW.{c.source}"
            f" WHERE {c.link} = NEW.id AND {c.column} IS NOT NEW.{c.source}; END"
        )
    return out


# --- PostgreSQL: the new row set before it is written; inserts checked per statement ---------


def _pg(c: Copied) -> list[str]:
    watched = c.source if c.link is None else c.link
    if c.link is None:
        mismatched = (
            f"SELECT n.id, {c.value('n')} AS v FROM new_rows n"
            f" WHERE n.{c.column} IS DISTINCT FROM {c.value('n')}"
        )
    else:
        mismatched = (
            f"SELECT n.id, p.{c.source} AS v FROM new_rows n"
            f" JOIN {c.parent} p ON p.id = n.{c.link}"
            f" WHERE n.{c.column} IS DISTINCT FROM p.{c.source}"
        )
    out = [
        # A COPY of a million rows pays one join, not a million look-ups.
        f"""CREATE OR REPLACE FUNCTION {c.name}_ins() RETURNS trigger AS $$ BEGIN
            UPDATE {c.table} t SET {c.column} = m.v FROM ({mismatched}) m WHERE t.id = m.id;
            RETURN NULL; END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {c.name}_ins ON {c.table}",
        f"CREATE TRIGGER {c.name}_ins AFTER INSERT ON {c.table} REFERENCING NEW TABLE AS"
        f" new_rows FOR EACH STATEMENT EXECUTE FUNCTION {c.name}_ins()",
        f"""CREATE OR REPLACE FUNCTION {c.name}_upd() RETURNS trigger AS $$ BEGIN
            IF {c.linked("NEW")} THEN NEW.{c.column} := {c.value("NEW")}; END IF;
            RETURN NEW; END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {c.name}_upd ON {c.table}",
        # The WHEN is checked without calling the function: other updates cost nothing.
        f"CREATE TRIGGER {c.name}_upd BEFORE UPDATE ON {c.table} FOR EACH ROW"
        f" WHEN (OLD.{watched} IS DISTINCT FROM NEW.{watched}"
        f" OR OLD.{c.column} IS DISTINCT FROM NEW.{c.column})"
        f" EXECUTE FUNCTION {c.name}_upd()",
    ]
    if c.link is not None:
        out += [
            f"""CREATE OR REPLACE FUNCTION {c.name}_src() RETURNS trigger AS $$ BEGIN
                UPDATE {c.table} SET {c.column} = NEW.{c.source}
                WHERE {c.link} = NEW.id AND {c.column} IS DISTINCT FROM NEW.{c.source};
                RETURN NULL; END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {c.name}_src ON {c.parent}",
            f"CREATE TRIGGER {c.name}_src AFTER UPDATE ON {c.parent} FOR EACH ROW"
            f" WHEN (OLD.{c.source} IS DISTINCT FROM NEW.{c.source})"
            f" EXECUTE FUNCTION {c.name}_src()",
        ]
    return out


def trigger_sql() -> list[str]:
    make = _pg if connection.vendor == "postgresql" else _sqlite
    return [sql for c in copied_columns() for sql in make(c)]


def expected_triggers() -> set[str]:
    return {
        f"{c.name}_{event}"
        for c in copied_columns()
        for event in (("ins", "upd") if c.link is None else ("ins", "upd", "src"))
    }


def refresh() -> int:
    """Put every copied column right, set-wise (after triggers were off, or to check);
    returns how many rows were wrong."""
    fixed = 0
    with connection.cursor() as cursor:
        for c in copied_columns():
            if connection.vendor == "postgresql" and c.link is not None:
                cursor.execute(
                    f"UPDATE {c.table} t SET {c.column} = p.{c.source} FROM {c.parent} p"
                    f" WHERE p.id = t.{c.link} AND t.{c.column} IS DISTINCT FROM p.{c.source}"
                )
            else:
                distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
                cursor.execute(
                    f"UPDATE {c.table} SET {c.column} = {c.value(c.table)}"
                    f" WHERE {c.linked(c.table)} AND {c.column} {distinct} {c.value(c.table)}"
                )
            fixed += max(cursor.rowcount, 0)
    return fixed


def install() -> None:
    """Create the triggers (replacing any), then put every copied column right."""
    drop()
    with connection.cursor() as cursor:
        for sql in trigger_sql():
            cursor.execute(sql)
    refresh()


def drop() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s",
                [PREFIX + "%"],
            )
            for name, table in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(
                "SELECT proname FROM pg_proc WHERE proname LIKE %s"
                " AND pronamespace = 'public'::regnamespace",
                [PREFIX + "%"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {name} CASCADE")
            return
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
            [PREFIX + "%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def missing() -> bool:
    """Whether a trigger is gone (SQLite drops a table's triggers when a migration rebuilds it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", [PREFIX + "%"])
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                [PREFIX + "%"],
            )
        return not expected_triggers() <= {name for (name,) in cursor.fetchall()}


def before_migrate(plan: Any = None, **kwargs: Any) -> None:
    """SQLite rebuilds a table to alter it and checks every trigger naming it: drop ours first
    (`after_migrate` puts them back)."""
    if plan and connection.vendor == "sqlite":
        from django.db.utils import DatabaseError

        try:
            drop()
        except DatabaseError:
            pass


def after_migrate(plan: Any = None, **kwargs: Any) -> None:
    """After every migrate: (re)install the triggers when one is missing or a migration ran
    (a copied column may have come or moved), and put the columns right."""
    from django.db.utils import DatabaseError

    tables = set(connection.introspection.table_names())
    if not {c.table for c in copied_columns()} <= tables:
        return
    try:
        gone = missing()
    except DatabaseError:
        return
    if plan or gone:
        install()
