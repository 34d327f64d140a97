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
