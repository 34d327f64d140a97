"""The dashboard at province scale: server time for the whole province and for one county.

    .venv/bin/python -m bench.dashboard                       # SQLite (var/bench/dashboard-province.sqlite3)
    BENCH_DB=postgres .venv/bin/python -m bench.dashboard     # PostgreSQL (database bangfu_bench_dashboard)

The scenario is Guizhou-sized (about 9,000 villages, 600,000 households, 2,000,000 people,
5,000,000 activities, 7,500,000 person-visits), written column-wise with COPY
(`core.bulk.insert_columns`), not the ORM. It is built once and kept (it takes many minutes);
drop the database or delete the file to rebuild. BENCH_FRACTION=0.1 builds a tenth of it.

Reported: the dashboard page's server time (median of five after a warm-up) for the office
(whole province), one county (the office choosing it, and a viewer whose scope it is) and a
unit's committee (whose figures the tallies do not answer: counted from its records); the
same figures recounted naively from the records (`FigureSlice(..., tallies=False)`), and
their ratio.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from decimal import Decimal

import numpy as np

from bench.common import kept_database, report, setup_django

FRACTION = float(os.environ.get("BENCH_FRACTION", "1"))
PG_NAME = "bangfu_bench_dashboard"
CAMPAIGN = "省级规模基准行动"
VILLAGES = 9_000
UNITS = 115
BRANCHES_PER_UNIT = 80
MEMBERS_PER_BRANCH = 10
HOUSEHOLDS = 600_000
PEOPLE = 2_000_000
ACTIVITIES = 5_000_000
CHUNK = 250_000
START = datetime.date(2016, 3, 1)
DAYS = 303  # to 2016-12-28
KINDS = {
    "service_visit": 0.55,
    "survey": 0.15,
    "expert_visit": 0.08,
    "policy_support": 0.07,
    "tech_service": 0.05,
    "dev_idea": 0.04,
    "party_building": 0.04,
    "stay": 0.01,
    "funds": 0.01,
}


def database_url() -> str:
    return kept_database(PG_NAME, f"dashboard-province{FRACTION:g}.sqlite3")


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def n(value: int) -> int:
    return max(1, round(value * FRACTION))


def build() -> None:
    """The province-sized scenario, once; every row written with COPY (SQLite: executemany)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from bangfu.accounts.models import User
    from bangfu.campaigns.models import Campaign, Pairing
    from bangfu.core.bulk import insert_columns, reserve_ids
    from bangfu.geo.models import Region, VillageYear
    from bangfu.geo.services import load_regions
    from bangfu.ledger.models import Activity, ActivityParticipant, Problem, Project
    from bangfu.orgs.models import Branch, Member, Unit
    from bangfu.registry.models import Household, Person

    call_command("migrate", verbosity=0)
    if Campaign.objects.filter(name=CAMPAIGN).exists():
        return
    log("building the province-sized scenario (once)…")
    from bangfu.dashboard import tallies

    tallies.drop_triggers()  # loaded without them, then the tallies are counted once
    rng = np.random.default_rng(2016)
    load_regions()
    all_villages = list(
        Region.objects.filter(level="village").order_by("code").values_list("pk", "code")
    )
    pick = np.sort(
        rng.choice(len(all_villages), size=min(n(VILLAGES), len(all_villages)), replace=False)
    )
    villages = [all_villages[i] for i in pick]
    v_ids = np.array([v[0] for v in villages])
    v_county = np.array([v[1][:6] for v in villages])
    nv = len(villages)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=CAMPAIGN, year=2016, start=START, end=datetime.date(2016, 12, 31)
        )
        units = [Unit(name=f"基准单位{i:03d}", short_name=f"单位{i:03d}") for i in range(UNITS)]
        Unit.objects.bulk_create(units)
        unit_ids = [u.pk for u in units]
        nb = max(len(unit_ids), n(UNITS * BRANCHES_PER_UNIT))
        b_ids = np.array(reserve_ids(Branch, nb))
        b_unit = np.array([unit_ids[i % len(unit_ids)] for i in range(nb)])
        insert_columns(
            Branch,
            {"unit_id": b_unit.tolist(), "name": [f"第{i}党支部" for i in range(nb)]},
            b_ids.tolist(),
        )
        nm = nb * MEMBERS_PER_BRANCH
        m_ids = np.array(reserve_ids(Member, nm))
        k = np.tile(np.arange(MEMBERS_PER_BRANCH), nb)  # member k of each branch
        insert_columns(
            Member,
            {
                "branch_id": np.repeat(b_ids, MEMBERS_PER_BRANCH).tolist(),
                "name": [f"党员{i}" for i in range(nm)],
                "is_secretary": (k == 0).tolist(),
                "is_leading_cadre": (k == 1).tolist(),
                "cadre_rank": np.where(k == 1, "division_chief", "").tolist(),
                "is_professional": (k == 2).tolist(),
                "specialty": np.where(k == 2, "agronomy", "").tolist(),
            },
            m_ids.tolist(),
        )
        log(f"{nb} branches, {nm} members")
        # Each branch pairs with a village (villages wrap round); its secretary helps households.
        b_village = np.arange(nb) % nv
        insert_columns(
            Pairing,
            {
                "campaign_id": [campaign.pk] * nb,
                "kind": ["branch_village"] * nb,
                "branch_id": b_ids.tolist(),
                "village_id": v_ids[b_village].tolist(),
                "county_code": v_county[b_village].tolist(),
                "start": [START] * nb,
                "state": ["approved"] * nb,
            },
            reserve_ids(Pairing, nb),
        )
        nh = n(HOUSEHOLDS)
        h_ids = np.array(reserve_ids(Household, nh))
        h_village = np.sort(rng.integers(0, nv, nh))
        status = rng.choice(
            ["poor", "lifted", "relapsed", "monitored"], nh, p=[0.6, 0.3, 0.05, 0.05]
        )
        exit_year = np.where(status == "lifted", rng.choice([2015, 2016, 2017], nh), 0)
        insert_columns(
            Household,
            {
                "village_id": v_ids[h_village].tolist(),
                "county_code": v_county[h_village].tolist(),
                "number": [f"B{i:011d}" for i in range(nh)],
                "head_name": [f"户主{i}" for i in range(nh)],
                "attribute": rng.choice(["general", "dibao", "tekun"], nh).tolist(),
                "identified_year": [2014] * nh,
                "main_cause": rng.choice(["illness", "disability", "lack_funds"], nh).tolist(),
                "status": status.tolist(),
                "exit_year": [int(y) if y else None for y in exit_year],
            },
            h_ids.tolist(),
        )
        log(f"{nh} households")
        npeople = n(PEOPLE)
        p_household = np.sort(
            np.concatenate([np.arange(nh), rng.integers(0, nh, max(0, npeople - nh))])
        )
        for s in range(0, npeople, CHUNK * 2):
            part = p_household[s : s + CHUNK * 2]
            insert_columns(
                Person,
                {
                    "household_id": h_ids[part].tolist(),
                    "county_code": v_county[h_village[part]].tolist(),
                    "name": ["成员"] * len(part),
                    "relation": ["other"] * len(part),
                },
                reserve_ids(Person, len(part)),
            )
        log(f"{npeople} people")
        # Secretaries help five households each in their branch's village (where it has some).
        first_in_village = np.searchsorted(h_village, np.arange(nv))
        count_in_village = np.bincount(h_village, minlength=nv)
        rows = [
            (b, first_in_village[b_village[b]] + j)
            for b in range(nb)
            for j in range(min(5, count_in_village[b_village[b]]))
        ]
        insert_columns(
            Pairing,
            {
                "campaign_id": [campaign.pk] * len(rows),
                "kind": ["secretary_household"] * len(rows),
                "branch_id": [int(b_ids[b]) for b, _h in rows],
                "member_id": [int(m_ids[b * MEMBERS_PER_BRANCH]) for b, _h in rows],
                "village_id": [int(v_ids[b_village[b]]) for b, _h in rows],
                "household_id": [int(h_ids[h]) for _b, h in rows],
                "county_code": [str(v_county[b_village[b]]) for b, _h in rows],
                "start": [START] * len(rows),
                "state": ["approved"] * len(rows),
            },
            reserve_ids(Pairing, len(rows)),
        )
        pop = np.bincount(h_village[p_household], minlength=nv)
        poor_pop = np.bincount(
            h_village[p_household],
            weights=np.isin(status[p_household], ["poor", "relapsed"]),
            minlength=nv,
        ).astype(int)
        insert_columns(
            VillageYear,
            {
                "village_id": v_ids.tolist(),
                "year": [2016] * nv,
                "is_poor": [True] * nv,
                "households": (count_in_village * 3).tolist(),
                "population": (pop * 3).tolist(),
                "poor_households": count_in_village.tolist(),
                "poor_population": poor_pop.tolist(),
            },
            reserve_ids(VillageYear, nv),
        )
        calendar = [START + datetime.timedelta(days=d) for d in range(DAYS)]
        kinds = np.array(list(KINDS))
        weights = np.array(list(KINDS.values()))
        na = n(ACTIVITIES)
        for s in range(0, na, CHUNK):
            size = min(CHUNK, na - s)
            branch = rng.integers(0, nb, size)
            village = b_village[branch]
            kind = rng.choice(kinds, size, p=weights / weights.sum())
            date = rng.integers(0, DAYS, size)
            a_ids = np.array(reserve_ids(Activity, size))
            insert_columns(
                Activity,
                {
                    "campaign_id": [campaign.pk] * size,
                    "village_id": v_ids[village].tolist(),
                    "county_code": v_county[village].tolist(),
                    "unit_id": b_unit[branch].tolist(),
                    "branch_id": b_ids[branch].tolist(),
                    "kind": kind.tolist(),
                    "date": [calendar[d] for d in date],
                    "summary": ["入村帮扶"] * size,
                    "days": np.where(kind == "stay", rng.integers(1, 8, size), 0).tolist(),
                    "quantity": np.where(
                        np.isin(kind, ["policy_support", "tech_service", "dev_idea"]),
                        rng.integers(1, 6, size),
                        0,
                    ).tolist(),
                    "amount": [
                        Decimal(int(x)) if x else Decimal(0)
                        for x in np.where(kind == "funds", rng.integers(1, 200, size) * 1000, 0)
                    ],
                    "fund_source": np.where(kind == "funds", "unit", "").tolist(),
                    "state": rng.choice(
                        ["accepted", "submitted", "returned"], size, p=[0.85, 0.1, 0.05]
                    ).tolist(),
                },
                a_ids.tolist(),
            )
            # One to three participants: the leading cadre on a stay, the professional on an
            # expert visit, otherwise members 3.. of the activity's branch.
            many = rng.choice([1, 2, 3], size, p=[0.6, 0.3, 0.1])
            rep = np.repeat(np.arange(size), many)
            offset = np.arange(len(rep)) - np.repeat(np.cumsum(many) - many, many)
            base = np.where(kind == "stay", 1, np.where(kind == "expert_visit", 2, 3))
            slot = (base[rep] + offset) % MEMBERS_PER_BRANCH
            insert_columns(
                ActivityParticipant,
                {
                    "activity_id": a_ids[rep].tolist(),
                    "member_id": m_ids[branch[rep] * MEMBERS_PER_BRANCH + slot].tolist(),
                },
                reserve_ids(ActivityParticipant, len(rep)),
            )
            log(f"{s + size} activities")
        for model, count in ((Problem, n(100_000)), (Project, n(30_000))):
            branch = rng.integers(0, nb, count)
            village = b_village[branch]
            day = [START + datetime.timedelta(days=int(d)) for d in rng.integers(0, DAYS, count)]
            columns = {
                "campaign_id": [campaign.pk] * count,
                "village_id": v_ids[village].tolist(),
                "county_code": v_county[village].tolist(),
                "unit_id": b_unit[branch].tolist(),
                "branch_id": b_ids[branch].tolist(),
            }
            if model is Problem:
                state = rng.choice(["open", "in_progress", "solved", "verified"], count)
                solved = np.isin(state, ["solved", "verified"])
                columns.update(
                    category=["water"] * count,
                    title=["问题"] * count,
                    raised_on=day,
                    deadline=[d + datetime.timedelta(days=60) for d in day],
                    state=state.tolist(),
                    solved_on=[
                        d + datetime.timedelta(days=30) if s else None
                        for d, s in zip(day, solved, strict=True)
                    ],
                )
            else:
                columns.update(
                    name=["项目"] * count,
                    date=day,
                    origin=["planned"] * count,
                    sector=["agriculture"] * count,
                )
            insert_columns(model, columns, reserve_ids(model, count))
        log("problems and projects")
        office = User(username="office", role="office")
        unit_user = User(username="unit", role="unit_admin", unit_id=unit_ids[0])
        county = Region.objects.get(code=str(v_county[0]).ljust(12, "0"))
        viewer = User(username="county", role="viewer", region=county)
        for user in (office, unit_user, viewer):
            user.set_password("bangfu2016")
            user.save()
    log("tallies…")
    tallies.install_triggers()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log("built")


