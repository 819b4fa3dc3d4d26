"""Uploaded files: Telegram-like ids so they can be re-sent by ``file_id``, and photo checks."""

import struct

from .errors import ApiError, bad_request
from .state import World
from .validation import UploadedFile

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def resolve_upload(world: World, value: UploadedFile | str) -> UploadedFile:
    """The file behind a send*: a fresh upload, or one sent before and named by ``file_id``."""
    if isinstance(value, UploadedFile):
        if not value.data:
            raise bad_request("file must be non-empty")
        return value
    if value.startswith(("http://", "https://")):
        raise ApiError(501, "emulator: sending files by URL is not implemented")
    if value not in world.files:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return world.files[value]


def store(world: World, upload: UploadedFile) -> dict[str, object]:
    """Register the upload and return the id fields Telegram gives it."""
    number = next(world.ids)
    file_id = f"BQACAgIAAxkBAAI{number:08d}emu"
    world.files[file_id] = upload
    return {"file_id": file_id, "file_unique_id": f"AgAD{number:06d}", "file_size": len(upload.data)}


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG; other data is refused as Telegram refuses it."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 <= len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in _JPEG_SOF:
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    raise bad_request("IMAGE_PROCESS_FAILED")
