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
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q, Sum

from bangfu.registry.choices import HouseholdStatus

if TYPE_CHECKING:
    from bangfu.dashboard.figures import Figure, FigureSlice

SUMS = ("entries", "persons", "quantity", "amount", "days")

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


def _activity_sums(slice_: FigureSlice, prefix: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Sums per (kind, state) for the slice: one query, kept on the slice for its figures."""
    key = ("activity", prefix)
    cache = slice_.cache if slice_.cache is not None else {}
    if key not in cache:
        from bangfu.dashboard.models import ActivityTally

        qs = ActivityTally.objects.filter(campaign=slice_.campaign)
        if prefix == "-":
            qs = qs.none()
        elif prefix:
            qs = qs.filter(county_code__startswith=prefix)
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
            qs = qs.filter(county_code__startswith=prefix)
        cache[key] = list(
            qs.values("status", "exit_year").annotate(h=Sum("households"), p=Sum("people"))
        )
    return cache[key]


def _may_view(slice_: FigureSlice, *perms: str) -> bool:
    user = slice_.user
    return user is None or all(user.has_perm(p) for p in perms)


def figure_value(figure: Figure, slice_: FigureSlice) -> int | Decimal | None:
    """The figure from the tallies, or None when they cannot answer for this slice."""
    prefix = _region(slice_)
    if prefix is None:
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
        for (k, state), sums in _activity_sums(slice_, prefix).items():
            if (kind is None or k == kind) and state in wanted:
                total += sums[column]
        return total
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
        cursor.execute("DELETE FROM dashboard_householdtally")
        for grain, day in (("d", "a.date"), ("m", month)):
            cursor.execute(
                f"""
                INSERT INTO dashboard_activitytally
                    (campaign_id, county_code, kind, state, grain, day,
                     entries, persons, quantity, amount, days)
                SELECT a.campaign_id, a.county_code, a.kind, a.state, '{grain}', {day},
                       COUNT(*), COALESCE(SUM(p.n), 0), SUM(a.quantity), SUM(a.amount),
                       SUM(a.days)
                FROM ledger_activity a
                LEFT JOIN (SELECT activity_id, COUNT(*) AS n FROM ledger_activityparticipant
                           GROUP BY activity_id) p ON p.activity_id = a.id
                WHERE a.state <> 'returned'
                GROUP BY a.campaign_id, a.county_code, a.kind, a.state, {day}
                """
            )
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


def _pg_sql() -> list[str]:
    add_activity = """
    CREATE OR REPLACE FUNCTION dashboard_tally_activity(
        c bigint, cc varchar, k varchar, s varchar, d date,
        e bigint, p bigint, q bigint, a numeric, dy bigint) RETURNS void AS $$
    BEGIN
        IF s = 'returned' THEN RETURN; END IF;
        INSERT INTO dashboard_activitytally AS t
            (campaign_id, county_code, kind, state, grain, day,
             entries, persons, quantity, amount, days)
        VALUES (c, cc, k, s, 'd', d, e, p, q, a, dy),
               (c, cc, k, s, 'm', date_trunc('month', d)::date, e, p, q, a, dy)
        ON CONFLICT (campaign_id, county_code, kind, state, grain, day) DO UPDATE SET
            entries = t.entries + EXCLUDED.entries, persons = t.persons + EXCLUDED.persons,
            quantity = t.quantity + EXCLUDED.quantity, amount = t.amount + EXCLUDED.amount,
            days = t.days + EXCLUDED.days;
    END $$ LANGUAGE plpgsql;
    """
    activity = """
    CREATE OR REPLACE FUNCTION dashboard_activity_changed() RETURNS trigger AS $$
    DECLARE n bigint;
    BEGIN
        IF TG_OP = 'UPDATE' AND (OLD.campaign_id, OLD.county_code, OLD.kind, OLD.state,
                OLD.date, OLD.quantity, OLD.amount, OLD.days)
            IS NOT DISTINCT FROM (NEW.campaign_id, NEW.county_code, NEW.kind, NEW.state,
                NEW.date, NEW.quantity, NEW.amount, NEW.days) THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT COUNT(*) INTO n FROM ledger_activityparticipant WHERE activity_id = OLD.id;
            PERFORM dashboard_tally_activity(OLD.campaign_id, OLD.county_code, OLD.kind,
                OLD.state, OLD.date, -1, -n, -OLD.quantity, -OLD.amount, -OLD.days);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            SELECT COUNT(*) INTO n FROM ledger_activityparticipant WHERE activity_id = NEW.id;
            PERFORM dashboard_tally_activity(NEW.campaign_id, NEW.county_code, NEW.kind,
                NEW.state, NEW.date, 1, n, NEW.quantity, NEW.amount, NEW.days);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    """
    participant = """
    CREATE OR REPLACE FUNCTION dashboard_participant_changed() RETURNS trigger AS $$
    DECLARE a record;
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.activity_id = NEW.activity_id THEN RETURN NULL; END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT * INTO a FROM ledger_activity WHERE id = OLD.activity_id;
            IF FOUND THEN
                PERFORM dashboard_tally_activity(a.campaign_id, a.county_code, a.kind,
                    a.state, a.date, 0, -1, 0, 0, 0);
            END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            SELECT * INTO a FROM ledger_activity WHERE id = NEW.activity_id;
            IF FOUND THEN
                PERFORM dashboard_tally_activity(a.campaign_id, a.county_code, a.kind,
                    a.state, a.date, 0, 1, 0, 0, 0);
            END IF;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    """
    add_household = """
    CREATE OR REPLACE FUNCTION dashboard_tally_household(
        cc varchar, s varchar, y integer, h bigint, p bigint) RETURNS void AS $$
    BEGIN
        INSERT INTO dashboard_householdtally AS t
            (county_code, status, exit_year, households, people)
        VALUES (cc, s, COALESCE(y, 0), h, p)
        ON CONFLICT (county_code, status, exit_year) DO UPDATE SET
            households = t.households + EXCLUDED.households,
            people = t.people + EXCLUDED.people;
    END $$ LANGUAGE plpgsql;
    """
    household = """
    CREATE OR REPLACE FUNCTION dashboard_household_changed() RETURNS trigger AS $$
    DECLARE n bigint;
    BEGIN
        IF TG_OP = 'UPDATE' AND (OLD.county_code, OLD.status, OLD.exit_year)
            IS NOT DISTINCT FROM (NEW.county_code, NEW.status, NEW.exit_year) THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT COUNT(*) INTO n FROM registry_person WHERE household_id = OLD.id;
            PERFORM dashboard_tally_household(OLD.county_code, OLD.status, OLD.exit_year, -1, -n);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            SELECT COUNT(*) INTO n FROM registry_person WHERE household_id = NEW.id;
            PERFORM dashboard_tally_household(NEW.county_code, NEW.status, NEW.exit_year, 1, n);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    """
    person = """
    CREATE OR REPLACE FUNCTION dashboard_person_changed() RETURNS trigger AS $$
    DECLARE h record;
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.household_id = NEW.household_id THEN RETURN NULL; END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT * INTO h FROM registry_household WHERE id = OLD.household_id;
            IF FOUND THEN
                PERFORM dashboard_tally_household(h.county_code, h.status, h.exit_year, 0, -1);
            END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            SELECT * INTO h FROM registry_household WHERE id = NEW.household_id;
            IF FOUND THEN
                PERFORM dashboard_tally_household(h.county_code, h.status, h.exit_year, 0, 1);
            END IF;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    """
    triggers = [
        ("ledger_activity", "dashboard_activity_changed"),
        ("ledger_activityparticipant", "dashboard_participant_changed"),
        ("registry_household", "dashboard_household_changed"),
        ("registry_person", "dashboard_person_changed"),
    ]
    return [add_activity, activity, participant, add_household, household, person] + [
        f"""DROP TRIGGER IF EXISTS {function} ON {table};
        CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}()"""
        for table, function in triggers
    ]


def _sqlite_activity_upsert(row: str, sign: str, persons: str) -> str:
    """SQLite has no trigger functions: the upsert of one row's day and month cells, inline."""
    out = []
    for grain, day in (("d", f"{row}.date"), ("m", f"date({row}.date, 'start of month')")):
        out.append(
            f"""INSERT INTO dashboard_activitytally
                (campaign_id, county_code, kind, state, grain, day,
                 entries, persons, quantity, amount, days)
            SELECT {row}.campaign_id, {row}.county_code, {row}.kind, {row}.state, '{grain}',
                   {day}, {sign}1, {persons}, {sign}{row}.quantity,
                   {sign}CAST({row}.amount AS NUMERIC), {sign}{row}.days
            WHERE {row}.state <> 'returned'
            ON CONFLICT (campaign_id, county_code, kind, state, grain, day) DO UPDATE SET
                entries = entries + excluded.entries, persons = persons + excluded.persons,
                quantity = quantity + excluded.quantity, amount = amount + excluded.amount,
                days = days + excluded.days;"""
        )
    return "\n".join(out)


