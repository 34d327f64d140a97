"""The ledger list at `--scale 10`: server time per page and SQL queries per page.

    .venv/bin/python -m bench.ledger_list            # SQLite (var/bench/ledger-scale10.sqlite3)
    BENCH_DB=postgres .venv/bin/python -m bench.ledger_list

The scenario is built once and kept (it takes minutes); delete the file or database to rebuild.
The page is rendered through Django's test client as the office (the whole province: the
largest list) and as a unit committee, at page sizes 25 and 100; the figure is the median of
five requests after one warm-up. The query count must not grow with the page size.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from bench.common import kept_database, report, setup_django

SCALE = float(os.environ.get("BENCH_SCALE", "10"))
PG_NAME = "bangfu_bench_ledger"


def database_url() -> str:
    return kept_database(PG_NAME, f"ledger-scale{SCALE:g}.sqlite3")


def build() -> None:
    from django.core.management import call_command

    from bangfu.campaigns.models import Campaign
    from bangfu.demo.scenario import CAMPAIGN_NAME

    call_command("migrate", verbosity=0)
    if not Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        print(f"building the scale-{SCALE:g} scenario (once)…", file=sys.stderr, flush=True)
        call_command("demo-data", scale=SCALE, verbosity=0)


def measure(username: str, per_page: int) -> tuple[float, int, int]:
    """Median server time (ms), queries and rows for the ledger list's first page."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bangfu.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    url = f"/ledger/activities/?per_page={per_page}"
    client.get(url)  # warm-up
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    rows = response.content.decode().count('<tr class="')  # body rows carry a class
    return round(statistics.median(times), 1), len(queries), rows


def main() -> None:
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    setup_django(database_url())
    build()
    from bangfu.ledger.models import Activity

    engine = "postgres" if os.environ.get("BENCH_DB") == "postgres" else "sqlite"
    figures: dict[str, tuple[float, str]] = {
        f"ledger_{engine}_activities": (Activity.objects.count(), "rows"),
    }
    for username in ("office", "unit"):
        for per_page in (25, 100):
            ms, queries, rows = measure(username, per_page)
            name = f"ledger_list_{engine}_{username}_{per_page}"
            figures[f"{name}_ms"] = (ms, "ms")
            figures[f"{name}_queries"] = (queries, "queries")
            figures[f"{name}_rows"] = (rows, "rows")
    report(f"ledger_list_{engine}", figures)


if __name__ == "__main__":
    main()
