"""Read what a media file really is, independently of how it was made.

``probe(path)`` combines two honest sources:

* ``ffmpeg -i`` (the bundled ffmpeg has no ffprobe): container, codecs, size, rate;
* for MP4/MOV, the ISO-BMFF boxes themselves: exact durations from ``mvhd``/``mdhd``,
  and whether ``moov`` comes before ``mdat`` (progressive playback).

``decodes(path)`` decodes every frame and sample and reports ffmpeg's errors.
"""

from __future__ import annotations

import re
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from mock_server.media.synth import ffmpeg_exe

__all__ = ["MediaInfo", "Stream", "decodes", "probe"]


@dataclass(slots=True)
class Stream:
    kind: str  # "video" | "audio"
    codec: str
    width: int | None = None
    height: int | None = None
    sample_rate: int | None = None
    duration: float | None = None  # from the container boxes, when known
    fps: float | None = None  # frames per second ffmpeg reads for a video stream
    frames: int | None = None  # samples in the track (MP4/MOV boxes), when known


@dataclass(slots=True)
class MediaInfo:
    container: str
    duration: float
    streams: list[Stream] = field(default_factory=list)
    moov_before_mdat: bool | None = None

    @property
    def video(self) -> Stream:
        return next(s for s in self.streams if s.kind == "video")

    @property
    def audio(self) -> Stream | None:
        return next((s for s in self.streams if s.kind == "audio"), None)


_DUR = re.compile(r"Duration: (\d+):(\d+):(\d+\.\d+)")
_INPUT = re.compile(r"Input #0, ([\w,]+), from")
_VIDEO = re.compile(r"Stream #0:\d+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_AUDIO = re.compile(r"Stream #0:\d+.*?: Audio: (\w+).*?, (\d+) Hz")


def _boxes(data: bytes, start: int, end: int) -> list[tuple[str, int, int]]:
    """(type, payload start, box end) for each box between start and end."""
    out = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            break
        out.append((kind.decode("latin-1"), pos + header, pos + size))
        pos += size
    return out


def _duration_box(data: bytes, start: int) -> float:
    """Seconds from an mvhd or mdhd payload (version 0 or 1)."""
    version = data[start]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[start + 20 : start + 32])
    else:
        timescale, duration = struct.unpack(">II", data[start + 12 : start + 20])
    return duration / timescale if timescale else 0.0


def _samples(data: bytes, start: int, end: int) -> int | None:
    """The sample count of the stsz box under a trak's mdia/minf/stbl, if any."""
    for kind in ("mdia", "minf", "stbl"):
        box = next((b for b in _boxes(data, start, end) if b[0] == kind), None)
        if box is None:
            return None
        start, end = box[1], box[2]
    stsz = next((b for b in _boxes(data, start, end) if b[0] == "stsz"), None)
    return struct.unpack(">I", data[stsz[1] + 8 : stsz[1] + 12])[0] if stsz else None


def _iso_bmff(
    path: Path,
) -> tuple[bool | None, float | None, dict[str, float], dict[str, int | None]]:
    data = path.read_bytes()
    top = _boxes(data, 0, len(data))
    kinds = [k for k, _, _ in top]
    if "moov" not in kinds:
        return None, None, {}, {}
    order = kinds.index("moov") < kinds.index("mdat") if "mdat" in kinds else None
    _, ms, me = next(b for b in top if b[0] == "moov")
    movie = None
    tracks: dict[str, float] = {}
    counts: dict[str, int | None] = {}
    for kind, s, e in _boxes(data, ms, me):
        if kind == "mvhd":
            movie = _duration_box(data, s)
        elif kind == "trak":
            mdia = next((b for b in _boxes(data, s, e) if b[0] == "mdia"), None)
            if mdia is None:
                continue
            inner = {k: (a, b) for k, a, b in _boxes(data, mdia[1], mdia[2])}
            if "hdlr" in inner and "mdhd" in inner:
                handler = data[inner["hdlr"][0] + 8 : inner["hdlr"][0] + 12].decode("latin-1")
                kind_name = {"vide": "video", "soun": "audio"}.get(handler, handler)
                tracks[kind_name] = _duration_box(data, inner["mdhd"][0])
                counts[kind_name] = _samples(data, s, e)
    return order, movie, tracks, counts


def probe(path: str | Path) -> MediaInfo:
    """Describe the media file at ``path``; raises ValueError if ffmpeg cannot read it."""
    path = Path(path)
    res = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    text = res.stderr
    m_in, m_dur = _INPUT.search(text), _DUR.search(text)
    if not m_in or not m_dur:
        raise ValueError(f"ffmpeg cannot read {path}: {text.strip()[-300:]}")
    h, m, s = m_dur.groups()
    info = MediaInfo(container=m_in.group(1), duration=int(h) * 3600 + int(m) * 60 + float(s))
    for mv in _VIDEO.finditer(text):
        stream = Stream("video", mv.group(1), int(mv.group(2)), int(mv.group(3)))
        line_end = text.find("\n", mv.end())
        rate = _FPS.search(text, mv.end(), line_end if line_end >= 0 else len(text))
        stream.fps = float(rate.group(1)) if rate else None
        info.streams.append(stream)
    for ma in _AUDIO.finditer(text):
        info.streams.append(Stream("audio", ma.group(1), sample_rate=int(ma.group(2))))
    if "mp4" in info.container or "mov" in info.container:
        order, movie, tracks, counts = _iso_bmff(path)
        info.moov_before_mdat = order
        if movie is not None:
            info.duration = movie
        for stream in info.streams:
            stream.duration = tracks.get(stream.kind)
            stream.frames = counts.get(stream.kind)
    return info


def decodes(path: str | Path) -> str:
    """Decode the whole file; returns ffmpeg's error output ('' when clean)."""
    res = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return res.stderr.strip() + ("" if res.returncode == 0 else f" (exit {res.returncode})")
