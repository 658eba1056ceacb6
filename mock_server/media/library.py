"""Content-addressed media: every clip and input image is stored under the hash of
what determines its bytes, so identical requests never encode twice.

* one encode per key at a time (single flight), at most ``max_parallel`` encodes in
  total (a queue, not a pile of ffmpeg processes);
* files live under ``root``; hot ones are kept as bytes in a small LRU so a cached
  download costs no disk read;
* with ``max_bytes`` the rendered clips on disk stay within that many bytes: the least
  recently used are deleted. Clips are deterministic, so an evicted clip is rendered
  again, byte for byte, on its next request. Input images are what clients sent and
  are never evicted.

Nothing is rendered until a clip is asked for (:meth:`MediaLibrary.ensure`):
registering a recipe only names its key. ``stats.encodes`` counts the renders.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.media.synth import FORMATS, ClipSpec, RenderError, Synthesizer

__all__ = ["MediaLibrary", "MediaNotFound", "RenderError", "sniff_image", "wind_down"]

_KEY = re.compile(r"^[0-9a-f]{32}\.(mp4|mov|webm|png|jpg|webp)$")
_CLIP = re.compile(r"^[0-9a-f]{32}\.(mp4|mov|webm)$")
IMAGE_MIME = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


class MediaNotFound(KeyError):
    """No such media key (or a malformed one)."""


def sniff_image(data: bytes) -> str | None:
    """The file extension for PNG, JPEG or WebP bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(slots=True)
class MediaStats:
    encodes: int = 0
    cache_hits: int = 0
    failures: int = 0
    evictions: int = 0


