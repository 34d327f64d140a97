"""Uploaded registry files hold personal data in full: gone when their import no longer needs
them, leftovers purged after BANGFU_IMPORT_FILE_DAYS, never served, not in a backup."""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from bangfu.core import import_files
from bangfu.core.models import Job
from bangfu.registry.models import Household
from bangfu.registry.tests.test_import import row, xlsx

IMPORT = reverse("core:import", args=["households"])


def _files() -> list[Path]:
    folder = import_files.folder()
    return sorted(folder.iterdir()) if folder.exists() else []


def _upload(client, path: Path, capture) -> Job:
    with path.open("rb") as f, capture(execute=True):
        client.post(IMPORT, {"file": f})
    return Job.objects.latest("pk")


@pytest.mark.django_db
def test_the_file_is_gone_once_the_commit_ends(
    tmp_path, login, world, django_capture_on_commit_callbacks
):
    client = login("village_a")
    job = _upload(client, xlsx(tmp_path, [row()]), django_capture_on_commit_callbacks)
    assert job.state == Job.State.SUCCEEDED and not job.result["problem_count"]
    assert len(_files()) == 1, "a clean dry run keeps its file for the commit"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_commit", args=[job.pk]))
    assert Household.objects.filter(number="5205241162140101").exists()
    assert _files() == []


@pytest.mark.django_db
def test_the_file_is_gone_after_a_dry_run_that_found_problems(
    tmp_path, login, world, django_capture_on_commit_callbacks
):
    client = login("village_a")
    bad = row(village="999999999999")
    job = _upload(client, xlsx(tmp_path, [bad]), django_capture_on_commit_callbacks)
    assert job.result["problem_count"]
    assert _files() == []


@pytest.mark.django_db
def test_the_file_is_gone_after_a_job_that_failed(
    tmp_path, login, world, django_capture_on_commit_callbacks, monkeypatch
):
    from bangfu.core.imports import Layout

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Layout.registry["households"], "run", broken)
    job = _upload(login("village_a"), xlsx(tmp_path, [row()]), django_capture_on_commit_callbacks)
    assert job.state == Job.State.FAILED
    assert _files() == []


@pytest.mark.django_db
def test_an_uncommitted_file_is_purged_after_the_set_days_and_cannot_be_committed(
    tmp_path, login, world, settings, django_capture_on_commit_callbacks
):
    settings.BANGFU_IMPORT_FILE_DAYS = 1
    client = login("village_a")
    job = _upload(client, xlsx(tmp_path, [row()]), django_capture_on_commit_callbacks)
    (left,) = _files()
    two_days_ago = time.time() - 2 * 86400
    os.utime(left, (two_days_ago, two_days_ago))
    # The next import job, of anyone, purges it first.
    _upload(
        login("office"),
        xlsx(tmp_path, [row(number="5205241162140102")], name="b.xlsx"),
        django_capture_on_commit_callbacks,
    )
    assert left not in _files()
    client = login("village_a")  # the same test client: back to the dry run's owner
    response = client.post(reverse("core:job_commit", args=[job.pk]), follow=True)
    assert "请重新上传" in response.content.decode()
    assert not Household.objects.filter(number="5205241162140101").exists()


@pytest.mark.django_db
def test_purge_imports_command_and_import_files_are_never_served(
    tmp_path, login, world, settings, django_capture_on_commit_callbacks
):
    client = login("village_a")
    _upload(client, xlsx(tmp_path, [row()]), django_capture_on_commit_callbacks)
    (left,) = _files()
    assert client.get(f"/media/imports/{left.name}").status_code == 404
    assert login("office").get(f"/{settings.MEDIA_URL}imports/{left.name}").status_code == 404
    settings.BANGFU_IMPORT_FILE_DAYS = 0
    out = io.StringIO()
    call_command("purge-imports", stdout=out)
    assert _files() == []
    assert out.getvalue().startswith("1 ")


@pytest.mark.django_db(transaction=True)
def test_a_backup_leaves_import_files_out_and_says_so(tmp_path, world):
    import_files.folder().mkdir(parents=True)
    (import_files.folder() / "abc.xlsx").write_bytes(b"PK personal data")
    (import_files.folder().parent / "photos").mkdir()
    (import_files.folder().parent / "photos" / "a.jpg").write_bytes(b"jpeg")
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    with tarfile.open(out.getvalue().strip()) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert "media/photos/a.jpg" in names
    assert not any("imports" in n for n in names)
    assert manifest["import_files_included"] is False
    assert manifest["media_files"] == 1
