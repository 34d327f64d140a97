"""`bangfu backup` → wipe → `bangfu restore` loses nothing: rows, records and media files."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from bangfu.ledger.models import Activity
from bangfu.ledger.photos import add_photos
from bangfu.registry.models import Household, Person


def _counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "visit.jpg"
    buffer.size = len(buffer.getvalue())
    return buffer


def _media_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_round_trip_loses_nothing(world, settings, tmp_path):
    add_photos(world.activity_a, [_jpeg()])
    media = Path(settings.MEDIA_ROOT)
    files = _media_files(media)
    assert files, "the photo and its thumbnail are in the media folder"
    counts = _counts()
    person = Person.objects.get(pk=world.person_a.pk)

    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    archive = Path(out.getvalue().strip())
    assert archive.parent == tmp_path / "backups"
    assert archive.name.startswith("bangfu-") and archive.name.endswith(".tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert any(n.startswith("media/") for n in names)

    # A database with data is not overwritten without --yes.
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))

    call_command("flush", "--noinput")
    for path in media.rglob("*"):
        if path.is_file():
            path.unlink()
    assert not Household.objects.exists() and not _media_files(media)

    call_command("restore", str(archive), "--yes", stdout=io.StringIO())
    assert _counts() == counts
    restored = Person.objects.get(pk=person.pk)
    assert (restored.name, restored.id_number, restored.household_id) == (
        person.name,
        person.id_number,
        person.household_id,
    )
    assert Activity.objects.get(pk=world.activity_a.pk).photos.count() == 1
    assert _media_files(media) == files


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_archive_of_another_database_or_a_missing_file(world, tmp_path):
    with pytest.raises(CommandError, match="no such archive"):
        call_command("restore", str(tmp_path / "nothing.tar.gz"), "--yes")
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "b.tar.gz"), stdout=out)
    assert Path(out.getvalue().strip()) == tmp_path / "b.tar.gz"
