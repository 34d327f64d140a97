"""The production shape in deploy/: gunicorn with its workers from the environment, and an
environment template that passes Django's deployment checks."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _template() -> dict[str, str]:
    """deploy/bangfu.env.example as systemd reads it (whole lines, `#` lines are comments)."""
    values = {}
    for line in (ROOT / "deploy" / "bangfu.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def _environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    dropped = ("DEBUG", "DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(_template())
    env.update(
        BANGFU_VAR_DIR=str(tmp_path),
        MEDIA_ROOT=str(tmp_path / "media"),
        SECRET_KEY="k3$-" + "pR0d-" * 12,
        DJANGO_SETTINGS_MODULE="bangfu.settings",
        **overrides,
    )
    return env


def test_the_environment_template_passes_the_deployment_checks(tmp_path):
    template = _template()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "BANGFU_BEHIND_PROXY"} <= set(template)
    assert not any(" #" in value for value in template.values()), "systemd keeps inline comments"
    result = subprocess.run(
        [sys.executable, "-m", "bangfu", "check", "--deploy", "--fail-level", "WARNING"],
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_gunicorn_serves_pages_and_static_files_with_the_configured_workers(tmp_path):
    port = _free_port()
    env = _environment(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        BANGFU_BIND=f"127.0.0.1:{port}",
        BANGFU_WEB_WORKERS="2",
        BANGFU_HTTPS="0",
        BANGFU_BEHIND_PROXY="0",
        ALLOWED_HOSTS="127.0.0.1",
    )
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "python:bangfu.gunicorn_conf", "bangfu.wsgi"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "gunicorn.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(server.pid)) < 2 or not _answers(port):
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.2)
        assert len(_children(server.pid)) == 2
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=60) as page:
            assert page.status == 200
            html = page.read().decode()
        assert "登录" in html
        css = re.search(r'href="(/static/bangfu/bangfu[^"]*\.css)"', html).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{css}", timeout=60) as sheet:
            assert sheet.status == 200 and sheet.headers["Content-Type"].startswith("text/css")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
