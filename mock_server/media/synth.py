"""Synthesise real, playable clips with ffmpeg (via ffmpeg-python).

What a clip looks like: a solid background whose colour comes from the seed, the
job's label (job id, model, seed, size) and a running second counter. What it sounds
like: a 150 ms beep at the start of every second, in sync with the counter, when the
model and the request produce sound; otherwise the clip has no audio stream. A first
frame image opens the clip and a last frame image closes it (each shown for one
second). The clip has the job's pixel size, duration and frame rate.

Encodes stay cheap whatever the frame rate: the picture is drawn once per second and
the ``fps`` filter repeats each drawn frame, so x264 sees runs of identical frames and
codes them as skipped blocks (see bench/). The audio track is encoded once per
duration and copied into each clip, because AAC encoding dominates the cost of a short
clip. 32 kHz audio makes 4/8/12 s durations exact: 32000 * D / 1024 is a whole number
of AAC frames; other durations are within one AAC frame (32 ms).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import ffmpeg

from mock_server.media import h264

__all__ = ["FORMATS", "ClipSpec", "RenderError", "Synthesizer", "ffmpeg_exe"]

RENDER_VERSION = 2  # bump when the picture or encoding changes: it is part of every key

# container -> (ffmpeg muxer, video codec args, audio codec, audio ext, MIME type)
FORMATS: dict[str, dict[str, object]] = {
    "mp4": {"muxer": "mp4", "mime": "video/mp4", "audio": "m4a", "faststart": True},
    "mov": {"muxer": "mov", "mime": "video/quicktime", "audio": "m4a", "faststart": True},
    "webm": {"muxer": "webm", "mime": "video/webm", "audio": "opus", "faststart": False},
}


class RenderError(RuntimeError):
    """ffmpeg failed or timed out; the message is ffmpeg's last lines of stderr."""


def ffmpeg_exe() -> str:
    """ffmpeg from PATH if present, else the binary bundled by imageio-ffmpeg."""
    override = os.environ.get("SORA_MOCK_FFMPEG")
    if override:
        return override
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _font_path() -> str:
    return str(resources.files("mock_server.media").joinpath("fonts/DejaVuSansMono.ttf"))


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """Everything that determines a clip's bytes; its hash is the cache key."""

    width: int
    height: int
    seconds: int
    fmt: str = "mp4"
    label: tuple[str, ...] = ()
    seed: int = 0
    image_key: str | None = None  # media key of the opening-frame image, if any
    fps: int = 1
    audio: bool = True
    last_image_key: str | None = None  # media key of the closing-frame image, if any

    def key(self) -> str:
        # The same document asdict() would give, without its deep copies (hot on submit).
        doc = {f.name: getattr(self, f.name) for f in fields(self)} | {"v": RENDER_VERSION}
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        return f"{digest[:32]}.{self.fmt}"

    @property
    def background(self) -> str:
        """A dark colour picked by the seed, so clips of different seeds look different."""
        h = hashlib.sha256(str(self.seed).encode()).digest()
        return "0x" + "".join(f"{40 + b % 110:02x}" for b in h[:3])


