"""Media every worker and host can serve.

Clips are deterministic: a clip's bytes follow from its :class:`ClipSpec`, so only the
spec is shared (``P:media:specs``, key -> JSON) and any worker renders the clip on its
first request into its own media directory. Input images are not deterministic: they
are what a client uploaded, so their bytes are shared in Redis (``P:media:image:<key>``;
at most ``max_body_bytes`` each, the request size limit) and copied to a worker's disk
on first use. Both are written before the job that uses them becomes visible, so a
worker that can read the job can always serve its media.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mock_server.core.codec import dumps, spec_from_doc, spec_to_doc
from mock_server.core.jobs import Job
from mock_server.media.library import MediaLibrary, MediaNotFound
from mock_server.redisstate.conn import Conn

__all__ = ["SharedMedia"]

_IMAGE_EXTS = ("png", "jpg", "webp")


class SharedMedia(MediaLibrary):
    """A :class:`MediaLibrary` whose specs and input images live in Redis too."""

    def __init__(self, root: Path, synth: Any, conn: Conn, **options: Any) -> None:
        super().__init__(root, synth, **options)
        self.conn = conn
        self._specs_key = conn.key("media", "specs")

    def _image_key(self, key: str) -> str:
        return self.conn.key("media", "image", key)

    def known(self, key: str) -> bool:
        # whether another worker registered it is settled by ensure() (404 if not)
        return self.valid_key(key)

    def share(self, pipe: Any, job: Job) -> None:
        """Queue the specs and input image of ``job`` on ``pipe`` (sent before the job
        is inserted)."""
        for out in job.outputs:
            spec = self.spec(out.media_key)
            if spec is not None:
                pipe.hsetnx(self._specs_key, out.media_key, dumps(spec_to_doc(spec)))
        if job.image_key:
            path = self.root / job.image_key
            if path.exists():
                pipe.set(self._image_key(job.image_key), path.read_bytes(), nx=True)

    async def ensure(self, key: str) -> Path:
        if self.valid_key(key) and self.spec(key) is None and not (self.root / key).exists():
            await self._fetch(key)
        return await super().ensure(key)

    async def _fetch(self, key: str) -> None:
        if key.rsplit(".", 1)[-1] in _IMAGE_EXTS:
            await self._fetch_image(key)
            return
        doc = await self.conn.client.hget(self._specs_key, key)
        if doc is None:
            raise MediaNotFound(key)
        spec = spec_from_doc(json.loads(doc))
        if spec.image_key and not (self.root / spec.image_key).exists():
            await self._fetch_image(spec.image_key)
        self.register(spec)

    async def _fetch_image(self, key: str) -> None:
        data = await self.conn.client.get(self._image_key(key))
        if data is None:
            raise MediaNotFound(key)
        path = self.root / key
        tmp = path.with_name(f"{key}.{os.getpid()}.part")
        tmp.write_bytes(data)
        tmp.replace(path)
