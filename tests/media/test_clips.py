"""Produced clips are real: probed for container, codecs, size, duration and audio."""

from __future__ import annotations

import asyncio
import base64
import subprocess
from pathlib import Path

import pytest

from mock_server.media.library import MediaLibrary
from mock_server.media.probe import decodes, probe
from mock_server.media.synth import ClipSpec, Synthesizer, ffmpeg_exe
from tests.support import beep_envelope, png

pytestmark = pytest.mark.anyio


@pytest.fixture
def library(tmp_path: Path) -> MediaLibrary:
    return MediaLibrary(tmp_path, Synthesizer(tmp_path), max_parallel=2)


@pytest.mark.parametrize(("w", "h", "seconds"), [(1280, 720, 4), (720, 1280, 8), (1792, 1024, 12)])
async def test_mp4_has_exact_size_duration_codecs_and_moov_first(library, w, h, seconds) -> None:
    key = library.register(ClipSpec(w, h, seconds, "mp4", ("job x",), 7))
    path = await library.ensure(key)
    info = probe(path)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", w, h)
    assert info.audio is not None and info.audio.codec == "aac"
    assert info.duration == pytest.approx(seconds, abs=0.05)
    assert info.video.duration == pytest.approx(seconds, abs=0.05)
    assert info.audio.duration == pytest.approx(seconds, abs=0.05)
    assert info.moov_before_mdat is True
    assert decodes(path) == ""


@pytest.mark.parametrize(
    ("fmt", "vcodec", "acodec"), [("webm", "vp9", "opus"), ("mov", "h264", "aac")]
)
async def test_other_containers(library, fmt, vcodec, acodec) -> None:
    path = await library.ensure(library.register(ClipSpec(1280, 720, 4, fmt, ("x",), 1)))
    info = probe(path)
    assert info.video.codec == vcodec and info.audio is not None and info.audio.codec == acodec
    assert info.duration == pytest.approx(4, abs=0.05)
    assert decodes(path) == ""


async def test_audio_beeps_once_a_second_in_sync_with_the_counter(library) -> None:
    path = await library.ensure(library.register(ClipSpec(1280, 720, 4, "mp4", ("x",), 3)))
    for second, (beep, gap) in enumerate(beep_envelope(path, 4)):
        assert beep > 1000, f"no beep at second {second}"
        assert gap < beep / 20, f"sound between beeps at second {second}"


def frame_png(path: Path, at: float, out: Path) -> bytes:
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-ss",
            str(at),
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-vf",
            "scale=16:9",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-y",
            str(out),
        ],
        check=True,
        timeout=30,
    )
    return out.read_bytes()


async def test_image_is_the_opening_frame_only(library, tmp_path: Path) -> None:
    image_key = library.put_image(png(64, 36, (255, 0, 0)))
    path = await library.ensure(
        library.register(ClipSpec(1280, 720, 4, "mp4", (), 5, image_key=image_key))
    )
    first = frame_png(path, 0, tmp_path / "f0.rgb")
    later = frame_png(path, 2, tmp_path / "f2.rgb")
    # corner pixels (away from the label and counter): red at first, background later
    r, g, b = first[-3], first[-2], first[-1]
    assert r > 200 and g < 60 and b < 60
    r2, g2, b2 = later[-3], later[-2], later[-1]
    assert not (r2 > 200 and g2 < 60 and b2 < 60)


async def test_identical_specs_encode_once_even_when_requested_together(library) -> None:
    spec = ClipSpec(1280, 720, 4, "mp4", ("same",), 11)
    key = library.register(spec)
    paths = await asyncio.gather(*(library.ensure(key) for _ in range(5)))
    assert len(set(paths)) == 1
    assert library.stats.encodes == 1
    await library.ensure(library.register(ClipSpec(1280, 720, 4, "mp4", ("same",), 11)))
    assert library.stats.encodes == 1


async def test_same_spec_gives_the_same_bytes(tmp_path: Path) -> None:
    spec = ClipSpec(720, 1280, 4, "mp4", ("determinism",), 99)
    one = MediaLibrary(tmp_path / "a", Synthesizer(tmp_path / "a"))
    two = MediaLibrary(tmp_path / "b", Synthesizer(tmp_path / "b"))
    a = await one.read(one.register(spec))
    b = await two.read(two.register(spec))
    assert a == b


async def test_ffmpeg_failure_is_a_render_error(tmp_path: Path) -> None:
    from mock_server.media.synth import RenderError

    broken = MediaLibrary(tmp_path, Synthesizer(tmp_path, exe=str(tmp_path / "no-ffmpeg")))
    with pytest.raises(RenderError, match="cannot run ffmpeg"):
        await broken.ensure(broken.register(ClipSpec(1280, 720, 4)))


def test_put_image_rejects_non_images(library) -> None:
    with pytest.raises(ValueError):
        library.put_image(b"hello")
    assert library.put_image(base64.b64decode(_PNG_1PX)).endswith(".png")


_PNG_1PX = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)
