"""``GET /media/{key}`` (and ``/media/{stem}/{name}``): clips and images, with
Content-Length, ETag and Range.

A clip is served only once a job that produced it has succeeded (:mod:`.media_access`);
before that, and for a cancelled or failed job, the answer is a 404 like any unknown key.
A clip is rendered on its first request (single flight: concurrent first requests
share one encode); if that fails, the answer is a 503 in the shape of the provider
whose job it is, with no detail of the failure (that goes to the log), and the next
request tries again.

Bytes come from the media library's memory cache; ``Response(bytes)`` is about ten
times faster than ``FileResponse`` for clips of this size (see bench/), which is why
Range is handled here rather than by Starlette's file response.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_server.core.errors import ServiceFault
from mock_server.emulator import Emulator, Provider
from mock_server.http.media_access import MediaAccess
from mock_server.media.library import MediaNotFound, RenderError

__all__ = ["media_routes"]

_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")
RENDER_FAILED = "The video could not be rendered right now; request it again."

log = logging.getLogger("sora_mock.media")


def _not_found() -> Response:
    return JSONResponse({"error": "not_found", "message": "no such media"}, status_code=404)


async def _render_failed(emu: Emulator, providers: Sequence[Provider], key: str) -> Response:
    """503 in the shape of the provider whose job made ``key`` (generic otherwise)."""
    job = await emu.engine.store.job_for_media(key)
    owner = next((p for p in providers if job is not None and p.name == job.provider), None)
    if owner is not None and owner.error is not None:
        response = owner.error(ServiceFault(503, RENDER_FAILED))
        response.status_code = 503
    else:
        response = JSONResponse({"error": "render_failed", "message": RENDER_FAILED}, 503)
    response.headers["Retry-After"] = "1"
    return response


def media_routes(emu: Emulator, providers: Sequence[Provider] = ()) -> list[Route]:
    access = MediaAccess(emu.engine)

    async def get_named_media(request: Request) -> Response:
        """``/media/{stem}/{name}.{ext}``: the clip ``{stem}.{ext}`` under a name of the
        provider's choosing (Runware's URLs end in ``/<videoUUID>.mp4``)."""
        _, dot, ext = str(request.path_params["name"]).rpartition(".")
        return await serve(request, f"{request.path_params['stem']}.{ext}" if dot else "")

    async def get_media(request: Request) -> Response:
        return await serve(request, request.path_params["key"])

    async def serve(request: Request, key: str) -> Response:
        if not emu.media.known(key) or not await access.allows(key):
            return _not_found()
        if not await emu.media_allowed(key):
            return _not_found()
        if not await emu.engine.serves(key):  # its job's ttl ran out
            return _not_found()
        etag = f'"{key.split(".")[0]}"'  # the key names the bytes: no need to read them
        headers = {
            "ETag": etag,
            "Accept-Ranges": "bytes",
            "Cache-Control": "public, max-age=86400, immutable",
        }
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)  # nothing rendered for it
        try:
            data = await emu.media.read(key)
        except MediaNotFound:
            return _not_found()
        except (RenderError, OSError) as exc:
            log.warning("rendering %s failed: %s", key, exc)
            return await _render_failed(emu, providers, key)
        media_type = emu.media.mime(key)
        rng = request.headers.get("range")
        size = len(data)
        if rng and (m := _RANGE.match(rng.strip())) and any(m.groups()):
            first, last = m.groups()
            if first:
                start, end = int(first), min(int(last), size - 1) if last else size - 1
            else:
                start, end = max(0, size - int(last)), size - 1
            if start >= size or start > end:
                headers["Content-Range"] = f"bytes */{size}"
                return Response(status_code=416, headers=headers)
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            body = data[start : end + 1]
            status = 206
        else:
            body, status = data, 200
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(status_code=status, headers=headers, media_type=media_type)
        return Response(body, status_code=status, headers=headers, media_type=media_type)

    return [
        Route("/media/{key}", get_media, methods=["GET", "HEAD"]),
        Route("/media/{stem}/{name}", get_named_media, methods=["GET", "HEAD"]),
    ]
