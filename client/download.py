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
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx

from client._flow import USER_AGENT, Flow, Sleep, Stream
from client.errors import ServerError, TransportError, for_status
from client.policy import RetryPolicy

__all__ = ["Progress", "download_flow"]

Progress = Callable[[int, int | None], None]
_ERROR_TEXT = 120  # characters of an error answer quoted in the exception


def _total(headers: httpx.Headers) -> int | None:
    value = headers.get("content-length")
    return int(value) if value and value.isdigit() else None


class _Target:
    """Where one try's body goes: the ``.part`` file on a 200, else the start of the
    error answer (for the exception's message). Closes the file on exit."""

    def __init__(self, part: Path, on_progress: Progress | None) -> None:
        self.part = part
        self.on_progress = on_progress
        self.out: IO[bytes] | None = None
        self.error = b""
        self.got = 0
        self.total: int | None = None

    def open(self, response: httpx.Response) -> Callable[[bytes], None]:
        if response.status_code != 200:
            return self._keep_error
        self.total = _total(response.headers)
        self.out = self.part.open("wb")
        return self._write

    def _write(self, chunk: bytes) -> None:
        assert self.out is not None
        self.out.write(chunk)
        self.got += len(chunk)
        if self.on_progress is not None:
            self.on_progress(self.got, self.total)

    def _keep_error(self, chunk: bytes) -> None:
        if len(self.error) < 4 * _ERROR_TEXT:
            self.error += chunk

    def __enter__(self) -> _Target:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.out is not None:
            self.out.close()


def _http_error(provider: str, url: str, response: httpx.Response, body: bytes) -> Exception:
    cls = for_status(response.status_code)
    text = body.decode(response.charset_encoding or "utf-8", "replace")[:_ERROR_TEXT]
    text = text or response.reason_phrase
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


def download_flow(
    url: str,
    dest: str | os.PathLike[str],
    provider: str,
    retry: RetryPolicy,
    delay: Callable[[int], float],
    *,
    on_progress: Progress | None = None,
) -> Flow[Path]:
    """Download ``url`` to ``dest``; returns ``dest`` as a Path."""
    path = Path(dest)
    part = path.with_name(path.name + ".part")
    attempt = 0
    while True:
        try:
            with _Target(part, on_progress) as target:
                response = yield Stream(url, {"User-Agent": USER_AGENT}, target.open)
            if response.status_code != 200:
                raise _http_error(provider, url, response, target.error)
            part.replace(path)
            return path
        except (httpx.TransportError, httpx.InvalidURL, ServerError) as exc:
            part.unlink(missing_ok=True)
            _maybe_give_up(exc, attempt, retry, provider, url)
        yield Sleep(delay(attempt))
        attempt += 1
