"""Stream a finished clip to a file, with a progress callback.

>>> path = client.download(video.url, "clip.mp4",
...                        on_progress=lambda got, total: print(got, total))

The file appears atomically (written to ``clip.mp4.part``, then renamed), so a reader
never sees half a clip. Connection errors and 5xx answers restart the download with
the client's retry policy. The request carries no API key: media URLs are public and
often on another host.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO

import httpx

from client.errors import ServerError, TransportError, for_status
from client.policy import RetryPolicy

__all__ = ["Progress", "download", "download_async"]

Progress = Callable[[int, int | None], None]
USER_AGENT = "sora-mock-client/0.1"
_CHUNK = 1 << 16


def _total(headers: httpx.Headers) -> int | None:
    value = headers.get("content-length")
    return int(value) if value and value.isdigit() else None


def _http_error(provider: str, url: str, response: httpx.Response) -> Exception:
    cls = for_status(response.status_code)
    text = response.text[:120] or response.reason_phrase
    return cls(f"download of {url} failed: {text}", provider=provider, status=response.status_code)


def _maybe_give_up(
    exc: Exception, attempt: int, retry: RetryPolicy, provider: str, url: str
) -> None:
    """Re-raise (as a client error) once the retry policy is spent."""
    if attempt + 1 < retry.attempts:
        return
    if isinstance(exc, ServerError):
        raise exc
    raise TransportError(f"{provider}: download of {url} failed: {exc}") from exc


def _write(out: IO[bytes], chunk: bytes, got: int, total: int | None, cb: Progress | None) -> int:
    out.write(chunk)
    got += len(chunk)
    if cb is not None:
        cb(got, total)
    return got


def download(
    http: httpx.Client,
    url: str,
    dest: str | os.PathLike[str],
    *,
    provider: str,
    retry: RetryPolicy,
    delay: Callable[[int], float],
    sleep: Callable[[float], None],
    on_progress: Progress | None = None,
) -> Path:
    """Blocking download of ``url`` to ``dest``; returns ``dest`` as a Path."""
    path = Path(dest)
    part = path.with_name(path.name + ".part")
    attempt = 0
    while True:
        try:
            with http.stream("GET", url, headers={"User-Agent": USER_AGENT}) as resp:
                if resp.status_code != 200:
                    resp.read()
                    raise _http_error(provider, url, resp)
                got, total = 0, _total(resp.headers)
                with part.open("wb") as out:
                    for chunk in resp.iter_bytes(_CHUNK):
                        got = _write(out, chunk, got, total, on_progress)
            part.replace(path)
            return path
        except (httpx.TransportError, httpx.InvalidURL, ServerError) as exc:
            part.unlink(missing_ok=True)
            _maybe_give_up(exc, attempt, retry, provider, url)
        sleep(delay(attempt))
        attempt += 1


async def download_async(
    http: httpx.AsyncClient,
    url: str,
    dest: str | os.PathLike[str],
    *,
    provider: str,
    retry: RetryPolicy,
    delay: Callable[[int], float],
    sleep: Callable[[float], Awaitable[None]],
    on_progress: Progress | None = None,
) -> Path:
    """Async :func:`download`."""
    path = Path(dest)
    part = path.with_name(path.name + ".part")
    attempt = 0
    while True:
        try:
            async with http.stream("GET", url, headers={"User-Agent": USER_AGENT}) as resp:
                if resp.status_code != 200:
                    await resp.aread()
                    raise _http_error(provider, url, resp)
                got, total = 0, _total(resp.headers)
                with part.open("wb") as out:
                    async for chunk in resp.aiter_bytes(_CHUNK):
                        got = _write(out, chunk, got, total, on_progress)
            part.replace(path)
            return path
        except (httpx.TransportError, httpx.InvalidURL, ServerError) as exc:
            part.unlink(missing_ok=True)
            _maybe_give_up(exc, attempt, retry, provider, url)
        await sleep(delay(attempt))
        attempt += 1
