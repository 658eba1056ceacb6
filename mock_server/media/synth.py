"""Synthesise real, playable clips with ffmpeg (via ffmpeg-python).

What a clip looks like: a solid background whose colour comes from the seed, the
job's label (job id, model, seed, size) and a running second counter, one frame per
second. What it sounds like: a 150 ms beep at the start of every second, in sync with
the counter. An image-to-video job shows its input image as the opening frame.

The audio track is encoded once per duration and copied into each clip, because AAC
encoding dominates the cost of a short clip (see bench/). 32 kHz audio makes 4/8/12 s
durations exact: 32000 * D / 1024 is a whole number of AAC frames.
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

import ffmpeg

__all__ = ["FORMATS", "ClipSpec", "RenderError", "Synthesizer", "ffmpeg_exe"]

RENDER_VERSION = 1  # bump when the picture or encoding changes: it is part of every key

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
        workdir.mkdir(parents=True, exist_ok=True)

    async def render(self, spec: ClipSpec, image_path: Path | None, out: Path) -> None:
        """Write the clip for ``spec`` to ``out`` (atomically)."""
        fmt = FORMATS[spec.fmt]
        beep = await self._beep(spec.seconds, str(fmt["audio"]))
        textfile = self.workdir / f"{out.name}.txt"
        textfile.write_text("\n".join(spec.label))
        w, h, d = spec.width, spec.height, spec.seconds
        video = ffmpeg.input(f"color=c={spec.background}:s={w}x{h}:r=1:d={d}", f="lavfi")
        if image_path is not None:
            img = (
                ffmpeg.input(str(image_path))
                .filter("scale", w, h, force_original_aspect_ratio="decrease")
                .filter("pad", w, h, "(ow-iw)/2", "(oh-ih)/2")
                .filter("setsar", 1)
            )
            video = ffmpeg.overlay(video, img, enable="lt(t,1)", eof_action="repeat")
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
        audio = ffmpeg.input(str(beep))
        tmp = out.with_name(out.name + ".part")
        vcodec: dict[str, object]
        if spec.fmt == "webm":
            vcodec = {"vcodec": "libvpx-vp9", "deadline": "realtime", "cpu-used": 8, "b:v": "200k"}
        else:
            vcodec = {"vcodec": "libx264", "preset": "ultrafast", "tune": "stillimage"}
        extra: dict[str, object] = {"movflags": "+faststart"} if fmt["faststart"] else {}
        stream = ffmpeg.output(
            video,
            audio,
            str(tmp),
            f=str(fmt["muxer"]),
            pix_fmt="yuv420p",
            acodec="copy",
            t=d,
            r=1,
            g=d,
            **vcodec,
            **extra,
        ).global_args("-hide_banner", "-loglevel", "error", "-nostdin", "-y")
        try:
            await self._run(stream.compile(cmd=self.exe))
            tmp.replace(out)
        finally:
            textfile.unlink(missing_ok=True)
            tmp.unlink(missing_ok=True)

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


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[None, bytes | None]:
    """(None, stderr) once ``proc`` exits; (None, None) if it was killed for the timeout."""
    try:
        return None, proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, None
