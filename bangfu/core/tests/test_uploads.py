"""Bounded uploads: a small file that declares a huge image or unpacks to a huge sheet is
refused before it is decoded or read, with the peak memory growth measured, and photos are
taken only in the formats the form names."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bangfu.core import uploads
from bangfu.ledger.choices import ActivityKind
from bangfu.ledger.models import Activity
from bangfu.ledger.tests.test_entry import ADD, entry

MB = 1 << 20


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int, height: int, color_type: int = 0, bit_depth: int = 1) -> bytes:
    """A valid PNG of width×height black pixels, a few dozen KB: its rows are all zeros."""
    channels = {0: 1, 2: 3}[color_type]
    row = bytes(1 + (width * channels * bit_depth + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _r in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, fmt)
    return buffer.getvalue()


# What a check costs: run in a fresh process, its peak resident memory before and after.
MEASURE = """
import json, resource, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
path, kind = sys.argv[1], sys.argv[2]
outcome = "accepted"
try:
    if kind == "photo":
        from bangfu.ledger.photos import check_photo
        check_photo(SimpleUploadedFile("bomb.png", open(path, "rb").read(), "image/png"))
    else:
        from bangfu.core.uploads import check_xlsx
        from bangfu.core.spreadsheets import read_rows
        check_xlsx(path)
        for row in read_rows(path):
            pass
except ValidationError as e:
    outcome = "refused: " + " ".join(e.messages)
except Exception as e:
    outcome = "error: " + type(e).__name__
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "growth_mb": (after - before) / 1024}))
"""


def measure(path: Path, kind: str) -> dict[str, Any]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bangfu.settings"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), kind],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("side", [20000, 13000])
def test_a_pixel_bomb_photo_is_refused_before_it_is_decoded(tmp_path, side):
    """20000² px in 48 KB was a server error; 13000² px was decoded (273 → 1,059 MB)."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb(side, side, color_type=2, bit_depth=8))
    assert bomb.stat().st_size < 2 * MB
    result = measure(bomb, "photo")
    assert result["outcome"].startswith("refused"), result
    assert "像素太多" in result["outcome"]
    assert result["growth_mb"] < 200, result


def test_a_photo_is_refused_by_its_declared_pixels_under_the_setting(settings):
    settings.BANGFU_IMAGE_MAX_PIXELS = 1000
    with pytest.raises(ValidationError, match="像素太多"):
        uploads.open_image(io.BytesIO(_image("PNG")), "x.png")
    settings.BANGFU_IMAGE_MAX_PIXELS = 1200
    assert uploads.open_image(io.BytesIO(_image("PNG")), "x.png").size == (40, 30)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP"])
def test_photos_are_only_the_jpeg_or_png_the_form_asks_for(login, world, fmt):
    data = entry(world, ActivityKind.SERVICE_VISIT, summary="别的格式")
    data["photos"] = [SimpleUploadedFile(f"x.{fmt.lower()}", _image(fmt), "image/x")]
    response = login("unit_a").post(ADD, data)
    assert response.status_code == 200
    assert f"是{fmt}格式" in str(response.context["form"].errors["photos"])
    assert not Activity.objects.filter(summary="别的格式").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_jpeg_and_png_photos_are_taken(login, world, fmt):
    data = entry(world, ActivityKind.SERVICE_VISIT, summary="照片")
    data["photos"] = [SimpleUploadedFile(f"x.{fmt.lower()}", _image(fmt), "image/x")]
    login("unit_a").post(ADD, data)
    assert Activity.objects.get(summary="照片").photos.count() == 1


