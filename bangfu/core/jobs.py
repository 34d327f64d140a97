"""Background jobs without a broker: each job runs in its own `bangfu run-job ID` process.

The embedded default (SQLite, no Redis/RabbitMQ) needs nothing else running. Tests and
`BANGFU_JOBS_INLINE=1` run jobs in the calling process instead.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core.models import Job

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_KINDS: dict[str, Callable[[Job, Progress], dict]] = {}


def register(kind: str) -> Callable:
    """Declare the function that runs jobs of a kind: f(job, progress) -> result dict."""

    def decorator(func: Callable[[Job, Progress], dict]) -> Callable[[Job, Progress], dict]:
        _KINDS[kind] = func
        return func

    return decorator


def submit(kind: str, user: Any, params: dict, message: str = "") -> Job:
    """Create a job and start it once the surrounding transaction commits."""
    job = Job.objects.create(kind=kind, user=user, params=params, message=message)
    transaction.on_commit(lambda: start(job.pk))
    return job


def start(job_id: int) -> None:
    if getattr(settings, "BANGFU_JOBS_INLINE", False):
        run(job_id)
        return
    log_dir = settings.VAR_DIR / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "jobs.log").open("ab") as log:
        subprocess.Popen(
            [sys.executable, "-m", "bangfu", "run-job", str(job_id)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def limit_memory() -> None:
    """Cap this job process's address space at BANGFU_JOB_MEMORY_MB (RLIMIT_AS; 0: no cap),
    so a job that would take more fails with a clear message instead of taking the machine.
    Called at the start of `bangfu run-job`, never in the web process."""
    import resource

    mb = int(getattr(settings, "BANGFU_JOB_MEMORY_MB", 8192))
    if mb <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mb << 20 if hard == resource.RLIM_INFINITY else min(mb << 20, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def run(job_id: int) -> Job:
    """Run a queued job to its end, recording progress, result or the error.

    The job's work and its result are one transaction: a process killed at any moment leaves
    either nothing written (the job stays "running" until it is seen to be stale, and says
    nothing was written) or everything written and the job done, never data without its
    outcome. Progress and heartbeat go through a second connection where the database lets
    two writers work at once (PostgreSQL), so the page sees them while the work runs.
    """
    job = Job.objects.get(pk=job_id)
    if job.state != Job.State.QUEUED:
        return job
    func = _KINDS[job.kind]
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, started=now, heartbeat=now)
    reporter = _ProgressReporter(job.pk)
    try:
        from bangfu.core.changelog import change_context

        with transaction.atomic(), change_context(user=job.user):
            result = func(job, reporter)
            Job.objects.filter(pk=job.pk).update(
                state=Job.State.SUCCEEDED,
                finished=timezone.now(),
                result=result,
                progress=result.get("rows", 0) if isinstance(result, dict) else 0,
            )
    except MemoryError:
        logger.exception("job %s ran out of memory", job.pk)
        message = _(
            "任务所需内存超过了上限({mb} MB),已停止,没有写入任何数据。"
            "如为导入,请把文件拆成几个较小的文件分批导入。"
        ).format(mb=getattr(settings, "BANGFU_JOB_MEMORY_MB", 8192))
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED, finished=timezone.now(), message=message
        )
    except Exception as e:
        logger.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED, finished=timezone.now(), message=str(e)[:500]
        )
    finally:
        reporter.close()
    job.refresh_from_db()
    return job


class _ProgressReporter:
    """progress(done, total) for a running job, at most twice a second.

    Written outside the job's transaction on a connection of its own when the database
    allows a second writer (PostgreSQL); SQLite has one writer, the job itself, so there the
    figures go into the job's transaction and show when it ends."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = 0.0
        self.side: Any = None
        if connections["default"].vendor == "postgresql":
            self.side = connections.create_connection("default")

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.last < 0.5 and done < total:
            return
        self.last = time.monotonic()
        if self.side is None:
            Job.objects.filter(pk=self.job_id).update(
                progress=done, total=total, heartbeat=timezone.now()
            )
            return
        table = Job._meta.db_table
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress = %s, total = %s, heartbeat = %s WHERE id = %s",
                [done, total, timezone.now(), self.job_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
