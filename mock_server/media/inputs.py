"""Turn an image reference from a request into bytes, without touching the network.

* ``data:`` URIs are decoded;
* URLs of the emulator's own media (``.../media/<key>``) are read from the library;
* any other URL is *not fetched*: the caller gets ``None`` and the clip's opening
  frame says which URL it stood for. A URL longer than ``MAX_URL_CHARS`` is refused
  (ValueError) before anything stores it.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

from mock_server.media.library import IMAGE_MIME, MediaLibrary

__all__ = ["MAX_URL_CHARS", "decode_base64_image", "resolve_image"]

MAX_URL_CHARS = 2048  # an image URL is named on the clip's opening frame: kept short

_DATA_URI = re.compile(r"^data:(image/[\w.+-]+)?(;[\w=-]+)*?;base64,(.*)$", re.S)


def decode_base64_image(text: str) -> bytes:
    """Decode base64 (optionally inside a ``data:`` URI); raises ValueError if invalid."""
    m = _DATA_URI.match(text)
    payload = m.group(3) if m else text
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the image is not valid base64") from None


async def resolve_image(ref: str, media: MediaLibrary) -> bytes | None:
    """Bytes for ``ref`` when it is inline or the emulator's own; None when remote."""
    if ref.startswith("data:"):
        return decode_base64_image(ref)
    if len(ref) > MAX_URL_CHARS:  # before anything keeps it
        raise ValueError(f"the image URL is longer than {MAX_URL_CHARS} characters")
    parts = urlsplit(ref)
    # urlsplit forgives leading blanks and an upper-case scheme; the contract does not
    if not ref.startswith(("http://", "https://")) or not parts.netloc:
        raise ValueError("the image must be an http(s) URL or a data: URI")
    head, _, key = parts.path.rpartition("/")
    if not (head.endswith("/media") and media.known(key)):
        return None
    if key.rpartition(".")[2] not in IMAGE_MIME:
        # a clip is refused unread: reading would render (and judge) another job's video,
        # maybe before anyone may download it
        raise ValueError("the URL names a video of this emulator, not an image")
    return await media.read(key)
