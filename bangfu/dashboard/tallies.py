"""Figures at province scale from summary tables, kept exactly equal to the records.

Counting 5 million ledger entries and 7 million person-visits on every page view is too slow;
`ActivityTally` and `HouseholdTally` hold the sums per county (and day and month), and
database triggers on the ledger and registry tables move them with every row written,
whatever wrote it (forms, services, `QuerySet.update()`, imports by COPY). A figure is read
from them when its slice is a region down to county level, or the whole province, with no
unit or branch; everything else is small enough to count directly.

`rebuild()` recomputes the tables from the records (the migration and `bangfu figures
--rebuild-tallies` call it); tests compare the tallies with a recount after random inserts,
edits, deletes and review changes.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q, QuerySet, Sum

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


# --- writing: triggers and rebuild ----------------------------------------------------------


def rebuild() -> None:
    """Recompute both tables from the records (after a load with triggers off, or to check)."""
    month = (
        "date_trunc('month', a.date)::date"
        if connection.vendor == "postgresql"
        else "date(a.date, 'start of month')"
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboard_activitytally")
        cursor.execute("DELETE FROM dashboard_staytally")
        for (county, unit), (grain, day) in itertools.product(
            (("a.county_code", "0"), ("''", "a.unit_id")), (("d", "a.date"), ("m", month))
        ):
            cursor.execute(
                f"""
                INSERT INTO dashboard_activitytally
                    (campaign_id, county_code, unit_id, kind, state, grain, day,
                     entries, persons, quantity, amount, days)
                SELECT a.campaign_id, {county}, {unit}, a.kind, a.state, '{grain}', {day},
                       COUNT(*), COALESCE(SUM(p.n), 0), SUM(a.quantity), SUM(a.amount),
                       SUM(a.days)
                FROM ledger_activity a
                LEFT JOIN (SELECT activity_id, COUNT(*) AS n FROM ledger_activityparticipant
                           GROUP BY activity_id) p ON p.activity_id = a.id
                WHERE a.state <> 'returned'
                GROUP BY a.campaign_id, {county if unit == "0" else unit}, a.kind, a.state,
                         {day}
                """
            )
        whole = f"DATE '{WHOLE}'" if connection.vendor == "postgresql" else f"'{WHOLE}'"
        for grain, day in (("d", "a.date"), ("m", month), ("a", whole)):
            by_day = "" if grain == "a" else f", {day}"
            cursor.execute(
                f"""
                INSERT INTO dashboard_staytally
                    (campaign_id, county_code, member_id, state, grain, day, stays)
                SELECT a.campaign_id, a.county_code, p.member_id, a.state, '{grain}', {day},
                       COUNT(*)
                FROM ledger_activity a JOIN ledger_activityparticipant p ON p.activity_id = a.id
                WHERE a.kind = 'stay' AND a.state <> 'returned'
                GROUP BY a.campaign_id, a.county_code, p.member_id, a.state{by_day}
                """
            )
    rebuild_households()


def rebuild_households() -> None:
    """Recompute the household tally alone (after a registry load with its triggers off)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboard_householdtally")
        cursor.execute(
            """
            INSERT INTO dashboard_householdtally
                (county_code, status, exit_year, households, people)
            SELECT h.county_code, h.status, COALESCE(h.exit_year, 0), COUNT(*),
                   COALESCE(SUM(p.n), 0)
            FROM registry_household h
            LEFT JOIN (SELECT household_id, COUNT(*) AS n FROM registry_person
                       GROUP BY household_id) p ON p.household_id = h.id
            GROUP BY h.county_code, h.status, COALESCE(h.exit_year, 0)
            """
        )


# PostgreSQL: statement-level triggers over transition tables, so a COPY or a bulk update
# of a million rows costs one grouped upsert, not a million.
PG_TABLES = {
    "ledger_activity": "activity",
    "ledger_activityparticipant": "participant",
    "registry_household": "household",
    "registry_person": "person",
}
PG_EVENTS = {"INSERT": ("new_rows",), "UPDATE": ("old_rows", "new_rows"), "DELETE": ("old_rows",)}