class Synthesizer:
    """Runs ffmpeg to make clips and beep tracks inside ``workdir``."""

    def __init__(self, workdir: Path, *, timeout: float = 60.0, exe: str | None = None):
        self.workdir = workdir
        self.timeout = timeout
        self.exe = exe or ffmpeg_exe()
        self._beeps: dict[tuple[int, str], asyncio.Future[Path]] = {}
        self._holds: dict[tuple[int, int, int], asyncio.Future[Path]] = {}
        workdir.mkdir(parents=True, exist_ok=True)

    async def render(
        self, spec: ClipSpec, image_path: Path | None, out: Path, last_path: Path | None = None
    ) -> None:
        """Write the clip for ``spec`` to ``out`` (atomically)."""
        fmt = FORMATS[spec.fmt]
        textfile = self.workdir / f"{out.name}.txt"
        textfile.write_text("\n".join(spec.label))
        tmp = out.with_name(out.name + ".part")
        raw = out.with_name(out.name + ".h264")
        d, r = spec.seconds, max(1, spec.fps)
        try:
            picture = self._picture(spec, image_path, last_path, textfile)
            extra: dict[str, object] = {"movflags": "+faststart"} if fmt["faststart"] else {}
            if spec.fmt == "webm" or r == 1:  # one ffmpeg run; VP9 repeats in the graph
                video = picture.filter("fps", fps=r) if r > 1 else picture
                codec: dict[str, object] = {
                    "vcodec": "libvpx-vp9",
                    "deadline": "realtime",
                    "cpu-used": 8,
                    "b:v": "200k",
                }
                if spec.fmt != "webm":
                    codec = {"vcodec": "libx264", "preset": "ultrafast", "tune": "stillimage"}
                await self._mux(spec, [video], tmp, {**codec, "r": r, "g": d * r, **extra})
            else:  # H.264: one IDR per second, spliced with free repeats (h264.py)
                await self._pictures(spec, picture, raw)
                hold = await self._hold(spec.width, spec.height, r)
                spliced = await asyncio.to_thread(_splice_files, raw, hold)
                stream = ffmpeg.input(str(spliced), f="h264", framerate=r)
                await self._mux(spec, [stream], tmp, {"vcodec": "copy", **extra})
            tmp.replace(out)
        finally:
            for leftover in (textfile, tmp, raw, raw.with_suffix(".spliced")):
                leftover.unlink(missing_ok=True)

    async def _mux(
        self, spec: ClipSpec, video: list[Any], tmp: Path, args: dict[str, object]
    ) -> None:
        """Video plus (when the clip has sound) the beep track, into the container."""
        fmt = FORMATS[spec.fmt]
        streams = list(video)
        if spec.audio:
            streams.append(ffmpeg.input(str(await self._beep(spec.seconds, str(fmt["audio"])))))
        sound: dict[str, object] = {"acodec": "copy"} if spec.audio else {"an": None}
        stream = ffmpeg.output(
            *streams, str(tmp), f=str(fmt["muxer"]), t=spec.seconds, **sound, **args
        ).global_args("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
        await self._run(stream.compile(cmd=self.exe))

    async def _pictures(self, spec: ClipSpec, picture: Any, raw: Path) -> None:
        """Each second's picture as one IDR frame, timed at the clip's frame rate."""
        r = max(1, spec.fps)
        # frame n at n/r s; fps= then sets each frame's duration to 1/r (not 1 s), so the
        # output rate conversion repeats nothing
        timed = picture.filter("settb", f"1/{r}").filter("setpts", "N").filter("fps", fps=r)
        stream = ffmpeg.output(
            timed,
            str(raw),
            f="h264",
            r=r,
            **{"frames:v": spec.seconds, "force_key_frames": "expr:1"},
            **h264.x264_args(r),
        ).global_args("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
        await self._run(stream.compile(cmd=self.exe))

    async def _hold(self, width: int, height: int, fps: int) -> Path:
        """One second of a held picture at this size and rate, encoded once per process."""
        slot = (width, height, fps)
        fut = self._holds.get(slot)
        if fut is None or (fut.done() and fut.exception() is not None):
            fut = asyncio.get_running_loop().create_future()
            self._holds[slot] = fut
            try:
                fut.set_result(await self._make_hold(width, height, fps))
            except BaseException as exc:
                fut.set_exception(exc)
                fut.exception()
                raise
        return await fut

    async def _make_hold(self, width: int, height: int, fps: int) -> Path:
        out = self.workdir / f"hold-{width}x{height}-{fps}-v{RENDER_VERSION}.h264"
        if out.exists():
            return out
        src = ffmpeg.input(f"color=c=black:s={width}x{height}:r={fps}:d=1", f="lavfi")
        tmp = out.with_name(out.name + ".part")
        stream = ffmpeg.output(
            src, str(tmp), f="h264", **{"frames:v": fps}, **h264.x264_args(fps)
        ).global_args("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
        await self._run(stream.compile(cmd=self.exe))
        tmp.replace(out)
        return out

    @staticmethod
    def _image(path: Path, w: int, h: int) -> Any:
        """An input image fitted inside the frame (letterboxed, never stretched)."""
        return (
            ffmpeg.input(str(path))
            .filter("scale", w, h, force_original_aspect_ratio="decrease")
            .filter("pad", w, h, "(ow-iw)/2", "(oh-ih)/2")
            .filter("setsar", 1)
        )

    def _picture(
        self, spec: ClipSpec, first: Path | None, last: Path | None, textfile: Path
    ) -> Any:
        """One drawn frame per second (the picture; repeats are added later)."""
        w, h, d = spec.width, spec.height, spec.seconds
        video = ffmpeg.input(f"color=c={spec.background}:s={w}x{h}:r=1:d={d}", f="lavfi")
        frames = [(p, when) for p, when in ((first, "lt(t,1)"), (last, f"gte(t,{d - 1})")) if p]
        images = [self._image(p, w, h) for p in {p: None for p, _ in frames}]
        if len(frames) == 2 and len(images) == 1:  # one image opens and closes the clip
            both = images[0].filter_multi_output("split")
            images = [both[0], both[1]]
        for img, (_, when) in zip(images, frames, strict=True):
            video = ffmpeg.overlay(video, img, enable=when, eof_action="repeat")
        size = max(12, min(w, h) // 24)
        video = video.drawtext(
            fontfile=_font_path(),
            textfile=str(textfile),
            fontsize=size,
            fontcolor="white",
            x=size,
            y=size,
            line_spacing=size // 3,
            box=1,
            boxcolor="black@0.45",
            boxborderw=size // 3,
        ).drawtext(
            fontfile=_font_path(),
            textfile=str(self._counter_file()),
            fontsize=size * 4,
            fontcolor="white",
            x="(w-tw)/2",
            y="(h-th)/2",
            expansion="normal",
        )
        return video.filter("format", "yuv420p")

    def _counter_file(self) -> Path:
        # Kept in a file: ffmpeg-python would escape the '%' of an inline text expansion.
        path = self.workdir / "counter.txt"
        if not path.exists():
            path.write_text("%{eif:t:d} s")
        return path

    async def _beep(self, seconds: int, kind: str) -> Path:
        """The beep track for ``seconds``, encoded once per process and duration."""
        slot = (seconds, kind)
        fut = self._beeps.get(slot)
        if fut is None or (fut.done() and fut.exception() is not None):
            fut = asyncio.get_running_loop().create_future()
            self._beeps[slot] = fut
            try:
                fut.set_result(await self._make_beep(seconds, kind))
            except BaseException as exc:
                fut.set_exception(exc)
                fut.exception()  # mark retrieved; the caller re-raises below
                raise
        return await fut

    async def _make_beep(self, seconds: int, kind: str) -> Path:
        out = self.workdir / f"beep-{seconds}s-v{RENDER_VERSION}.{kind}"
        if out.exists():
            return out
        rate, codec = (32000, "aac") if kind == "m4a" else (48000, "libopus")
        tone = ffmpeg.input(f"sine=frequency=880:sample_rate={rate}:duration={seconds}", f="lavfi")
        tone = tone.filter("volume", volume=0, enable="gte(mod(t,1),0.15)")
        tmp = out.with_name(out.name + ".part")
        stream = ffmpeg.output(
            tone,
            str(tmp),
            acodec=codec,
            ac=1,
            ar=rate,
            f="ipod" if kind == "m4a" else "ogg",
            **({"b:a": "48k"}),
        ).global_args("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
        await self._run(stream.compile(cmd=self.exe))
        tmp.replace(out)
        return out

    async def _run(self, args: list[str]) -> None:
        """Run ffmpeg in a worker thread: start, wait, kill on timeout or cancellation.

        Not ``asyncio.create_subprocess_exec``: under uvloop (what the server runs) that
        forks inside the event loop, which stalls every request for milliseconds per
        encode in a large process (6 ms measured), while ``subprocess.Popen`` uses vfork
        (0.6 ms), so it is started right here, with no window in which a cancellation
        could lose the process. A cancelled render kills its process; the thread that
        waits for it then ends on its own, so a loop torn down mid-render never waits
        on a child watcher (which could hang the loop's shutdown).
        """
        try:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise RenderError(f"cannot run ffmpeg: {exc}") from None
        try:
            _, err = await asyncio.to_thread(_wait, proc, self.timeout)
        except BaseException:
            proc.kill()  # cancelled: never leave an ffmpeg behind
            raise
        if err is None:
            raise RenderError(f"ffmpeg timed out after {self.timeout:g} s")
        if proc.returncode != 0:
            tail = err.decode(errors="replace").strip().splitlines()[-3:]
            raise RenderError(f"ffmpeg exited {proc.returncode}: {' | '.join(tail)}")


def _splice_files(raw: Path, hold: Path) -> Path:
    """Write the spliced stream beside ``raw``; RenderError if the encodes disagree."""
    try:
        data = h264.splice(raw.read_bytes(), hold.read_bytes())
    except ValueError as exc:
        raise RenderError(str(exc)) from None
    out = raw.with_suffix(".spliced")
    out.write_bytes(data)
    return out


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[None, bytes | None]:
    """(None, stderr) once ``proc`` exits; (None, None) if it was killed for the timeout."""
    try:
        return None, proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, None
