"""Bounded uploads: a small file must not take a large amount of memory.

An image is refused by the pixel count its header declares, before a pixel is decoded (a
48 KB PNG can declare 20000×20000 pixels: 1.2 GB once decoded). An .xlsx is a zip: it is
refused by its members' declared uncompressed size and compression ratio, and by its
longest cell, all before a reader opens it (a 307 KB file held one 300 MB cell). The limits
are settings (BANGFU_IMAGE_MAX_PIXELS, BANGFU_XLSX_MAX_BYTES, BANGFU_XLSX_MAX_RATIO,
BANGFU_XLSX_MAX_CELL_CHARS).
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Members this small cannot hold much whatever their ratio (and tiny XML parts compress
# very well): the ratio is judged on larger members only.
RATIO_FLOOR_BYTES = 1 << 20
SCAN_CHUNK_BYTES = 1 << 20


def max_pixels() -> int:
    return int(getattr(settings, "BANGFU_IMAGE_MAX_PIXELS", 40_000_000))


def open_image(upload: Any, name: str) -> Any:
    """The upload opened as an image (header read, nothing decoded), or a ValidationError if
    it declares more pixels than BANGFU_IMAGE_MAX_PIXELS."""
    from PIL import Image

    limit = max_pixels()
    too_large = _("图片“{name}”的像素太多(超过{limit}万像素),请缩小后再上传。").format(
        name=name, limit=limit // 10_000
    )
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow's own bomb guard warns, or raises, at its own (higher) limit: ours decides.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload)
        except Image.DecompressionBombError:
            raise ValidationError(too_large, code="pixels") from None
    width, height = image.size
    if width * height > limit:
        raise ValidationError(too_large, code="pixels")
    return image


def _limits() -> tuple[int, int, int]:
    return (
        int(getattr(settings, "BANGFU_XLSX_MAX_BYTES", 4 << 30)),
        int(getattr(settings, "BANGFU_XLSX_MAX_RATIO", 100)),
        int(getattr(settings, "BANGFU_XLSX_MAX_CELL_CHARS", 32767)),
    )


def _scanned(name: str) -> bool:
    """The parts that hold cell text: the sheets and the shared strings."""
    return name == "xl/sharedStrings.xml" or (
        name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


def check_xlsx(source: str | Path | IO[bytes], name: str = "") -> None:
    """Refuse an .xlsx whose parts would unpack to more than BANGFU_XLSX_MAX_BYTES, unpack
    more than BANGFU_XLSX_MAX_RATIO times their packed size, or hold a text longer than
    BANGFU_XLSX_MAX_CELL_CHARS (Excel's own cell limit is 32,767 characters).

    Reads the zip's directory, then streams the sheets' XML a megabyte at a time: memory
    stays constant whatever the file holds. A file that is not a zip is left to the reader."""
    max_bytes, max_ratio, max_chars = _limits()
    name = name or Path(str(getattr(source, "name", source))).name
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the reader says the file is broken
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > max_bytes:
            raise ValidationError(
                _("文件“{name}”解压后有{size}MB,超过了{limit}MB的上限。").format(
                    name=name, size=total >> 20, limit=max_bytes >> 20
                ),
                code="unpacked",
            )
        for member in members:
            if member.file_size > RATIO_FLOOR_BYTES and member.file_size > max_ratio * max(
                member.compress_size, 1
            ):
                raise ValidationError(
                    _(
                        "文件“{name}”的压缩比异常({ratio}倍,上限{limit}倍),"
                        "可能是恶意构造的文件。请用Excel另存后再上传。"
                    ).format(
                        name=name,
                        ratio=member.file_size // max(member.compress_size, 1),
                        limit=max_ratio,
                    ),
                    code="ratio",
                )
        # A cell's text is a run of bytes between two markup characters; in UTF-8 a
        # character is at most 4 bytes (an escape such as &amp; 5 for 1 character).
        longest = max_chars * 4
        for member in members:
            if _scanned(member.filename) and member.file_size > longest:
                with archive.open(member) as part:
                    if _longest_run_exceeds(part, longest):
                        raise ValidationError(
                            _(
                                "文件“{name}”中有单元格内容超过{limit}个字符"
                                "(Excel单元格的上限),无法导入。"
                            ).format(name=name, limit=max_chars),
                            code="cell",
                        )


def _longest_run_exceeds(part: IO[bytes], longest: int) -> bool:
    """Whether the part has a run of more than `longest` bytes without < or >, read a chunk
    at a time (a run may span chunks: its length so far is carried over).

    Looked for without a byte-by-byte loop: any run longer than `longest` inside a chunk
    covers a whole block of `longest // 2` bytes, so only blocks holding no markup at all
    (found by `bytes.find`, in C) are measured."""
    block = max(longest // 2, 1)
    carried = 0
    while chunk := part.read(SCAN_CHUNK_BYTES):
        first = _markup(chunk.find, 0, len(chunk), min)
        if first < 0:
            carried += len(chunk)
            if carried > longest:
                return True
            continue
        if carried + first > longest:
            return True
        for start in range(first, len(chunk), block):
            end = min(start + block, len(chunk))
            if _markup(chunk.find, start, end, min) >= 0:
                continue
            before = _markup(chunk.rfind, 0, start, max)
            after = _markup(chunk.find, end, len(chunk), min)
            if (after if after >= 0 else len(chunk)) - before - 1 > longest:
                return True
        carried = len(chunk) - 1 - _markup(chunk.rfind, 0, len(chunk), max)
    return carried > longest


def _markup(find: Any, start: int, end: int, pick: Any) -> int:
    """The first (pick=min with find) or last (pick=max with rfind) < or > in [start, end)."""
    found = [i for i in (find(b"<", start, end), find(b">", start, end)) if i >= 0]
    return pick(found) if found else -1