def _sqlite_participant_upsert(activity_id: str, sign: str) -> str:
    out = []
    for grain, day in (("d", "a.date"), ("m", "date(a.date, 'start of month')")):
        out.append(
            f"""INSERT INTO dashboard_activitytally
                (campaign_id, county_code, kind, state, grain, day,
                 entries, persons, quantity, amount, days)
            SELECT a.campaign_id, a.county_code, a.kind, a.state, '{grain}', {day},
                   0, {sign}1, 0, 0, 0
            FROM ledger_activity a WHERE a.id = {activity_id} AND a.state <> 'returned'
            ON CONFLICT (campaign_id, county_code, kind, state, grain, day) DO UPDATE SET
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
            {_sqlite_activity_upsert("NEW", "", n_new)} END""",
        f"""CREATE TRIGGER dashboard_activity_deleted AFTER DELETE ON ledger_activity BEGIN
            {_sqlite_activity_upsert("OLD", "-", "-" + n_old)} END""",
        f"""CREATE TRIGGER dashboard_activity_updated AFTER UPDATE ON ledger_activity
            WHEN {activity_changed} BEGIN
            {_sqlite_activity_upsert("OLD", "-", "-" + n_old)}
            {_sqlite_activity_upsert("NEW", "", n_new)} END""",
        f"""CREATE TRIGGER dashboard_participant_inserted AFTER INSERT
            ON ledger_activityparticipant BEGIN
            {_sqlite_participant_upsert("NEW.activity_id", "")} END""",
        f"""CREATE TRIGGER dashboard_participant_deleted AFTER DELETE
            ON ledger_activityparticipant BEGIN
            {_sqlite_participant_upsert("OLD.activity_id", "-")} END""",
        f"""CREATE TRIGGER dashboard_participant_updated AFTER UPDATE
            ON ledger_activityparticipant WHEN OLD.activity_id IS NOT NEW.activity_id BEGIN
            {_sqlite_participant_upsert("OLD.activity_id", "-")}
            {_sqlite_participant_upsert("NEW.activity_id", "")} END""",
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


def triggers_missing() -> bool:
    """Whether a trigger is gone: SQLite drops a table's triggers when a migration rebuilds it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'dashboard_%%'")
            return cursor.fetchone()[0] < 4
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dashboard_%'"
        )
        return cursor.fetchone()[0] < 12


def ensure_triggers(**kwargs: Any) -> None:
    """After every migrate: put back triggers a table rebuild dropped, and recount."""
    from django.db.utils import DatabaseError

    try:
        missing = triggers_missing()
    except DatabaseError:
        return
    if missing:
        from bangfu.dashboard.models import ActivityTally

        if ActivityTally._meta.db_table in connection.introspection.table_names():
            drop_triggers()
            install_triggers()


TRIGGER_NAMES = {
    "postgresql": [
        ("ledger_activity", "dashboard_activity_changed"),
        ("ledger_activityparticipant", "dashboard_participant_changed"),
        ("registry_household", "dashboard_household_changed"),
        ("registry_person", "dashboard_person_changed"),
    ],
}


def drop_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, function in TRIGGER_NAMES["postgresql"]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
            return
        for table in ("activity", "participant", "household", "person"):
            for event in ("inserted", "deleted", "updated"):
                cursor.execute(f"DROP TRIGGER IF EXISTS dashboard_{table}_{event}")
