"""Clips follow the request: frame rate, sound only when asked, first and last frames.

Every clip is probed (ffmpeg's own parse plus the MP4 boxes) and fully decoded."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.media import h264
from mock_server.media.library import MediaLibrary
from mock_server.media.probe import decodes, probe
from mock_server.media.synth import ClipSpec, Synthesizer
from tests.media.test_clips import frame_png
from tests.support import png

pytestmark = pytest.mark.anyio


@pytest.fixture
def library(tmp_path: Path) -> MediaLibrary:
    return MediaLibrary(tmp_path, Synthesizer(tmp_path), max_parallel=2)


@pytest.mark.parametrize(
    ("w", "h", "seconds", "fps", "audio"),
    [(1280, 720, 5, 24, True), (720, 1280, 3, 30, False), (960, 960, 7, 25, True)],
)
async def test_clip_has_the_requested_rate_duration_and_sound(library, w, h, seconds, fps, audio):
    spec = ClipSpec(w, h, seconds, "mp4", ("rate",), 4, fps=fps, audio=audio)
    path = await library.ensure(library.register(spec))
    info = probe(path)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", w, h)
    assert info.video.fps == fps and info.video.frames == fps * seconds
    assert info.video.duration == pytest.approx(seconds, abs=0.01)
    assert info.duration == pytest.approx(seconds, abs=0.05)
    if audio:
        assert info.audio is not None and info.audio.codec == "aac"
        assert info.audio.duration == pytest.approx(seconds, abs=0.05)
    else:
        assert info.audio is None
    assert info.moov_before_mdat is True
    assert decodes(path) == ""


async def test_webm_follows_the_rate_and_sound_too(library) -> None:
    spec = ClipSpec(640, 360, 2, "webm", ("w",), 1, fps=12, audio=False)
    info = probe(await library.ensure(library.register(spec)))
    assert (info.video.codec, info.video.fps, info.audio) == ("vp9", 12, None)
    assert info.duration == pytest.approx(2, abs=0.05)


async def test_first_and_last_frames_open_and_close_the_clip(library, tmp_path: Path) -> None:
    red = library.put_image(png(64, 36, (255, 0, 0)))
    blue = library.put_image(png(64, 36, (0, 0, 255)))
    spec = ClipSpec(1280, 720, 4, "mp4", (), 5, image_key=red, fps=24, last_image_key=blue)
    path = await library.ensure(library.register(spec))
    corner = {}  # bottom-right pixel, away from the label and the counter
    for at in (0.0, 0.5, 2.0, 3.5, 3.95):
        frame = frame_png(path, at, tmp_path / f"f{at}.rgb")
        corner[at] = tuple(frame[-3:])
    assert corner[0.0][0] > 200 and corner[0.0][2] < 60  # red
    assert corner[0.5] == corner[0.0]  # the first second holds the first frame
    assert corner[2.0][0] < 200 or corner[2.0][2] > 60  # neither image in the middle
    assert corner[2.0][2] < 200 or corner[2.0][0] > 60
    assert corner[3.5][2] > 200 and corner[3.5][0] < 60  # blue
    assert corner[3.95] == corner[3.5]
    assert decodes(path) == ""


async def test_repeated_frames_are_spliced_not_encoded(library, tmp_path: Path) -> None:
    # one IDR per second; the other frames are the all-skip frames of the hold encode
    spec = ClipSpec(1280, 720, 3, "mp4", ("splice",), 8, fps=30, audio=False)
    path = await library.ensure(library.register(spec))
    hold = (tmp_path / "hold-1280x720-30-v2.h264").read_bytes()
    units = h264.access_units(hold)
    assert len(units) == 30 and max(len(u) for u in units[1:]) < 64
    assert probe(path).video.frames == 90


def test_splice_refuses_streams_with_different_headers() -> None:
    aud, sps = b"\x00\x00\x00\x01\x09\xf0", b"\x00\x00\x00\x01\x67"
    one = aud + sps + b"\x42\x00"
    other = aud + sps + b"\x64\x00"
    with pytest.raises(ValueError, match="sequence headers"):
        h264.splice(one, other + aud)
    assert (
        h264.splice(one, one + aud + b"\x00\x00\x00\x01\x41") == one + aud + b"\x00\x00\x00\x01\x41"
    )


async def test_one_image_can_open_and_close_the_clip(library, tmp_path: Path) -> None:
    red = library.put_image(png(64, 36, (255, 0, 0)))
    spec = ClipSpec(640, 360, 3, "mp4", (), 2, image_key=red, fps=10, last_image_key=red)
    path = await library.ensure(library.register(spec))
    first, middle, last = (frame_png(path, at, tmp_path / f"{at}.rgb")[-3:] for at in (0, 1.5, 2.5))
    assert first == last and first[0] > 200 and first != middle
