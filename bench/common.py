"""Shared helpers for benchmarks: a throwaway database per run, timing, and the output line
format `name: value unit` (also written to var/bench/<benchmark>.json)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
PG = "postgres://postgres@127.0.0.1:5432/"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")
    import django

    django.setup()


def fresh_postgres(name: str) -> str:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    return PG + name


def drop_postgres(name: str) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@contextmanager
def timed(results: dict, name: str):
    start = time.perf_counter()
    yield
    results[name] = round(time.perf_counter() - start, 2)


def peak_rss_mb(children: bool = False) -> float:
    """This process's peak memory; with `children`, plus the largest child's it waited for
    (an .xlsx import reads in a child process: both are alive at once, so they add up)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if children:
        peak += resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(peak / 1024, 1)


def report(benchmark: str, figures: dict[str, tuple[float, str]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (value, unit) in figures.items():
        print(f"{name}: {value} {unit}")
    data = {name: {"value": value, "unit": unit} for name, (value, unit) in figures.items()}
    (OUT / f"{benchmark}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))


def run_child(module: str, *args: str) -> dict:
    """Run a measurement in its own process (so its peak memory is its own); JSON back."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def kept_database(pg_name: str, sqlite_name: str) -> str:
    """A database kept between runs (its scenario takes minutes to build): PostgreSQL when
    BENCH_DB=postgres (created if missing), else an SQLite file under var/bench/."""
    if os.environ.get("BENCH_DB") == "postgres":
        exists = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname='{pg_name}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", pg_name], check=True)
        return PG + pg_name
    OUT.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{OUT / sqlite_name}"


def seed_one_household() -> None:
    """One household already in the registry, so an import goes the ordinary way (row checks,
    look-ups) instead of the first load's (registry.first_load): BENCH_NOT_EMPTY=1."""
    from bangfu.geo.models import Region
    from bangfu.registry.models import Household

    village = Region.objects.filter(level="village").order_by("code").first()
    Household.objects.create(
        number="BENCH-SEED-1",
        village=village,
        attribute="general",
        identified_year=2014,
        main_cause="illness",
    )