# --- spreadsheets ---------------------------------------------------------------------------

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
)
SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="data" sheetId="1" r:id='
        '"rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
        ' Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def xlsx_with_one_cell(path: Path, cell_bytes: int, random_text: bool = False) -> Path:
    """An .xlsx whose only cell holds `cell_bytes` bytes of text, written a MB at a time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD)
            left = cell_bytes
            while left:
                n = min(left, MB)
                sheet.write(os.urandom(n // 2).hex().encode()[:n] if random_text else b"a" * n)
                left -= n
            sheet.write(SHEET_TAIL)
    return path


def test_a_spreadsheet_with_a_300_mb_cell_is_refused_before_it_is_read(tmp_path):
    """307 KB on disk, one 300 MB cell: it took the import to 1.7 GB."""
    path = xlsx_with_one_cell(tmp_path / "bomb.xlsx", 300 * MB)
    assert path.stat().st_size < 2 * MB
    result = measure(path, "xlsx")
    assert result["outcome"].startswith("refused"), result
    assert "压缩比异常" in result["outcome"]
    assert result["growth_mb"] < 200, result


def test_a_cell_longer_than_excel_allows_is_refused_whatever_its_ratio(tmp_path, settings):
    path = xlsx_with_one_cell(tmp_path / "long.xlsx", 200_000, random_text=True)
    with pytest.raises(ValidationError, match="超过32767个字符"):
        uploads.check_xlsx(path)
    settings.BANGFU_XLSX_MAX_CELL_CHARS = 60_000
    uploads.check_xlsx(path)  # 200,000 bytes of ASCII: within 60,000 characters × 4 bytes
    ok = xlsx_with_one_cell(tmp_path / "ok.xlsx", 20_000, random_text=True)
    settings.BANGFU_XLSX_MAX_CELL_CHARS = 32767
    uploads.check_xlsx(ok)


def test_a_spreadsheet_is_refused_by_its_unpacked_size(tmp_path, settings):
    path = xlsx_with_one_cell(tmp_path / "big.xlsx", 3 * MB, random_text=True)
    settings.BANGFU_XLSX_MAX_BYTES = 2 * MB
    with pytest.raises(ValidationError, match="解压后有3MB"):
        uploads.check_xlsx(path)


@pytest.mark.django_db
def test_the_import_form_refuses_a_bomb_and_the_reader_does_too(login, world, tmp_path):
    from bangfu.core.spreadsheets import SpreadsheetError, read_rows

    path = xlsx_with_one_cell(tmp_path / "bomb.xlsx", 50 * MB)
    client = login("office")
    with path.open("rb") as f:
        response = client.post("/imports/households/", {"file": f})
    assert response.status_code == 200
    assert "压缩比异常" in response.content.decode()
    assert not (Path(tmp_path) / "media" / "imports").exists() or not any(
        (Path(tmp_path) / "media" / "imports").iterdir()
    )
    with pytest.raises(SpreadsheetError, match="压缩比异常"):
        next(iter(read_rows(path)))


# --- the import job's memory ceiling --------------------------------------------------------

CEILING = """
import django
django.setup()
from bangfu.core import jobs
jobs.limit_memory()
try:
    block = bytearray(1536 << 20)
    print("allocated")
except MemoryError:
    print("refused")
"""


def test_a_job_process_cannot_take_more_than_its_memory_ceiling():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bangfu.settings",
        "BANGFU_JOB_MEMORY_MB": "1024",
    }
    done = subprocess.run(
        [sys.executable, "-c", CEILING], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "refused", done.stderr[-2000:]


@pytest.mark.django_db
def test_a_job_that_reaches_the_ceiling_fails_with_a_clear_message(world, settings):
    from bangfu.core import jobs
    from bangfu.core.models import Job

    def greedy(job: Any, progress: Any) -> dict:
        raise MemoryError

    jobs.register("test-greedy")(greedy)
    try:
        job = Job.objects.create(kind="test-greedy", user=world.users["office"], params={})
        job = jobs.run(job.pk)
    finally:
        jobs._KINDS.pop("test-greedy")
    assert job.state == Job.State.FAILED
    assert "内存超过了上限" in job.message and "分批导入" in job.message
