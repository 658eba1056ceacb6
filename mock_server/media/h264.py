"""Repeat H.264 pictures at any frame rate for the cost of one picture per second.

A clip's picture changes once a second (the counter), so a clip at F frames per second
is one picture per second followed by F - 1 copies of it. Copies cost x264 a full
analysis of every macroblock; this module makes them free instead:

* each second's picture is encoded once, as an IDR frame (the only frames x264 sees);
* a *hold* sequence (an IDR then F - 1 frames that repeat it) is encoded once per pixel
  size and frame rate; with a constant quantiser, no B-frames and one reference, its
  repeating frames are all-skip P slices whose bytes do not depend on the picture;
* :func:`splice` puts each second's IDR in front of those F - 1 repeating frames. The
  result is an ordinary stream of one GOP per second, which ffmpeg muxes by copy.

Both encodes share every parameter, so their sequence headers are the same (checked by
:func:`splice`). Access units are split at their delimiters (x264 ``aud=1``): start
codes never occur inside a NAL unit.
"""

from __future__ import annotations

__all__ = ["X264_PARAMS", "access_units", "splice", "x264_args"]

_AUD = b"\x00\x00\x00\x01\x09"
_SPS = b"\x00\x00\x00\x01\x67"
QP = 26


def x264_args(fps: int) -> dict[str, object]:
    """Encoder options shared by the picture and hold encodes (ffmpeg-python kwargs)."""
    return {
        "vcodec": "libx264",
        "preset": "ultrafast",
        "tune": "stillimage",
        "bf": 0,
        "qp": QP,
        "pix_fmt": "yuv420p",
        "x264-params": X264_PARAMS.format(fps=fps),
    }


X264_PARAMS = "keyint={fps}:min-keyint={fps}:scenecut=0:ref=1:aud=1:repeat-headers=1"


def access_units(stream: bytes) -> list[bytes]:
    """An Annex B stream cut into access units at their delimiters."""
    parts = stream.split(_AUD)
    return [_AUD + p for p in parts[1:]]


def _sps(unit: bytes) -> bytes:
    start = unit.find(_SPS)
    if start < 0:
        return b""
    end = unit.find(b"\x00\x00\x00\x01", start + 4)
    return unit[start:end]


def splice(pictures: bytes, hold: bytes) -> bytes:
    """Each IDR picture of ``pictures`` followed by the repeating frames of ``hold``."""
    pics = access_units(pictures)
    held = access_units(hold)
    if not pics or not held:
        raise ValueError("an encode produced no access units")
    if _sps(pics[0]) != _sps(held[0]):
        raise ValueError("the picture and hold encodes have different sequence headers")
    repeat = b"".join(held[1:])
    return b"".join(unit + repeat for unit in pics)
