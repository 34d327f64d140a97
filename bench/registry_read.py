"""Benchmark the reading half of a registry import alone: the file to the ColumnBatches that
the layout checks and writes (`Layout.parse_columns`), with no database work.

    .venv/bin/python -m bench.registry_read ROWS [csv|xlsx|gb18030]

Writes the file once per size under $BENCH_TMP (default /tmp/bangfu-bench-profile) and
prints wall and CPU time (user+sys, every thread: Arrow parses on several) and peak memory;
with BENCH_PROFILE=1 also pyinstrument's report. The machine is shared: repeat and compare
ranges of CPU time, not single wall times.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

from bench import common


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    rows = int(sys.argv[1])
    kind = sys.argv[2] if len(sys.argv) > 2 else "csv"
    work = Path(os.environ.get("BENCH_TMP", "/tmp/bangfu-bench-profile"))
    work.mkdir(parents=True, exist_ok=True)
    common.setup_django(f"sqlite:///{work / 'read.sqlite3'}")  # never queried
    from bangfu.core.imports import ImportResult, Layout
    from bench.registry_rows import write_csv, write_xlsx

    if kind == "gb18030":
        path = work / f"registry-{rows}-gb18030.csv"
        if not path.exists():
            source = work / f"registry-{rows}.csv"
            if not source.exists():
                write_csv(source, rows)
            path.write_bytes(source.read_text(encoding="utf-8").encode("gb18030"))
    else:
        path = work / f"registry-{rows}.{kind}"
        if not path.exists():
            (write_xlsx if kind == "xlsx" else write_csv)(path, rows)
    layout = Layout.registry["households"]
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    result = ImportResult()
    start, cpu = time.perf_counter(), _cpu()
    kept = sum(len(batch) for batch in layout.parse_columns(path, result))
    wall, cpu = time.perf_counter() - start, _cpu() - cpu
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(
        f"parse_columns {kind} {rows}: {wall:.2f} s wall, {cpu:.2f} s CPU, {kept} rows kept,"
        f" {result.problem_count} problems, peak {common.peak_rss_mb()} MB"
    )


if __name__ == "__main__":
    main()
