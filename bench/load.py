"""Load on the production server: gunicorn on PostgreSQL, a realistic mix per role (locust).

    .venv/bin/python -m bench.load [--users 10,25,50,100] [--seconds 60] [--scale 1]

Builds (once, kept as the `bangfu_bench_load` database; --rebuild to redo) the demo scenario
at the given scale, serves it with gunicorn (`bangfu/gunicorn_conf.py`, workers = cores + 1
unless BANGFU_WEB_WORKERS says otherwise), and for each number of users runs
`bench/locustfile.py` headless against 127.0.0.1 for the given seconds. For each step it
reports throughput, p95 and errors, and the servers' CPU time per request (all gunicorn
processes, from /proc), from which the CPU limit of this machine follows: cores ÷ CPU per
request. Locust runs on the same machine and takes its share of the cores; its own CPU is
reported too. One line per figure, also var/bench/load.json.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PG, ROOT, report

BIN = Path(sys.executable).parent
DATABASE = "bangfu_bench_load"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live children (gunicorn's master and workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _database(env: dict[str, str], scale: str, rebuild: bool) -> None:
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname='{DATABASE}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if exists and not rebuild:
        return
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    started = time.perf_counter()
    subprocess.run([str(BIN / "bangfu"), "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([str(BIN / "bangfu"), "demo-data", "--scale", scale], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    print(f"built the demo scenario at scale {scale} in {time.perf_counter() - started:.0f} s")


def _step(host: str, users: int, seconds: int, folder: Path) -> dict[str, float]:
    prefix = folder / f"u{users}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
         "--users", str(users), "--spawn-rate", str(max(1, users // 5)),
         "--run-time", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary",
         "--stop-timeout", "10", "--loglevel", "WARNING"],
        check=False, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(f"{prefix}_stats.csv", newline="") as f:
        total = next(row for row in csv.DictReader(f) if row["Name"] == "Aggregated")
    return {
        "requests": float(total["Request Count"]),
        "failures": float(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p95_ms": float(total["95%"]),
        "median_ms": float(total["50%"]),
        "locust_cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="10,25,50,100")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="bangfu-load-"))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": PG + DATABASE,
        "BANGFU_VAR_DIR": str(var),
        "MEDIA_ROOT": str(var / "media"),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BANGFU_HTTPS": "0",
        "BANGFU_BIND": f"127.0.0.1:{port}",
        "BANGFU_ACCESS_LOG": "",
        "BANGFU_WEB_MAX_REQUESTS": "0",  # no recycling: the workers' CPU is counted whole
        "BANGFU_LOCKOUT_FAILURES_PER_ADDRESS": "100000",
        "CONN_MAX_AGE": "60",
        "DJANGO_SETTINGS_MODULE": "bangfu.settings",
    }
    env.pop("DEBUG", None)
    _database(env, args.scale, args.rebuild)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:bangfu.gunicorn_conf", "bangfu.wsgi"],
        env=env, cwd=var, stdout=subprocess.DEVNULL, stderr=open(var / "server.log", "w"),
    )  # fmt: skip
    cores = os.cpu_count() or 1
    figures: dict[str, tuple[float, str]] = {"cores": (cores, "")}
    try:
        for _ in range(300):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        # Warm-up, not counted: each worker imports the app on its first requests.
        _step(f"http://127.0.0.1:{port}", 2 * cores, 15, var)
        for users in (int(u) for u in args.users.split(",")):
            cpu_before = _cpu_seconds(server.pid)
            step = _step(f"http://127.0.0.1:{port}", users, args.seconds, var)
            cpu = _cpu_seconds(server.pid) - cpu_before
            per_request = cpu / step["requests"] if step["requests"] else float("nan")
            limit = cores / per_request if per_request else float("nan")
            figures |= {
                f"u{users}_throughput": (round(step["rps"], 1), "req/s"),
                f"u{users}_p95": (step["p95_ms"], "ms"),
                f"u{users}_median": (step["median_ms"], "ms"),
                f"u{users}_errors": (int(step["failures"]), "requests"),
                f"u{users}_server_cpu_per_request": (round(per_request * 1000, 1), "ms"),
                f"u{users}_cpu_limit": (round(limit, 1), "req/s"),
                f"u{users}_share_of_cpu_limit": (round(100 * step["rps"] / limit, 1), "%"),
                f"u{users}_locust_cpu": (round(step["locust_cpu_s"], 1), "s"),
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
    report("load", figures)


if __name__ == "__main__":
    main()