def page_ms(username: str, query: str = "") -> float:
    """Median server time (ms) of the dashboard page for a user, after one warm-up."""
    from django.test import Client

    from bangfu.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    url = "/" + (f"?{query}" if query else "")
    assert client.get(url).status_code == 200
    times = []
    for _ in range(5):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return round(statistics.median(times), 1)


def recount_ms(region: str | None, unit_id: int | None = None) -> float:
    """The same figures recounted straight from the records (no tallies): one run, timed."""
    from bangfu.campaigns.models import Campaign
    from bangfu.dashboard.figures import ALL_FIGURES, FigureSlice

    slice_ = FigureSlice(
        Campaign.objects.get(name=CAMPAIGN), region_prefix=region, unit_id=unit_id, tallies=False
    )
    start = time.perf_counter()
    for figure in ALL_FIGURES:
        figure.value(slice_)
    return round((time.perf_counter() - start) * 1000, 1)


def main() -> None:
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("BANGFU_HTTPS", "0")  # server time, not the TLS redirect
    setup_django(database_url())
    build()
    from bangfu.ledger.models import Activity, ActivityParticipant
    from bangfu.registry.models import Household, Person

    engine = "postgres" if os.environ.get("BENCH_DB") == "postgres" else "sqlite"
    county = Household.objects.order_by("county_code").values_list("county_code", flat=True)[0]
    figures: dict[str, tuple[float, str]] = {
        f"dashboard_{engine}_activities": (Activity.objects.count(), "rows"),
        f"dashboard_{engine}_person_visits": (ActivityParticipant.objects.count(), "rows"),
        f"dashboard_{engine}_households": (Household.objects.count(), "rows"),
        f"dashboard_{engine}_people": (Person.objects.count(), "rows"),
    }
    from bangfu.accounts.models import User

    unit_id = User.objects.get(username="unit").unit_id
    for name, user, query, region, unit in (
        ("province", "office", "", None, None),
        ("county", "office", f"region={county}", county, None),
        ("county_viewer", "county", "", county, None),
        # Not answered by the tallies: a unit's committee, counted from its own records.
        ("unit", "unit", "", None, unit_id),
    ):
        ms = page_ms(user, query)
        naive = recount_ms(region, unit)
        figures[f"dashboard_{engine}_{name}_ms"] = (ms, "ms")
        figures[f"dashboard_{engine}_{name}_recount_ms"] = (naive, "ms")
        figures[f"dashboard_{engine}_{name}_speedup"] = (round(naive / ms, 1), "x")
    report(f"dashboard_{engine}", figures)


if __name__ == "__main__":
    main()