class MediaLibrary:
    """Clips and images by key; renders clips on first use."""

    def __init__(
        self,
        root: Path,
        synth: Synthesizer,
        *,
        max_parallel: int = 2,
        memory_bytes: int = 64 * 1024 * 1024,
        max_bytes: int | None = None,
    ) -> None:
        self.root = root
        self.synth = synth
        root.mkdir(parents=True, exist_ok=True)
        self._specs: dict[str, ClipSpec] = {}
        # key -> recipe, derived on demand (from the job that names it) instead of kept
        self.recipes: Callable[[str], ClipSpec | None] | None = None
        self._inflight: dict[str, asyncio.Task[Path]] = {}  # renders under way, by key
        self._slots = asyncio.Semaphore(max_parallel)
        self._hot: OrderedDict[str, bytes] = OrderedDict()
        self._hot_bytes = 0
        self._memory_bytes = memory_bytes
        self.max_bytes = max_bytes
        self._disk: OrderedDict[str, int] = OrderedDict()  # rendered clip -> size, LRU first
        self._disk_bytes = 0
        self.stats = MediaStats()
        self._adopt_files()

    def _adopt_files(self) -> None:
        """Count the clips a previous run left in ``root`` (oldest first)."""
        found = []
        for path in self.root.iterdir():
            if _CLIP.match(path.name):
                st = path.stat()
                found.append((st.st_mtime, path.name, st.st_size))
        for _, key, size in sorted(found):
            self._note(key, size)
        self._evict()

    # -- registration ---------------------------------------------------------
    def register(self, spec: ClipSpec, *, keep: bool = True) -> str:
        """Remember how to render ``spec``; returns its key (nothing is encoded yet).
        ``keep=False`` only names it: :attr:`recipes` derives it again when needed."""
        key = spec.key()
        if keep:
            self._specs[key] = spec
        return key

    def spec(self, key: str) -> ClipSpec | None:
        found = self._specs.get(key)
        if found is None and self.recipes is not None:
            found = self.recipes(key)
        return found

    def put_image(self, data: bytes) -> str:
        """Store an input image; returns its key. Raises ValueError if not an image."""
        ext = sniff_image(data)
        if ext is None:
            raise ValueError("not a PNG, JPEG or WebP image")
        key = f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}"
        path = self.root / key
        if not path.exists():
            tmp = path.with_name(key + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)
        return key

    def valid_key(self, key: str) -> bool:
        return bool(_KEY.match(key))

    def known(self, key: str) -> bool:
        if not self.valid_key(key):
            return False
        return key in self._specs or (self.root / key).exists() or self.spec(key) is not None

    @staticmethod
    def mime(key: str) -> str:
        ext = key.rsplit(".", 1)[-1]
        if ext in FORMATS:
            return str(FORMATS[ext]["mime"])
        return IMAGE_MIME.get(ext, "application/octet-stream")

    # -- rendering ------------------------------------------------------------
    async def ensure(self, key: str) -> Path:
        """The file for ``key``, rendering it first if needed (single flight)."""
        if not self.valid_key(key):
            raise MediaNotFound(key)
        path = self.root / key
        if path.exists():
            self.stats.cache_hits += 1
            if key in self._disk:
                self._disk.move_to_end(key)
            return path
        task = self._inflight.get(key)
        if task is None:
            spec = self.spec(key)
            if spec is None:
                raise MediaNotFound(key)
            # The render belongs to the library, not to the request that started it: a
            # requester that goes away (a cancelled download) leaves it to the others.
            task = asyncio.ensure_future(self._render(key, spec, path))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._rendered(key, done))
        return await asyncio.shield(task)

    async def _render(self, key: str, spec: ClipSpec, path: Path) -> Path:
        try:
            async with self._slots:
                image = self.root / spec.image_key if spec.image_key else None
                last = self.root / spec.last_image_key if spec.last_image_key else None
                await self.synth.render(spec, image, path, last)
        except asyncio.CancelledError:  # shutdown: waiters get an answer, not a cancel
            self.stats.failures += 1
            raise RenderError("the render was stopped") from None
        except Exception:
            self.stats.failures += 1
            raise
        self.stats.encodes += 1
        self._note(key, path.stat().st_size)
        self._evict()
        return path

    def _rendered(self, key: str, task: asyncio.Task[Path]) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here: every waiter may be gone

    async def aclose(self, grace: float = 30.0) -> None:
        """At shutdown: renders under way get ``grace`` seconds, then are stopped."""
        await wind_down(list(self._inflight.values()), grace)

    def _note(self, key: str, size: int) -> None:
        self._disk_bytes += size - self._disk.pop(key, 0)
        self._disk[key] = size

    def _evict(self) -> None:
        """Delete the least recently used clips until the rest fit in ``max_bytes``
        (the newest always stays, even alone over the bound)."""
        if self.max_bytes is None:
            return
        while self._disk_bytes > self.max_bytes and len(self._disk) > 1:
            key, size = self._disk.popitem(last=False)
            self._disk_bytes -= size
            (self.root / key).unlink(missing_ok=True)
            old = self._hot.pop(key, None)
            if old is not None:
                self._hot_bytes -= len(old)
            self.stats.evictions += 1

    @property
    def disk_bytes(self) -> int:
        """Bytes of rendered clips on disk."""
        return self._disk_bytes

    async def read(self, key: str) -> bytes:
        """The bytes of ``key``; hot keys come from memory."""
        data = self._hot.get(key)
        if data is not None:
            self._hot.move_to_end(key)
            return data
        for _ in range(3):
            path = await self.ensure(key)
            try:
                data = await asyncio.to_thread(path.read_bytes)
                break
            except FileNotFoundError:  # evicted between render and read: render again
                continue
        else:
            raise RenderError("the clip was evicted as fast as it was rendered")
        if len(data) <= self._memory_bytes // 4:
            self._hot[key] = data
            self._hot_bytes += len(data)
            while self._hot_bytes > self._memory_bytes:
                _, old = self._hot.popitem(last=False)
                self._hot_bytes -= len(old)
        return data


async def wind_down(tasks: list[asyncio.Task[Any]], grace: float) -> None:
    """Give ``tasks`` ``grace`` real seconds to finish, then cancel the rest and wait
    (briefly) for them to go (the engine's background work ends the same way)."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5)
