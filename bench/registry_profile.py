"""Profile one registry import (or export) with pyinstrument, for finding where time goes.

    .venv/bin/python -m bench.registry_profile ROWS [csv|xlsx|export] [pg|sqlite]

Writes the file once per size under $BENCH_TMP (default /tmp/bangfu-bench-profile) and
prints the timing (wall and CPU seconds); with BENCH_PROFILE=1 also pyinstrument's text
report. The PostgreSQL database is $BENCH_DB_NAME (default bangfu_bench_profile).

An export imports the rows first in a child process, so the peak memory printed is the
export's own; BENCH_KEEP=1 keeps the database and reuses it when it already holds the rows,
so repeated export runs skip the import; BENCH_NOT_EMPTY=1 imports into a registry that
already holds a household (the ordinary way, not a first load); BENCH_LIST=1 exports the household list's own
queryset (scope-restricted, with its people count) instead of every household.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from bench import common


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _database(db: str, work: Path, fresh: bool) -> str:
    if db == "pg":
        name = os.environ.get("BENCH_DB_NAME", "bangfu_bench_profile")
        return common.fresh_postgres(name) if fresh else common.PG + name
    sqlite = work / "profile.sqlite3"
    if fresh:
        sqlite.unlink(missing_ok=True)
    return f"sqlite:///{sqlite}"


def _import(url: str, path: str) -> None:
    """Migrate, load the regions and import the file: in its own process for an export."""
    common.setup_django(url)
    common.migrate()
    from bangfu.accounts.models import User
    from bangfu.core.imports import Layout
    from bangfu.geo.services import load_regions

    load_regions()
    user = User.objects.create(username="bench", role="office")
    start = time.perf_counter()
    result = Layout.registry["households"].run(path, user, commit=True)
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - start, 2),
                "rows": result.rows,
                "problems": result.problem_count,
            }
        )
    )


def _process_cpu(pid: int | None = None) -> float:
    """CPU seconds of process `pid`, or of every PostgreSQL process on this machine (the
    server works on its own cores: the import's time there is not in this process's)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in [Path(f"/proc/{pid}/stat")] if pid else Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if pid or name.endswith("(postgres"):
            values = fields.split()
            total += int(values[11]) + int(values[12])  # utime, stime
    return total / tick


def _loaded_rows(url: str) -> int:
    """Person rows already in a kept database (0 when it is missing or empty)."""
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute("SELECT count(*) FROM registry_person").fetchone()[0]
    except psycopg.Error:
        return 0


def main() -> None:
    rows = int(sys.argv[1])
    kind = sys.argv[2] if len(sys.argv) > 2 else "csv"
    db = sys.argv[3] if len(sys.argv) > 3 else "pg"
    keep = bool(os.environ.get("BENCH_KEEP"))
    work = Path(os.environ.get("BENCH_TMP", "/tmp/bangfu-bench-profile"))
    work.mkdir(parents=True, exist_ok=True)
    suffix = "xlsx" if kind == "xlsx" else "csv"
    path = work / f"registry-{rows}.{suffix}"

    def write_rows() -> None:
        from bench.registry_rows import write_csv, write_xlsx

        if not path.exists():
            (write_xlsx if suffix == "xlsx" else write_csv)(path, rows)

    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
    if kind == "export":
        url = _database(db, work, fresh=False)
        if not (keep and db == "pg" and _loaded_rows(url) == rows):
            url = _database(db, work, fresh=True)
            write_rows()
            imported = common.run_child("bench.registry_profile", "import", url, str(path))
            print(f"import (child process): {imported}")
        common.setup_django(url)
        from bangfu.accounts.models import User
        from bangfu.core.imports import Layout
        from bangfu.core.spreadsheets import write_xlsx as write
        from bangfu.registry.models import Household

        user = User.objects.get(username="bench")
        layout = Layout.registry["households"]
        households = Household.objects.all()
        if os.environ.get("BENCH_LIST"):  # the household list's own queryset, as its export
            from bangfu.registry.views import HouseholdListView

            households = HouseholdListView.queryset.restrict(user, "view")
        if profiler:
            profiler.start()
        start, cpu = time.perf_counter(), _cpu()
        write(str(work / "export.xlsx"), layout.export_sheets(households, user))
        print(
            f"export: {time.perf_counter() - start:.2f} s, CPU {_cpu() - cpu:.2f} s,"
            f" {(work / 'export.xlsx').stat().st_size / 1e6:.0f} MB file"
        )
    else:
        url = _database(db, work, fresh=True)
        common.setup_django(url)
        common.migrate()
        from bangfu.accounts.models import User
        from bangfu.core.imports import Layout
        from bangfu.geo.services import load_regions

        write_rows()
        load_regions()
        user = User.objects.create(username="bench", role="office")
        if os.environ.get("BENCH_NOT_EMPTY"):
            common.seed_one_household()
        layout = Layout.registry["households"]
        if profiler:
            profiler.start()
        backend = None
        if db == "pg":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            server = _process_cpu(backend), _process_cpu()
        start, cpu = time.perf_counter(), _cpu()
        result = layout.run(path, user, commit=True)
        print(
            f"import {kind} {db}: {time.perf_counter() - start:.2f} s, CPU {_cpu() - cpu:.2f} s,"
            f" {result.rows} rows, {result.problem_count} problems {result.problems[:3]}"
        )
        if backend:
            print(
                f"PostgreSQL CPU: the import's connection {_process_cpu(backend) - server[0]:.2f} s,"
                f" all its processes {_process_cpu() - server[1]:.2f} s"
            )
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"peak: {common.peak_rss_mb(children=kind != 'export')} MB (with the reading child)")
    if db == "pg" and not keep:
        from django.db import connections

        connections.close_all()
        common.drop_postgres(os.environ.get("BENCH_DB_NAME", "bangfu_bench_profile"))


if __name__ == "__main__":
    if sys.argv[1] == "import":
        _import(sys.argv[2], sys.argv[3])
    else:
        main()