def _signed(events: tuple[str, ...], select: str) -> str:
    """The rows of the transition tables, old ones with sign -1 and new ones with +1."""
    parts = []
    for table in events:
        sign = "-1" if table == "old_rows" else "1"
        parts.append(select.format(rows=table, sign=sign))
    return " UNION ALL ".join(parts)


def _pg_function(kind: str, event: str) -> str:
    events = PG_EVENTS[event]
    cells = "(VALUES ('d'), ('m')) AS g(grain)"
    # Each entry is tallied twice: under its county (all units) and under its unit (all
    # counties), so a region and a unit's committee both read a handful of cells.
    keys = (
        "CROSS JOIN LATERAL (VALUES (r.county_code, 0::bigint), (''::varchar, r.unit_id))"
        " AS k(county, unit)"
    )
    day = "CASE WHEN g.grain = 'd' THEN r.date ELSE date_trunc('month', r.date)::date END"
    if kind == "activity":
        rows = _signed(
            events,
            "SELECT x.campaign_id, x.county_code, x.unit_id, x.kind, x.state, x.date, x.quantity,"
            " x.amount, x.days, {sign} AS sign, (SELECT COUNT(*) FROM ledger_activityparticipant p"
            " WHERE p.activity_id = x.id) AS n FROM {rows} x",
        )
        body = f"""
        INSERT INTO dashboard_activitytally AS t (campaign_id, county_code, unit_id, kind,
            state, grain, day, entries, persons, quantity, amount, days)
        SELECT r.campaign_id, k.county, k.unit, r.kind, r.state, g.grain, {day}, SUM(r.sign),
            SUM(r.sign * r.n), SUM(r.sign * r.quantity), SUM(r.sign * r.amount),
            SUM(r.sign * r.days)
        FROM ({rows}) r CROSS JOIN {cells} {keys}
        WHERE r.state <> 'returned'
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING SUM(r.sign) <> 0 OR SUM(r.sign * r.n) <> 0 OR SUM(r.sign * r.quantity) <> 0
            OR SUM(r.sign * r.amount) <> 0 OR SUM(r.sign * r.days) <> 0
        ON CONFLICT (campaign_id, county_code, unit_id, kind, state, grain, day) DO UPDATE SET
            entries = t.entries + EXCLUDED.entries, persons = t.persons + EXCLUDED.persons,
            quantity = t.quantity + EXCLUDED.quantity, amount = t.amount + EXCLUDED.amount,
            days = t.days + EXCLUDED.days;"""
    elif kind == "participant":
        rows = _signed(events, "SELECT x.activity_id, {sign} AS sign FROM {rows} x")
        body = f"""
        INSERT INTO dashboard_activitytally AS t (campaign_id, county_code, unit_id, kind,
            state, grain, day, entries, persons, quantity, amount, days)
        SELECT r.campaign_id, k.county, k.unit, r.kind, r.state, g.grain, {day}, 0,
            SUM(r.sign), 0, 0, 0
        FROM (SELECT a.campaign_id, a.county_code, a.unit_id, a.kind, a.state, a.date, s.sign
              FROM ({rows}) s JOIN ledger_activity a ON a.id = s.activity_id) r
        CROSS JOIN {cells} {keys}
        WHERE r.state <> 'returned'
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING SUM(r.sign) <> 0
        ON CONFLICT (campaign_id, county_code, unit_id, kind, state, grain, day) DO UPDATE SET
            persons = t.persons + EXCLUDED.persons;"""
    elif kind == "household":
        rows = _signed(
            events,
            "SELECT x.county_code, x.status, COALESCE(x.exit_year, 0) AS exit_year,"
            " {sign} AS sign, (SELECT COUNT(*) FROM registry_person p"
            " WHERE p.household_id = x.id) AS n FROM {rows} x",
        )
        body = f"""
        INSERT INTO dashboard_householdtally AS t (county_code, status, exit_year, households,
            people)
        SELECT r.county_code, r.status, r.exit_year, SUM(r.sign), SUM(r.sign * r.n)
        FROM ({rows}) r
        GROUP BY 1, 2, 3
        HAVING SUM(r.sign) <> 0 OR SUM(r.sign * r.n) <> 0
        ON CONFLICT (county_code, status, exit_year) DO UPDATE SET
            households = t.households + EXCLUDED.households,
            people = t.people + EXCLUDED.people;"""
    else:
        rows = _signed(events, "SELECT x.household_id, {sign} AS sign FROM {rows} x")
        body = f"""
        INSERT INTO dashboard_householdtally AS t (county_code, status, exit_year, households,
            people)
        SELECT h.county_code, h.status, COALESCE(h.exit_year, 0), 0, SUM(s.sign)
        FROM ({rows}) s JOIN registry_household h ON h.id = s.household_id
        GROUP BY 1, 2, 3
        HAVING SUM(s.sign) <> 0
        ON CONFLICT (county_code, status, exit_year) DO UPDATE SET
            people = t.people + EXCLUDED.people;"""
    if kind == "activity":
        stays = _signed(
            events,
            "SELECT x.campaign_id, x.county_code, p.member_id, x.state, x.date, {sign} AS sign"
            " FROM {rows} x JOIN ledger_activityparticipant p ON p.activity_id = x.id"
            " WHERE x.kind = 'stay'",
        )
        body += _pg_stays(stays)
    elif kind == "participant":
        stays = _signed(
            events,
            "SELECT a.campaign_id, a.county_code, x.member_id, a.state, a.date, {sign} AS sign"
            " FROM {rows} x JOIN ledger_activity a ON a.id = x.activity_id"
            " WHERE a.kind = 'stay'",
        )
        body += _pg_stays(stays)
    name = f"dashboard_{kind}_{event.lower()}"
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
    BEGIN {body}
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""


