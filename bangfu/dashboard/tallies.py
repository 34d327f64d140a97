"""Figures at province scale from summary tables, kept exactly equal to the records.

Counting 5 million ledger entries and 7 million person-visits on every page view is too slow;
`ActivityTally` and `HouseholdTally` hold the sums per county (and day and month), and
database triggers on the ledger and registry tables move them with every row written,
whatever wrote it (forms, services, `QuerySet.update()`, imports by COPY). A figure is read
from them when its slice is a region down to county level, or the whole province, with no
unit or branch; everything else is small enough to count directly.

Each tally is declared once (`TALLIES`): which rows move it and how. PostgreSQL's statement
triggers, SQLite's row triggers and `rebuild()` are all generated from that declaration, and
which ledger entries are kept is ledger.counting's rule, compiled to SQL, not a copy of it.
`rebuild()` recomputes the tables from the records (the migration and `bangfu figures
--rebuild-tallies` call it); tests compare the tallies with a recount after random inserts,
edits, deletes, review changes and moves, and a state machine checks every figure against
its records after random sequences of writes (dashboard/tests/test_figures_machine.py).
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from bangfu.ledger.choices import ActivityKind
from bangfu.ledger.counting import countable_q
from bangfu.registry.choices import HouseholdStatus

if TYPE_CHECKING:
    from bangfu.dashboard.figures import Figure, FigureSlice

SUMS = ("entries", "persons", "quantity", "amount", "days")
WHOLE = "1900-01-01"  # the `day` of a stay tally's whole-campaign ('a') cells

# figure key → (tally, measured column, kind or None for all kinds, which states)
ACTIVITY_FIGURES: dict[str, tuple[str, str | None, str]] = {
    "expert_visits": ("persons", "expert_visit", "counted"),
    "member_visits": ("persons", "service_visit", "counted"),
    "policy_supports": ("quantity", "policy_support", "counted"),
    "tech_service_persons": ("quantity", "tech_service", "counted"),
    "dev_ideas": ("quantity", "dev_idea", "counted"),
    "funds_yuan": ("amount", "funds", "counted"),
    "stay_days": ("days", "stay", "counted"),
    "entries_awaiting_review": ("entries", None, "submitted"),
}
POOR = (HouseholdStatus.POOR.value, HouseholdStatus.RELAPSED.value)
HOUSEHOLD_FIGURES = {
    "households_registered",
    "poor_households",
    "poor_people",
    "households_lifted",
}


# --- reading ------------------------------------------------------------------------------


def _region(slice_: FigureSlice) -> str | None:
    """The county-or-wider code prefix the slice and the user's scope both cover; "" for the
    whole province, "-" for nothing in common; None when the tallies cannot answer."""
    if slice_.unit_id or slice_.branch_id:
        return None
    prefix = slice_.region_prefix or ""
    if len(prefix) > 6:
        return None
    user = slice_.user
    if user is None:
        return prefix
    if not user.is_authenticated or not user.is_active:
        return None
    scope = user.scope
    if scope.everything:
        return prefix
    if scope.region_prefix is None or len(scope.region_prefix) > 6:
        return None
    own = scope.region_prefix
    if own.startswith(prefix):
        return own
    return prefix if prefix.startswith(own) else "-"


def _unit(slice_: FigureSlice) -> int | None:
    """The unit whose own cells answer the slice (-1: none of its records are the user's);
    None when it is not one unit's whole work."""
    if slice_.branch_id or slice_.region_prefix:
        return None
    user = slice_.user
    if user is None or (user.is_authenticated and user.scope.everything):
        return slice_.unit_id
    if not user.is_authenticated or not user.is_active:
        return None
    scope = user.scope
    if scope.unit_id is None or scope.branch_id is not None:
        return None
    return scope.unit_id if slice_.unit_id in (None, scope.unit_id) else -1


def county_q(prefix: str) -> Q:
    """Counties under a code prefix as an index range (LIKE 'x%' cannot use it in every
    collation); a county's own code exactly."""
    if len(prefix) == 6:
        return Q(county_code=prefix)
    return Q(county_code__gte=prefix, county_code__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _period_q(start: datetime.date | None, end: datetime.date | None) -> Q:
    """Month rows for the months wholly inside the period, day rows for the rest."""
    first = start if start is None or start.day == 1 else _month_end(start) + datetime.timedelta(1)
    last = (
        end if end is None or end == _month_end(end) else end.replace(day=1) - datetime.timedelta(1)
    )
    if first is not None and last is not None and first > last:
        days = Q(grain="d")
        if start:
            days &= Q(day__gte=start)
        if end:
            days &= Q(day__lte=end)
        return days
    months = Q(grain="m")
    if first:
        months &= Q(day__gte=first)
    if last:
        months &= Q(day__lte=last.replace(day=1))
    q = months
    if start and first and start < first:
        q |= Q(grain="d", day__gte=start, day__lt=first)
    if end and last and end > last:
        q |= Q(grain="d", day__gt=last, day__lte=end)
    return q


def _activity_sums(
    slice_: FigureSlice, prefix: str | None, unit: int | None
) -> dict[tuple[str, str], dict[str, Any]]:
    """Sums per (kind, state) for the slice: one query, kept on the slice for its figures."""
    key = ("activity", prefix, unit)
    cache = slice_.cache if slice_.cache is not None else {}
    if key not in cache:
        from bangfu.dashboard.models import ActivityTally

        qs = ActivityTally.objects.filter(campaign=slice_.campaign)
        if prefix == "-" or unit == -1:
            qs = qs.none()
        elif unit is not None:
            qs = qs.filter(county_code="", unit_id=unit)
        else:
            qs = qs.filter(unit_id=0)
            if prefix:
                qs = qs.filter(county_q(prefix))
        qs = qs.filter(_period_q(slice_.date_from, slice_.date_to))
        rows = qs.values("kind", "state").annotate(**{f"t_{c}": Sum(c) for c in SUMS})
        cache[key] = {(r["kind"], r["state"]): {c: r[f"t_{c}"] or 0 for c in SUMS} for r in rows}
    return cache[key]


def _household_sums(slice_: FigureSlice, prefix: str) -> list[dict[str, Any]]:
    key = ("household", prefix)
    cache = slice_.cache if slice_.cache is not None else {}
    if key not in cache:
        from bangfu.dashboard.models import HouseholdTally

        qs = HouseholdTally.objects.all()
        if prefix == "-":
            qs = qs.none()
        elif prefix:
            qs = qs.filter(county_q(prefix))
        cache[key] = list(
            qs.values("status", "exit_year").annotate(h=Sum("households"), p=Sum("people"))
        )
    return cache[key]


def _cadres_stayed(slice_: FigureSlice, prefix: str) -> int:
    """Leading cadres with a counted stay in the slice: distinct members of the stay tally."""
    from bangfu.dashboard.models import StayTally

    if prefix == "-":
        return 0
    qs = StayTally.objects.filter(
        campaign=slice_.campaign,
        state__in=slice_.counted_states(),
        stays__gt=0,
        member__is_leading_cadre=True,
    )
    if prefix:
        qs = qs.filter(county_q(prefix))
    if slice_.date_from is None and slice_.date_to is None:
        qs = qs.filter(grain="a")
    else:
        qs = qs.filter(_period_q(slice_.date_from, slice_.date_to))
    return qs.values("member_id").distinct().count()


def _unit_households(figure: Figure, slice_: FigureSlice) -> int | None:
    """A unit's registry figures from one read of its households: those its scope reaches
    (the villages it works in, the households its secretaries help). That reach is an OR no
    index serves, so each of its branches is read on its own and the results joined; people
    are then counted by household."""
    from bangfu.core.scope import Scope
    from bangfu.registry.models import Household, Person

    if not _may_view(slice_, "registry.view_household"):
        return None
    key = ("unit_households",)
    cache = slice_.cache if slice_.cache is not None else {}
    if key not in cache:
        reach = Household.scope_q(Scope.unit(_unit(slice_)))
        parts = reach.children if reach.connector == Q.OR and not reach.negated else [reach]
        rows: dict[int, tuple[str, int | None]] = {}
        for part in parts:
            part_q = part if isinstance(part, Q) else Q(**{part[0]: _listed(part[1])})
            for pk, status, year in Household.objects.filter(part_q).values_list(
                "pk", "status", "exit_year"
            ):
                rows[pk] = (status, year)
        first, last = slice_.years()
        poor = [pk for pk, (status, _year) in rows.items() if status in POOR]
        cache[key] = {
            "households_registered": len(rows),
            "poor_households": len(poor),
            "households_lifted": sum(
                1
                for status, year in rows.values()
                if status == HouseholdStatus.LIFTED and year is not None and first <= year <= last
            ),
            "poor_people": Person.objects.filter(household_id__in=poor).count() if poor else 0,
        }
    if figure.key == "poor_people" and not _may_view(slice_, "registry.view_person"):
        return None
    return cache[key][figure.key]


def _listed(value: Any) -> Any:
    """A subquery read into a list first: `IN (1, 2, ...)` lets the planner use the index."""
    if isinstance(value, QuerySet):
        fields = value.query.values_select or ("pk",)
        return list(value.values_list(*fields[:1], flat=True))
    return value


def _may_view(slice_: FigureSlice, *perms: str) -> bool:
    user = slice_.user
    return user is None or all(user.has_perm(p) for p in perms)


def figure_value(figure: Figure, slice_: FigureSlice) -> int | Decimal | None:
    """The figure from the tallies, or None when they cannot answer for this slice."""
    prefix = _region(slice_)
    unit = _unit(slice_) if prefix is None else None
    if prefix is None and unit is None:
        return None
    if figure.key in ACTIVITY_FIGURES:
        column, kind, states = ACTIVITY_FIGURES[figure.key]
        perms = ["ledger.view_activity"]
        if column == "persons":
            perms.append("ledger.view_activityparticipant")
        if not _may_view(slice_, *perms):
            return None
        wanted = slice_.counted_states() if states == "counted" else [states]
        total: int | Decimal = Decimal(0) if column == "amount" else 0
        for (k, state), sums in _activity_sums(slice_, prefix, unit).items():
            if (kind is None or k == kind) and state in wanted:
                total += sums[column]
        return total
    if prefix is None:  # a unit: its registry figures are counted from its records, at once
        return _unit_households(figure, slice_) if figure.key in HOUSEHOLD_FIGURES else None
    if figure.key == "cadres_stayed":
        if not _may_view(slice_, "ledger.view_activity", "ledger.view_activityparticipant"):
            return None
        return _cadres_stayed(slice_, prefix)
    if figure.key in HOUSEHOLD_FIGURES:
        perms = ["registry.view_household"]
        if figure.key == "poor_people":
            perms.append("registry.view_person")
        if not _may_view(slice_, *perms):
            return None
        rows = _household_sums(slice_, prefix)
        if figure.key == "households_registered":
            return sum(r["h"] for r in rows)
        if figure.key == "poor_households":
            return sum(r["h"] for r in rows if r["status"] in POOR)
        if figure.key == "poor_people":
            return sum(r["p"] for r in rows if r["status"] in POOR)
        first, last = slice_.years()
        return sum(
            r["h"]
            for r in rows
            if r["status"] == HouseholdStatus.LIFTED and first <= r["exit_year"] <= last
        )
    return None


# --- writing: triggers and rebuild, from one definition ------------------------------------
#
# Each tally is declared once (TALLIES): for each table whose rows move it, the SQL that
# turns a set of those rows `x` (each with a `sign`, +1 new and -1 gone) into the tally's
# keys and sums. The same text then becomes
# - PostgreSQL statement triggers over transition tables (a COPY or a bulk update of a million
#   rows costs one grouped upsert, not a million),
# - SQLite row triggers (x is the one row, OLD with -1 and NEW with +1),
# - and `rebuild()` (x is the whole table, +1 each).
# Which entries are kept is the counting module's rule (ledger.counting.countable_q), compiled
# to SQL here, not restated.


@dataclass(frozen=True)
class Source:
    """How rows of `table` move a tally: `values` maps each tally column to an SQL expression
    over `x` (the changed rows, with only `columns`) and `joins`; `where` picks the rows.
    Placeholders: {n} (the rows of `child` pointing at x), {counts:alias} (the counting
    rule), {day:alias} (the cell's day for grain g.grain), {num:expr} (a number to sum)."""

    table: str
    columns: tuple[str, ...]
    values: dict[str, str]
    joins: str = ""
    where: str = "1 = 1"
    child: tuple[str, str] | None = None  # (table, its column pointing at x.id): {n}
    rebuild: bool = False  # the tally is recounted from this source alone


@dataclass(frozen=True)
class Tally:
    table: str
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    sources: tuple[Source, ...]


GRAINS = "CROSS JOIN (SELECT 'd' AS grain UNION ALL SELECT 'm') g"
GRAINS_AND_WHOLE = "CROSS JOIN (SELECT 'd' AS grain UNION ALL SELECT 'm' UNION ALL SELECT 'a') g"
# Each entry is tallied twice: under its county (unit 0: all units) and under its unit
# (county '': all counties), so a region and a unit's committee both read a handful of cells.
BY_COUNTY_AND_UNIT = "CROSS JOIN (SELECT 0 AS by_unit UNION ALL SELECT 1) k"
STAY = ActivityKind.STAY.value
ACTIVITY_COLUMNS = (
    "id",
    "campaign_id",
    "county_code",
    "unit_id",
    "kind",
    "state",
    "date",
    "quantity",
    "amount",
    "days",
)


def _activity_keys(a: str) -> dict[str, str]:
    return {
        "campaign_id": f"{a}.campaign_id",
        "county_code": f"CASE k.by_unit WHEN 0 THEN {a}.county_code ELSE '' END",
        "unit_id": f"CASE k.by_unit WHEN 0 THEN 0 ELSE {a}.unit_id END",
        "kind": f"{a}.kind",
        "state": f"{a}.state",
        "grain": "g.grain",
        "day": f"{{day:{a}}}",
    }


def _stay_keys(a: str, member: str) -> dict[str, str]:
    return {
        "campaign_id": f"{a}.campaign_id",
        "county_code": f"{a}.county_code",
        "member_id": member,
        "state": f"{a}.state",
        "grain": "g.grain",
        "day": f"{{day:{a}}}",
    }


def _household_keys(h: str) -> dict[str, str]:
    return {
        "county_code": f"{h}.county_code",
        "status": f"{h}.status",
        "exit_year": f"COALESCE({h}.exit_year, 0)",
    }


TALLIES = (
    Tally(
        "dashboard_activitytally",
        ("campaign_id", "county_code", "unit_id", "kind", "state", "grain", "day"),
        SUMS,
        (
            Source(
                "ledger_activity",
                ACTIVITY_COLUMNS,
                {
                    **_activity_keys("x"),
                    "entries": "x.sign",
                    "persons": "x.sign * {n}",
                    "quantity": "x.sign * x.quantity",
                    "amount": "x.sign * {num:x.amount}",
                    "days": "x.sign * x.days",
                },
                joins=f"{GRAINS} {BY_COUNTY_AND_UNIT}",
                where="{counts:x}",
                child=("ledger_activityparticipant", "activity_id"),
                rebuild=True,
            ),
            Source(
                "ledger_activityparticipant",
                ("activity_id", "member_id"),
                {
                    **_activity_keys("a"),
                    "entries": "0",
                    "persons": "x.sign",
                    "quantity": "0",
                    "amount": "0",
                    "days": "0",
                },
                joins=f"JOIN ledger_activity a ON a.id = x.activity_id {GRAINS}"
                f" {BY_COUNTY_AND_UNIT}",
                where="{counts:a}",
            ),
        ),
    ),
    Tally(
        "dashboard_staytally",
        ("campaign_id", "county_code", "member_id", "state", "grain", "day"),
        ("stays",),
        (
            Source(
                "ledger_activity",
                ACTIVITY_COLUMNS,
                {**_stay_keys("x", "p.member_id"), "stays": "x.sign"},
                joins=f"JOIN ledger_activityparticipant p ON p.activity_id = x.id"
                f" {GRAINS_AND_WHOLE}",
                where=f"x.kind = '{STAY}' AND {{counts:x}}",
                rebuild=True,
            ),
            Source(
                "ledger_activityparticipant",
                ("activity_id", "member_id"),
                {**_stay_keys("a", "x.member_id"), "stays": "x.sign"},
                joins=f"JOIN ledger_activity a ON a.id = x.activity_id {GRAINS_AND_WHOLE}",
                where=f"a.kind = '{STAY}' AND {{counts:a}}",
            ),
        ),
    ),
    Tally(
        "dashboard_householdtally",
        ("county_code", "status", "exit_year"),
        ("households", "people"),
        (
            Source(
                "registry_household",
                ("id", "county_code", "status", "exit_year"),
                {**_household_keys("x"), "households": "x.sign", "people": "x.sign * {n}"},
                child=("registry_person", "household_id"),
                rebuild=True,
            ),
            Source(
                "registry_person",
                ("household_id",),
                {**_household_keys("h"), "households": "0", "people": "x.sign"},
                joins="JOIN registry_household h ON h.id = x.household_id",
            ),
        ),
    ),
)
# The trigger names: dashboard_<kind>_<event> (registry.first_load turns them off by name).
KINDS = {
    "ledger_activity": "activity",
    "ledger_activityparticipant": "participant",
    "registry_household": "household",
    "registry_person": "person",
}


def _sql_of(q: Q, model: type, alias: str) -> str:
    """A filter on a model's own columns as SQL over a row alias, its values inlined (a
    trigger's text takes no parameters)."""
    from django.db.models.sql import Query

    query = Query(model)
    compiler = query.get_compiler(connection=connection)
    sql, params = query.build_where(q).as_sql(compiler, connection)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = sql.replace(f"{table}.", f"{alias}.")

    def literal(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"cannot inline {value!r}")
        return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"

    return sql.replace("%s", "{}").format(*(literal(p) for p in params))


def _render(text: str, child: tuple[str, str] | None, rebuild: bool) -> str:
    """Fill a source's placeholders for this database (and for a trigger or the rebuild)."""
    from bangfu.ledger.models import Activity

    pg = connection.vendor == "postgresql"

    def fill(match: re.Match) -> str:
        name, arg = match.group(1), match.group(2)
        if name == "counts":
            return _sql_of(countable_q(), Activity, arg)
        if name == "num":
            return arg if pg else f"CAST({arg} AS NUMERIC)"
        if name == "day":
            month = (
                f"date_trunc('month', {arg}.date)::date"
                if pg
                else f"date({arg}.date, 'start of month')"
            )
            whole = f"DATE '{WHOLE}'" if pg else f"'{WHOLE}'"
            return f"CASE g.grain WHEN 'd' THEN {arg}.date WHEN 'm' THEN {month} ELSE {whole} END"
        if name == "n":
            if rebuild:
                return "COALESCE(cn.n, 0)"
            table, column = child
            return f"(SELECT COUNT(*) FROM {table} c WHERE c.{column} = x.id)"
        raise KeyError(name)

    return re.sub(r"\{(\w+)(?::([^{}]+))?\}", fill, text)


def _upsert(tally: Tally, source: Source, rows: str, rebuild: bool = False) -> str:
    """The statement adding the rows' signed contributions to the tally's cells."""
    columns = tally.keys + tally.sums
    keys = [_render(source.values[k], source.child, rebuild) for k in tally.keys]
    sums = [f"SUM({_render(source.values[s], source.child, rebuild)})" for s in tally.sums]
    joins = _render(source.joins, source.child, rebuild)
    if rebuild and source.child:
        table, column = source.child
        joins += (
            f" LEFT JOIN (SELECT {column} AS of_id, COUNT(*) AS n FROM {table}"
            f" GROUP BY {column}) cn ON cn.of_id = x.id"
        )
    positions = ", ".join(str(i + 1) for i in range(len(keys)))
    sql = (
        f"INSERT INTO {tally.table} ({', '.join(columns)})"
        f" SELECT {', '.join(keys + sums)} FROM ({rows}) x {joins}"
        f" WHERE {_render(source.where, source.child, rebuild)}"
        f" GROUP BY {positions} HAVING {' OR '.join(f'{s} <> 0' for s in sums)}"
    )
    if not rebuild:
        sql += f" ON CONFLICT ({', '.join(tally.keys)}) DO UPDATE SET " + ", ".join(
            f"{s} = {tally.table}.{s} + excluded.{s}" for s in tally.sums
        )
    return sql


def _sources(table: str) -> list[tuple[Tally, Source]]:
    return [(t, s) for t in TALLIES for s in t.sources if s.table == table]


def _columns(table: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for _t, s in _sources(table) for c in s.columns))


def _rows(columns: tuple[str, ...], sign: int, source: str) -> str:
    """Rows with a sign: `source` is a table name, or 'NEW'/'OLD' of a SQLite row trigger."""
    if source in ("NEW", "OLD"):
        return ", ".join([*(f"{source}.{c} AS {c}" for c in columns), f"{sign} AS sign"])
    return f"{', '.join(columns)}, {sign} AS sign FROM {source}"


def rebuild(only: tuple[str, ...] | None = None) -> None:
    """Recompute the tables from the records (after a load with triggers off, or to check);
    `only` names the tally tables to recompute."""
    with connection.cursor() as cursor:
        for tally in TALLIES:
            if only is not None and tally.table not in only:
                continue
            cursor.execute(f"DELETE FROM {tally.table}")
            for source in tally.sources:
                if source.rebuild:
                    rows = "SELECT " + _rows(source.columns, 1, source.table)
                    cursor.execute(_upsert(tally, source, rows, rebuild=True))


def rebuild_households() -> None:
    """Recompute the household tally alone (after a registry load with its triggers off)."""
    rebuild(only=("dashboard_householdtally",))


# PostgreSQL: one function per table and event, over the statement's transition tables.
PG_EVENTS = {"INSERT": ("new_rows",), "UPDATE": ("old_rows", "new_rows"), "DELETE": ("old_rows",)}


def _pg_sql() -> list[str]:
    statements = []
    for table, kind in KINDS.items():
        columns = _columns(table)
        for event, transitions in PG_EVENTS.items():
            name = f"dashboard_{kind}_{event.lower()}"
            rows = " UNION ALL ".join(
                "SELECT " + _rows(columns, -1 if t == "old_rows" else 1, t) for t in transitions
            )
            body = ";\n".join(_upsert(tally, source, rows) for tally, source in _sources(table))
            referencing = " ".join(
                f"{'OLD' if t == 'old_rows' else 'NEW'} TABLE AS {t}" for t in transitions
            )
            statements += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN\n{body};\n"
                "RETURN NULL; END $$ LANGUAGE plpgsql",
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    return statements


# SQLite: row triggers; an update takes the old row out and puts the new one in, in one
# statement per tally, and only when a column the tallies read has changed.
SQLITE_EVENTS = {"inserted": ("NEW",), "deleted": ("OLD",), "updated": ("OLD", "NEW")}


def _sqlite_sql() -> list[str]:
    statements = []
    for table, kind in KINDS.items():
        columns = _columns(table)
        for event, images in SQLITE_EVENTS.items():
            rows = " UNION ALL ".join(
                "SELECT " + _rows(columns, -1 if i == "OLD" else 1, i) for i in images
            )
            body = "".join(f"{_upsert(t, s, rows)};\n" for t, s in _sources(table))
            when = ""
            if event == "updated":
                when = "WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
            on = {"inserted": "INSERT", "deleted": "DELETE", "updated": "UPDATE"}[event]
            statements.append(
                f"CREATE TRIGGER dashboard_{kind}_{event} AFTER {on} ON {table} {when}"
                f" BEGIN\n{body}END"
            )
    return statements


def install_triggers() -> None:
    """Create the triggers that keep the tallies equal to the records, then fill them."""
    statements = _pg_sql() if connection.vendor == "postgresql" else _sqlite_sql()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    rebuild()


def expected_triggers() -> set[str]:
    events = PG_EVENTS if connection.vendor == "postgresql" else SQLITE_EVENTS
    return {f"dashboard_{k}_{e.lower()}" for k in KINDS.values() for e in events}


def triggers_missing() -> bool:
    """Whether a trigger is gone: SQLite drops a table's triggers when a migration rebuilds it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'dashboard%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dashboard%'"
            )
        return not expected_triggers() <= {name for (name,) in cursor.fetchall()}


def before_migrate(plan: Any = None, **kwargs: Any) -> None:
    """SQLite rebuilds a table to alter it and then checks every trigger naming it: drop ours
    before migrations run (ensure_triggers puts them back and recounts after)."""
    if plan and connection.vendor == "sqlite":
        from django.db.utils import DatabaseError

        try:
            drop_triggers()
        except DatabaseError:
            pass


def ensure_triggers(plan: Any = None, **kwargs: Any) -> None:
    """After every migrate: (re)install the triggers when a dashboard migration ran (their SQL
    follows the tables) or one is missing (SQLite drops a table's triggers when a migration
    rebuilds it), and recount."""
    from django.db.utils import DatabaseError

    from bangfu.dashboard.models import ActivityTally, HouseholdTally, StayTally

    tables = set(connection.introspection.table_names())
    if not {m._meta.db_table for m in (ActivityTally, HouseholdTally, StayTally)} <= tables:
        return
    ours = any(m.app_label == "dashboard" for m, _backwards in plan or ())
    try:
        missing = triggers_missing()
    except DatabaseError:
        return
    if ours or missing:
        drop_triggers()
        install_triggers()


def drop_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger"
                " WHERE tgname LIKE 'dashboard_%%'"
            )
            for name, table in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(
                "SELECT proname FROM pg_proc WHERE proname LIKE 'dashboard_%%'"
                " AND pronamespace = 'public'::regnamespace"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {name} CASCADE")
            return
        for name in expected_triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
