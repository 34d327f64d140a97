"""A real streaming replica: the routing of reads and the handling of lag (core/replicas.py).

    .venv/bin/python -m bench.replica [--scale 0.05]

Starts a throwaway PostgreSQL primary and a streaming replica of it (initdb, then
pg_basebackup -R) under a temporary folder on ports 55432 and 55433, as the `postgres` user
when run as root; loads the demo scenario into the primary; then, with DATABASE_REPLICA_URL
set, drives the app through Django's test client and shows:
- the dashboard's reads go to the replica, the household list's to the primary;
- with the replica's replay paused, a user who has just written reads the primary (and sees
  the write) while another user reads the replica; once it has caught up, the writer is back
  on the replica;
- the replication lag: commit on the primary to visible on the replica (50 commits).
One line per figure, also written to var/bench/replica.json. Both clusters are removed.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import report

PRIMARY_PORT, REPLICA_PORT = 55432, 55433


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise SystemExit(f"{name} not found: apt-get install postgresql")
    return str(found[-1])


def _as_postgres(*cmd: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *cmd], check=True, stdout=subprocess.DEVNULL)


def _start(folder: Path, port: int, sockets: Path) -> None:
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    _as_postgres(
        _bin("pg_ctl"), "-D", str(folder), "-o", options, "-l", f"{folder}.log", "-w", "start"
    )


def clusters(root: Path) -> None:
    """A primary and its streaming replica (hot standby), both answering on 127.0.0.1."""
    primary, replica = root / "primary", root / "replica"
    _as_postgres(_bin("initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync")
    _start(primary, PRIMARY_PORT, root)
    _as_postgres(
        _bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres",
        "-D", str(replica), "-R", "-X", "stream", "--no-sync",
    )  # fmt: skip
    _start(replica, REPLICA_PORT, root)


def stop(root: Path) -> None:
    for name in ("replica", "primary"):
        if (root / name / "postmaster.pid").exists():
            _as_postgres(_bin("pg_ctl"), "-D", str(root / name), "-m", "fast", "-w", "stop")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="0.05", help="demo scenario scale")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bangfu-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    try:
        clusters(root)
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres", "bangfu"],
            check=True,
        )
        os.environ.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{PRIMARY_PORT}/bangfu",
            DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{REPLICA_PORT}/bangfu",
            BANGFU_VAR_DIR=str(root / "var"),
            BANGFU_HTTPS="0",
            ALLOWED_HOSTS="testserver",
            DJANGO_SETTINGS_MODULE="bangfu.settings",
        )
        os.environ.pop("DEBUG", None)
        import django

        django.setup()
        report("replica", measure(args.scale))
    finally:
        stop(root)
        shutil.rmtree(root, ignore_errors=True)


def measure(scale: str) -> dict[str, tuple[float, str]]:
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bangfu.accounts.models import User
    from bangfu.core.replicas import WROTE_COOKIE
    from bangfu.orgs.models import Unit

    call_command("migrate", verbosity=0)
    call_command("demo-data", scale=float(scale), stdout=io.StringIO())
    primary, replica = connections["default"], connections["replica"]

    def caught_up() -> None:
        with primary.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            position = cursor.fetchone()[0]
        for _ in range(600):
            with replica.cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
                if cursor.fetchone()[0]:
                    return
            time.sleep(0.05)
        raise SystemExit("the replica did not catch up in 30 s")

    def reads(client: Client, url: str) -> tuple[int, int]:
        """The queries one page sent to the primary and to the replica (not counting the
        middleware's question whether the replica has caught up)."""
        with (
            CaptureQueriesContext(primary) as on_primary,
            CaptureQueriesContext(replica) as on_replica,
        ):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        checks = [
            q
            for q in on_replica
            if "pg_last_wal_replay_lsn" in q["sql"] or "pg_is_in_recovery" in q["sql"]
        ]
        return len(on_primary), len(on_replica) - len(checks)

    caught_up()
    writer, other = Client(), Client()
    writer.force_login(User.objects.get(username="office"))
    other.force_login(User.objects.get(username="viewer"))
    dashboard, households = reverse("dashboard:index"), reverse("registry:household_list")
    figures: dict[str, tuple[float, str]] = {}
    figures["dashboard_queries_primary"] = (reads(other, dashboard)[0], "queries")
    figures["dashboard_queries_replica"] = (reads(other, dashboard)[1], "queries")
    figures["household_list_queries_replica"] = (reads(writer, households)[1], "queries")

    # A write while the replica is held back: the writer reads the primary, others the replica.
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    unit = Unit.objects.order_by("pk").first()
    Unit.objects.filter(pk=unit.pk).update(short_name=unit.short_name + "·")
    writer.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert writer.cookies[WROTE_COOKIE].value
    stale = Unit.objects.using("replica").get(pk=unit.pk).short_name == unit.short_name
    figures["replica_behind_while_paused"] = (int(stale), "yes=1")
    figures["writer_dashboard_replica_queries_while_behind"] = (
        reads(writer, dashboard)[1],
        "queries",
    )
    figures["other_dashboard_replica_queries_while_behind"] = (
        reads(other, dashboard)[1],
        "queries",
    )
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    caught_up()
    figures["writer_dashboard_replica_queries_after_catch_up"] = (
        reads(writer, dashboard)[1],
        "queries",
    )
    Unit.objects.filter(pk=unit.pk).update(short_name=unit.short_name)

    # Lag: a commit on the primary until the replica shows it.
    with primary.cursor() as cursor:
        cursor.execute("CREATE TABLE lag_probe (n integer)")
    caught_up()
    lags = []
    for n in range(50):
        with primary.cursor() as cursor:
            cursor.execute("INSERT INTO lag_probe VALUES (%s)", [n])
        start = time.perf_counter()
        while True:
            with replica.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM lag_probe WHERE n = %s", [n])
                if cursor.fetchone()[0]:
                    break
        lags.append((time.perf_counter() - start) * 1000)
    figures["replication_lag_median"] = (round(statistics.median(lags), 2), "ms")
    figures["replication_lag_max"] = (round(max(lags), 2), "ms")
    return figures


if __name__ == "__main__":
    main()