def _pg_stays(rows: str) -> str:
    day = (
        "CASE g.grain WHEN 'd' THEN r.date WHEN 'm' THEN date_trunc('month', r.date)::date"
        f" ELSE DATE '{WHOLE}' END"
    )
    return f"""
        INSERT INTO dashboard_staytally AS t (campaign_id, county_code, member_id, state,
            grain, day, stays)
        SELECT r.campaign_id, r.county_code, r.member_id, r.state, g.grain, {day}, SUM(r.sign)
        FROM ({rows}) r CROSS JOIN (VALUES ('d'), ('m'), ('a')) AS g(grain)
        WHERE r.state <> 'returned'
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING SUM(r.sign) <> 0
        ON CONFLICT (campaign_id, county_code, member_id, state, grain, day) DO UPDATE SET
            stays = t.stays + EXCLUDED.stays;"""


def _pg_sql() -> list[str]:
    statements = []
    for table, kind in PG_TABLES.items():
        for event, transition in PG_EVENTS.items():
            name = f"dashboard_{kind}_{event.lower()}"
            referencing = " ".join(
                f"{'OLD' if t == 'old_rows' else 'NEW'} TABLE AS {t}" for t in transition
            )
            statements.append(_pg_function(kind, event))
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    return statements


def _sqlite_activity_upsert(row: str, sign: str, persons: str) -> str:
    """SQLite has no trigger functions: the upsert of one row's day and month cells, under its
    county and under its unit, inline."""
    out = []
    for (county, unit), (grain, day) in itertools.product(
        ((f"{row}.county_code", "0"), ("''", f"{row}.unit_id")),
        (("d", f"{row}.date"), ("m", f"date({row}.date, 'start of month')")),
    ):
        out.append(
            f"""INSERT INTO dashboard_activitytally
                (campaign_id, county_code, unit_id, kind, state, grain, day,
                 entries, persons, quantity, amount, days)
            SELECT {row}.campaign_id, {county}, {unit}, {row}.kind, {row}.state, '{grain}',
                   {day}, {sign}1, {persons}, {sign}{row}.quantity,
                   {sign}CAST({row}.amount AS NUMERIC), {sign}{row}.days
            WHERE {row}.state <> 'returned'
            ON CONFLICT (campaign_id, county_code, unit_id, kind, state, grain, day) DO UPDATE SET
                entries = entries + excluded.entries, persons = persons + excluded.persons,
                quantity = quantity + excluded.quantity, amount = amount + excluded.amount,
                days = days + excluded.days;"""
        )
    return "\n".join(out)


