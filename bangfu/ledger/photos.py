"""Activity photos: checked as real images, re-encoded as JPEG without their metadata (phones
put the GPS position there), shrunk to a sensible size, with a thumbnail for lists."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from bangfu.core.uploads import open_image
from bangfu.ledger.models import Activity, ActivityPhoto

ACCEPTED_FORMATS = {"JPEG", "PNG"}  # what the form and its messages say
FULL_SIZE = 2048
THUMBNAIL_SIZE = 320


def max_photos() -> int:
    return getattr(settings, "BANGFU_PHOTOS_PER_ACTIVITY", 4)


def max_bytes() -> int:
    return getattr(settings, "BANGFU_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def check_photo(upload: UploadedFile) -> Image.Image:
    """The upload as an image, or a ValidationError naming the file and what is wrong."""
    name = upload.name
    if upload.size > max_bytes():
        raise ValidationError(
            _("照片“{name}”有{size}MB,超过了{limit}MB的上限。").format(
                name=name,
                size=round(upload.size / 1048576, 1),
                limit=round(max_bytes() / 1048576, 1),
            )
        )
    unreadable = _("“{name}”不是可以识别的图片,请上传JPEG或PNG照片。").format(name=name)
    try:
        # The header alone first: format and declared pixel count, nothing decoded yet.
        probe = open_image(upload, name)
        if probe.format not in ACCEPTED_FORMATS:
            raise ValidationError(
                _("“{name}”是{fmt}格式,请上传JPEG或PNG照片。").format(name=name, fmt=probe.format)
            )
        probe.verify()  # reads the whole file; catches truncated and fake images
        image = open_image(upload, name)
        if image.format == "JPEG":
            image.draft("RGB", (FULL_SIZE, FULL_SIZE))  # decoded at the size it is kept at
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(unreadable) from None
    return image


def _jpeg(image: Image.Image, size: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((size, size))
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue(), copy.width, copy.height


def add_photos(activity: Activity, uploads: Sequence[UploadedFile]) -> list[ActivityPhoto]:
    """Store the uploads as photos of the activity; check all of them before storing any."""
    have = activity.photos.count()
    if have + len(uploads) > max_photos():
        raise ValidationError(
            _("每条台账最多{limit}张照片,已有{have}张。").format(limit=max_photos(), have=have)
        )
    images = []
    for upload in uploads:
        image = ImageOps.exif_transpose(check_photo(upload))
        images.append(image.convert("RGB"))
    photos = []
    for image in images:
        full, width, height = _jpeg(image, FULL_SIZE)
        thumb, _w, _h = _jpeg(image, THUMBNAIL_SIZE)
        photo = ActivityPhoto(activity=activity, width=width, height=height)
        photo.image.save("photo.jpg", ContentFile(full), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(thumb), save=False)
        photo.save()
        photos.append(photo)
    return photos


# -- photos kept across a failed save ---------------------------------------------------------
# A browser cannot fill a file input again, so photos chosen on a form that fails to save are
# kept in storage under a signed token (bound to the user) that the form posts back.

KEPT_SALT = "bangfu.ledger.kept-photo"
KEPT_MAX_AGE = 24 * 3600  # seconds a kept photo waits for its form


def keep_for_later(user: object, upload: UploadedFile) -> str:
    """Store a checked upload until the form is saved; return the token that names it."""
    import uuid

    from django.core import signing
    from django.core.files.storage import default_storage

    _sweep_kept()
    upload.seek(0)
    path = default_storage.save(f"ledger/pending/{uuid.uuid4().hex}", ContentFile(upload.read()))
    return signing.dumps({"p": path, "u": user.pk, "n": upload.name[:100]}, salt=KEPT_SALT)


def _sweep_kept() -> None:
    """Remove kept photos whose form never came back (older than their tokens live)."""
    import datetime

    from django.core.files.storage import default_storage
    from django.utils import timezone

    limit = timezone.now() - datetime.timedelta(seconds=KEPT_MAX_AGE)
    if not default_storage.exists("ledger/pending"):
        return
    for name in default_storage.listdir("ledger/pending")[1]:
        path = f"ledger/pending/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except FileNotFoundError:
            continue  # picked up or swept by a request running at the same moment


def kept_photos(user: object, tokens: Sequence[str]) -> list[tuple[str, UploadedFile]]:
    """The kept photos the tokens name, as (token, file); a token that is forged, expired,
    another user's or whose file is gone is left out."""
    from django.core import signing
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    found = []
    for token in dict.fromkeys(tokens):
        try:
            data = signing.loads(token, salt=KEPT_SALT, max_age=KEPT_MAX_AGE)
        except signing.BadSignature:
            continue
        path = data.get("p", "")
        if data.get("u") != user.pk or not path.startswith("ledger/pending/"):
            continue
        if not default_storage.exists(path):
            continue
        with default_storage.open(path, "rb") as handle:
            found.append((token, SimpleUploadedFile(data.get("n") or "photo", handle.read())))
    return found


def forget_kept(tokens: Sequence[str]) -> None:
    """Remove kept photos once saved with their entry."""
    from django.core import signing
    from django.core.files.storage import default_storage

    for token in tokens:
        try:
            path = signing.loads(token, salt=KEPT_SALT, max_age=KEPT_MAX_AGE).get("p", "")
        except signing.BadSignature:
            continue
        if path.startswith("ledger/pending/"):
            default_storage.delete(path)
