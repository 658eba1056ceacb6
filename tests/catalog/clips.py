"""What every built-in model's clip is checked for, whichever provider served it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.media.probe import decodes, probe


def assert_clip(clip: Path, size: tuple[int, int], fps: int, seconds: int, audio: bool) -> None:
    """An H.264 clip of exactly ``size``, ``fps`` and ``seconds`` (frame for frame), with
    a sound track exactly when ``audio``, that decodes without an error."""
    info = probe(clip)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", *size)
    assert info.video.fps == fps and info.video.frames == fps * seconds
    assert info.duration == pytest.approx(seconds, abs=0.05)
    assert (info.audio is not None) is audio
    assert decodes(clip) == ""
