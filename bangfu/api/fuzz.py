"""Run schemathesis against the API on a live server with the demo scenario.

    .venv/bin/python -m bangfu.api.fuzz [--scale 0.05] [--examples 15]
    .venv/bin/python -m bangfu.api.fuzz --server gunicorn --database-url postgres://…/db

Builds a throwaway database (SQLite, or the empty one given) with the demo campaign, serves it
on a free local port (Django's server, or gunicorn with two workers: the production shape),
and lets schemathesis call every operation of the OpenAPI schema as the office (who may
write everything) and as a unit committee (scoped). Fails on any server error or any response
that does not match the schema. CI runs it after the test suite (.ci/run).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TOKEN_SCRIPT = """
import django; django.setup()
from bangfu.accounts.models import User
from bangfu.api import tokens
print(tokens.issue(User.objects.get(username="{user}"), "schemathesis", 7)[1])
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise RuntimeError(f"the server did not start on port {port}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="0.05", help="demo scenario scale")
    parser.add_argument("--examples", default="15", help="test cases per operation")
    parser.add_argument("--users", default="office,unit", help="demo logins to test as")
    parser.add_argument("--server", choices=["runserver", "gunicorn"], default="runserver")
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    args = parser.parse_args(argv)

    var = Path(tempfile.mkdtemp(prefix="bangfu-fuzz-"))
    env = {
        **os.environ,
        "BANGFU_VAR_DIR": str(var),
        "DATABASE_URL": args.database_url or f"sqlite:///{var / 'fuzz.sqlite3'}",
        "MEDIA_ROOT": str(var / "media"),
        "DEBUG": "0",
        "BANGFU_HTTPS": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "bangfu.settings",
    }
    bangfu = str(BIN / "bangfu")

    def run(*cmd: str) -> str:
        return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout

    run(bangfu, "migrate", "--verbosity", "0")
    run(bangfu, "demo-data", "--scale", args.scale)
    schema = var / "schema.json"
    run(bangfu, "spectacular", "--format", "openapi-json", "--file", str(schema))
    port = _free_port()
    serve = {
        "runserver": [bangfu, "runserver", "--noreload", f"127.0.0.1:{port}"],
        "gunicorn": [str(BIN / "gunicorn"), "-c", "python:bangfu.gunicorn_conf", "bangfu.wsgi"],
    }[args.server]
    env.update(BANGFU_BIND=f"127.0.0.1:{port}", BANGFU_WEB_WORKERS="2", BANGFU_ACCESS_LOG="")
    server = subprocess.Popen(
        serve,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(var / "server.log", "w"),
    )
    failed = False
    try:
        _wait(port)
        for user in args.users.split(","):
            token = run(sys.executable, "-c", TOKEN_SCRIPT.format(user=user)).strip()
            print(f"== schemathesis as {user} ==", flush=True)
            result = subprocess.run(
                [
                    str(BIN / "schemathesis"),
                    "run",
                    str(schema),
                    "--url",
                    f"http://127.0.0.1:{port}",
                    "--header",
                    f"Authorization: Bearer {token}",
                    "--checks",
                    "not_a_server_error,response_schema_conformance",
                    "--max-examples",
                    args.examples,
                    "--seed",
                    "1",
                    "--workers",
                    "1",
                    "--generation-database",
                    "none",
                    "--exclude-path-regex",
                    "^/api/v1/tokens/",  # fuzzing would revoke its own token
                    "--phases",
                    "examples,fuzzing",
                    "--no-color",
                ],
                env=env,
            )
            failed = failed or result.returncode != 0
    finally:
        server.terminate()
        server.wait(timeout=30)
    if failed:
        print(f"server log: {var / 'server.log'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
