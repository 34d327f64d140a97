"""A job's outcome is true whenever its process dies: either nothing was written and the page
says so, or everything was written and the page says it is done.

A kill is simulated by raising an exception no code catches (like SIGKILL, it ends the run
at that point; the database then drops the open transaction, as it does for a dead process).
The tests commit for real (transactional database), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from bangfu.core import jobs
from bangfu.core.models import Job
from bangfu.registry.models import Household
from bangfu.registry.tests.test_import import row, xlsx


class Killed(BaseException):
    """The process dies here."""


def _kill_at(point: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the job's process die at `point` of its run."""
    if point == "mid_work":
        work = jobs._KINDS["import"]

        def dying(job: Job, progress: jobs.Progress) -> dict:
            def progress_then_die(done: int, total: int) -> None:
                progress(done, total)
                raise Killed

            return work(job, progress_then_die)

        monkeypatch.setitem(jobs._KINDS, "import", dying)
        return
    update = QuerySet.update

    def update_then_maybe_die(self: QuerySet, **kwargs: object) -> int:
        done = self.model is Job and kwargs.get("state") == Job.State.SUCCEEDED
        if done and point == "before_result":
            raise Killed
        n = update(self, **kwargs)
        if done and point == "after_result":
            raise Killed
        return n

    monkeypatch.setattr(QuerySet, "update", update_then_maybe_die)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", ["mid_work", "before_result", "after_result", "never"])
def test_a_job_killed_at_any_moment_reports_what_it_wrote(
    point, tmp_path, world, login, monkeypatch
):
    user = world.users["office"]
    path = xlsx(tmp_path, [row()])
    job = Job.objects.create(
        kind="import", user=user, params={"layout": "households", "path": str(path), "commit": True}
    )
    _kill_at(point, monkeypatch)
    if point == "never":
        jobs.run(job.pk)
    else:
        with pytest.raises(Killed):
            jobs.run(job.pk)
    monkeypatch.undo()
    # Long after: a job still "running" has stopped reporting.
    Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
        heartbeat=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    job.refresh_from_db()
    written = Household.objects.filter(number=row()["户编号"]).exists()
    page = login("office").get(reverse("core:job", args=[job.pk])).content.decode()
    if written:
        assert job.state == Job.State.SUCCEEDED
        assert 'data-testid="job-committed"' in page
        assert "没有写入任何数据" not in page
    else:
        assert job.state == Job.State.RUNNING and job.is_stale()
        assert "没有写入任何数据" in page
    if point == "never":
        assert written
