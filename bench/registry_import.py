"""Benchmark: importing the registry layout (issue 3's targets: 1,000,000 person rows into
PostgreSQL from .csv in ≤ 30 s and from .xlsx in ≤ 90 s, peak memory < 1 GB; the ratio to a
plain COPY of the same rows; the same import on SQLite; export of the rows to .xlsx ≤ 60 s).
The imports into PostgreSQL are first loads (an empty registry: registry.first_load); the
.csv import is also timed into a registry that already holds a household, the ordinary way.

    .venv/bin/python -m bench.registry_import [ROWS]      (default 1,000,000; BENCH_ROWS too)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import common


def _import_child(database_url: str, path: str) -> None:
    """In its own process: migrate, load regions, import the file; print timing as JSON."""
    common.setup_django(database_url)
    common.migrate()
    from bangfu.accounts.models import User
    from bangfu.core.imports import Layout
    from bangfu.geo.services import load_regions

    load_regions()
    user = User.objects.create(username="bench", role="office")
    if os.environ.get("BENCH_NOT_EMPTY"):
        common.seed_one_household()
    start = time.perf_counter()
    result = Layout.registry["households"].run(path, user, commit=True)
    seconds = time.perf_counter() - start
    if result.problem_count:
        raise SystemExit(f"import problems: {result.problems[:5]}")
    export_seconds = None
    if os.environ.get("BENCH_EXPORT"):
        from bangfu.core.spreadsheets import write_xlsx
        from bangfu.registry.models import Household

        start = time.perf_counter()
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
            write_xlsx(
                f.name, Layout.registry["households"].export_sheets(Household.objects.all(), user)
            )
        export_seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": result.rows,
                "peak_mb": common.peak_rss_mb(children=True),
                "export_seconds": export_seconds,
            }
        )
    )


def _copy_child(database_url: str, path: str) -> None:
    """The floor: PostgreSQL COPY of the same file into a plain table of text columns."""
    import psycopg

    from bench.registry_rows import HEADERS

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
        conn.execute(f"CREATE TABLE copy_bench ({columns})")
        start = time.perf_counter()
        with (
            conn.cursor().copy("COPY copy_bench FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            open(path, "rb") as f,
        ):
            while data := f.read(1 << 20):
                copy.write(data)
        conn.commit()
        print(json.dumps({"seconds": time.perf_counter() - start}))


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_ROWS", 1_000_000))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")
    import django

    django.setup()
    from bench.registry_rows import write_csv, write_xlsx

    work = Path(tempfile.mkdtemp(prefix="bangfu-bench-"))
    csv_path = write_csv(work / "registry.csv", rows)
    xlsx_path = write_xlsx(work / "registry.xlsx", rows)
    figures: dict[str, tuple[float, str]] = {"import_rows": (rows, "rows")}

    url = common.fresh_postgres("bangfu_bench")
    copy = common.run_child("bench.registry_import", "copy", url, str(csv_path))
    figures["pg_copy_csv"] = (round(copy["seconds"], 2), "s")
    common.drop_postgres("bangfu_bench")

    url = common.fresh_postgres("bangfu_bench")
    os.environ["BENCH_EXPORT"] = "1"
    csv_run = common.run_child("bench.registry_import", "import", url, str(csv_path))
    del os.environ["BENCH_EXPORT"]
    figures["pg_import_csv"] = (round(csv_run["seconds"], 2), "s")
    figures["pg_import_csv_peak_memory"] = (csv_run["peak_mb"], "MB")
    figures["pg_import_to_copy_ratio"] = (round(csv_run["seconds"] / copy["seconds"], 1), "x")
    figures["pg_export_xlsx"] = (round(csv_run["export_seconds"], 2), "s")
    common.drop_postgres("bangfu_bench")

    url = common.fresh_postgres("bangfu_bench")
    os.environ["BENCH_NOT_EMPTY"] = "1"
    second = common.run_child("bench.registry_import", "import", url, str(csv_path))
    del os.environ["BENCH_NOT_EMPTY"]
    figures["pg_import_csv_not_first_load"] = (round(second["seconds"], 2), "s")
    common.drop_postgres("bangfu_bench")

    url = common.fresh_postgres("bangfu_bench")
    xlsx_run = common.run_child("bench.registry_import", "import", url, str(xlsx_path))
    figures["pg_import_xlsx"] = (round(xlsx_run["seconds"], 2), "s")
    figures["pg_import_xlsx_peak_memory"] = (xlsx_run["peak_mb"], "MB")
    common.drop_postgres("bangfu_bench")

    sqlite = f"sqlite:///{work / 'bench.sqlite3'}"
    sqlite_run = common.run_child("bench.registry_import", "import", sqlite, str(csv_path))
    figures["sqlite_import_csv"] = (round(sqlite_run["seconds"], 2), "s")
    common.report("registry_import", figures)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "import":
        _import_child(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "copy":
        _copy_child(sys.argv[2], sys.argv[3])
    else:
        main()