def _sqlite_participant_upsert(activity_id: str, sign: str) -> str:
    out = []
    for (county, unit), (grain, day) in itertools.product(
        (("a.county_code", "0"), ("''", "a.unit_id")),
        (("d", "a.date"), ("m", "date(a.date, 'start of month')")),
    ):
        out.append(
            f"""INSERT INTO dashboard_activitytally
                (campaign_id, county_code, unit_id, kind, state, grain, day,
                 entries, persons, quantity, amount, days)
            SELECT a.campaign_id, {county}, {unit}, a.kind, a.state, '{grain}', {day},
                   0, {sign}1, 0, 0, 0
            FROM ledger_activity a WHERE a.id = {activity_id} AND a.state <> 'returned'
            ON CONFLICT (campaign_id, county_code, unit_id, kind, state, grain, day) DO UPDATE SET
                persons = persons + excluded.persons;"""
        )
    return "\n".join(out)


def _sqlite_household_upsert(row: str, sign: str, people: str) -> str:
    return f"""INSERT INTO dashboard_householdtally
            (county_code, status, exit_year, households, people)
        SELECT {row}.county_code, {row}.status, COALESCE({row}.exit_year, 0), {sign}1, {people}
        WHERE 1
        ON CONFLICT (county_code, status, exit_year) DO UPDATE SET
            households = households + excluded.households, people = people + excluded.people;"""


def _sqlite_person_upsert(household_id: str, sign: str) -> str:
    return f"""INSERT INTO dashboard_householdtally
            (county_code, status, exit_year, households, people)
        SELECT h.county_code, h.status, COALESCE(h.exit_year, 0), 0, {sign}1
        FROM registry_household h WHERE h.id = {household_id}
        ON CONFLICT (county_code, status, exit_year) DO UPDATE SET
            people = people + excluded.people;"""


def _sqlite_stays(row: str, member: str, source: str, sign: str) -> str:
    """Upserts of one stay's participants (or one participant's stay) into the stay tally."""
    out = []
    for grain, day in (
        ("d", f"{row}.date"),
        ("m", f"date({row}.date, 'start of month')"),
        ("a", f"'{WHOLE}'"),
    ):
        out.append(
            f"""INSERT INTO dashboard_staytally
                (campaign_id, county_code, member_id, state, grain, day, stays)
            SELECT {row}.campaign_id, {row}.county_code, {member}, {row}.state, '{grain}',
                   {day}, {sign}1
            {source} AND {row}.kind = 'stay' AND {row}.state <> 'returned'
            ON CONFLICT (campaign_id, county_code, member_id, state, grain, day) DO UPDATE SET
                stays = stays + excluded.stays;"""
        )
    return "\n".join(out)


def _sqlite_activity_stays(row: str, sign: str) -> str:
    source = f"FROM ledger_activityparticipant p WHERE p.activity_id = {row}.id"
    return _sqlite_stays(row, "p.member_id", source, sign)


def _sqlite_participant_stays(row: str, sign: str) -> str:
    source = f"FROM ledger_activity a WHERE a.id = {row}.activity_id"
    return _sqlite_stays("a", f"{row}.member_id", source, sign)


