"""Profile one registry import (or export) with pyinstrument, for finding where time goes.

    .venv/bin/python -m bench.registry_profile ROWS [csv|xlsx|export] [pg|sqlite]

Writes the file once per size under $BENCH_TMP (default /tmp/bangfu-bench-profile) and
prints the timing; with BENCH_PROFILE=1 also pyinstrument's text report.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from bench import common

# Several profiles may run at once (one per checkout): BENCH_PG_NAME keeps them apart.
PG_NAME = os.environ.get("BENCH_PG_NAME", "bangfu_bench_profile")


def main() -> None:
    rows = int(sys.argv[1])
    kind = sys.argv[2] if len(sys.argv) > 2 else "csv"
    db = sys.argv[3] if len(sys.argv) > 3 else "pg"
    work = Path(os.environ.get("BENCH_TMP", "/tmp/bangfu-bench-profile"))
    work.mkdir(parents=True, exist_ok=True)
    if db == "pg":
        url = common.fresh_postgres(PG_NAME)
    else:
        sqlite = work / "profile.sqlite3"
        sqlite.unlink(missing_ok=True)
        url = f"sqlite:///{sqlite}"
    common.setup_django(url)
    common.migrate()
    from bangfu.accounts.models import User
    from bangfu.core.imports import Layout
    from bangfu.geo.services import load_regions
    from bench.registry_rows import write_csv, write_xlsx

    suffix = "xlsx" if kind == "xlsx" else "csv"
    path = work / f"registry-{rows}.{suffix}"
    if not path.exists():
        (write_xlsx if suffix == "xlsx" else write_csv)(path, rows)
    load_regions()
    user = User.objects.create(username="bench", role="office")
    layout = Layout.registry["households"]
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
    if kind == "export":
        layout.run(path, user, commit=True)
        from bangfu.core.spreadsheets import write_xlsx as write
        from bangfu.registry.models import Household

        if profiler:
            profiler.start()
        start = time.perf_counter()
        write(str(work / "export.xlsx"), layout.export_sheets(Household.objects.all(), user))
        print(f"export: {time.perf_counter() - start:.2f} s")
    else:
        if profiler:
            profiler.start()
        start = time.perf_counter()
        result = layout.run(path, user, commit=True)
        print(
            f"import {kind} {db}: {time.perf_counter() - start:.2f} s, {result.rows} rows,"
            f" {result.problem_count} problems {result.problems[:3]}"
        )
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"peak: {common.peak_rss_mb()} MB")
    if db == "pg":
        from django.db import connections

        connections.close_all()
        common.drop_postgres(PG_NAME)


if __name__ == "__main__":
    main()