def _sqlite_sql() -> list[str]:
    n_old = "(SELECT COUNT(*) FROM ledger_activityparticipant WHERE activity_id = OLD.id)"
    n_new = "(SELECT COUNT(*) FROM ledger_activityparticipant WHERE activity_id = NEW.id)"
    p_old = "(SELECT COUNT(*) FROM registry_person WHERE household_id = OLD.id)"
    p_new = "(SELECT COUNT(*) FROM registry_person WHERE household_id = NEW.id)"
    activity_changed = (
        "OLD.campaign_id IS NOT NEW.campaign_id OR OLD.county_code IS NOT NEW.county_code"
        " OR OLD.kind IS NOT NEW.kind OR OLD.state IS NOT NEW.state OR OLD.date IS NOT NEW.date"
        " OR OLD.quantity IS NOT NEW.quantity OR CAST(OLD.amount AS NUMERIC)"
        " IS NOT CAST(NEW.amount AS NUMERIC) OR OLD.days IS NOT NEW.days"
    )
    household_changed = (
        "OLD.county_code IS NOT NEW.county_code OR OLD.status IS NOT NEW.status"
        " OR OLD.exit_year IS NOT NEW.exit_year"
    )
    return [
        f"""CREATE TRIGGER dashboard_activity_inserted AFTER INSERT ON ledger_activity BEGIN
            {_sqlite_activity_upsert("NEW", "", n_new)}
            {_sqlite_activity_stays("NEW", "")} END""",
        f"""CREATE TRIGGER dashboard_activity_deleted AFTER DELETE ON ledger_activity BEGIN
            {_sqlite_activity_upsert("OLD", "-", "-" + n_old)}
            {_sqlite_activity_stays("OLD", "-")} END""",
        f"""CREATE TRIGGER dashboard_activity_updated AFTER UPDATE ON ledger_activity
            WHEN {activity_changed} BEGIN
            {_sqlite_activity_upsert("OLD", "-", "-" + n_old)}
            {_sqlite_activity_stays("OLD", "-")}
            {_sqlite_activity_upsert("NEW", "", n_new)}
            {_sqlite_activity_stays("NEW", "")} END""",
        f"""CREATE TRIGGER dashboard_participant_inserted AFTER INSERT
            ON ledger_activityparticipant BEGIN
            {_sqlite_participant_upsert("NEW.activity_id", "")}
            {_sqlite_participant_stays("NEW", "")} END""",
        f"""CREATE TRIGGER dashboard_participant_deleted AFTER DELETE
            ON ledger_activityparticipant BEGIN
            {_sqlite_participant_upsert("OLD.activity_id", "-")}
            {_sqlite_participant_stays("OLD", "-")} END""",
        f"""CREATE TRIGGER dashboard_participant_updated AFTER UPDATE
            ON ledger_activityparticipant
            WHEN OLD.activity_id IS NOT NEW.activity_id OR OLD.member_id IS NOT NEW.member_id
            BEGIN
            {_sqlite_participant_upsert("OLD.activity_id", "-")}
            {_sqlite_participant_stays("OLD", "-")}
            {_sqlite_participant_upsert("NEW.activity_id", "")}
            {_sqlite_participant_stays("NEW", "")} END""",
        f"""CREATE TRIGGER dashboard_household_inserted AFTER INSERT ON registry_household BEGIN
            {_sqlite_household_upsert("NEW", "", p_new)} END""",
        f"""CREATE TRIGGER dashboard_household_deleted AFTER DELETE ON registry_household BEGIN
            {_sqlite_household_upsert("OLD", "-", "-" + p_old)} END""",
        f"""CREATE TRIGGER dashboard_household_updated AFTER UPDATE ON registry_household
            WHEN {household_changed} BEGIN
            {_sqlite_household_upsert("OLD", "-", "-" + p_old)}
            {_sqlite_household_upsert("NEW", "", p_new)} END""",
        f"""CREATE TRIGGER dashboard_person_inserted AFTER INSERT ON registry_person BEGIN
            {_sqlite_person_upsert("NEW.household_id", "")} END""",
        f"""CREATE TRIGGER dashboard_person_deleted AFTER DELETE ON registry_person BEGIN
            {_sqlite_person_upsert("OLD.household_id", "-")} END""",
        f"""CREATE TRIGGER dashboard_person_updated AFTER UPDATE ON registry_person
            WHEN OLD.household_id IS NOT NEW.household_id BEGIN
            {_sqlite_person_upsert("OLD.household_id", "-")}
            {_sqlite_person_upsert("NEW.household_id", "")} END""",
    ]


def install_triggers() -> None:
    """Create the triggers that keep the tallies equal to the records, then fill them."""
    statements = _pg_sql() if connection.vendor == "postgresql" else _sqlite_sql()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    rebuild()


def expected_triggers() -> set[str]:
    if connection.vendor == "postgresql":
        return {f"dashboard_{k}_{e.lower()}" for k in PG_TABLES.values() for e in PG_EVENTS}
    return {
        f"dashboard_{t}_{e}"
        for t in ("activity", "participant", "household", "person")
        for e in ("inserted", "deleted", "updated")
    }


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
        for table in ("activity", "participant", "household", "person"):
            for event in ("inserted", "deleted", "updated"):
                cursor.execute(f"DROP TRIGGER IF EXISTS dashboard_{table}_{event}")
