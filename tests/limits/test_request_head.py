"""The request-head limit holds however the head arrives, and its answer is JSON.

A head sent in one write (with its body) was parsed whole before anything counted it,
so 66-100 KB of headers got 200; a URL that long got uvicorn's plain-text ``400
Invalid HTTP request received.``. Both now get the documented 431 in the emulator's
JSON shape; bytes that are not HTTP get a JSON 400. Real uvicorn on loopback, with
the default 64 KiB limit.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.support import running_server

LIMIT = 64 * 1024
BODY = b'{"prompt": "x", "size": "1280x720", "seconds": 4}'


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    config = Config(clock="manual", media_dir=str(tmp_path_factory.mktemp("media")))
    assert config.max_header_bytes == LIMIT
    with running_server(create_app(config, clock=ManualClock())) as url:
        yield int(url.rsplit(":", 1)[1])


def exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` in one write; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        data = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return int(lines[0].split(" ")[1]), headers, body


def post(path: str, extra: bytes = b"") -> bytes:
    return (
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n"
            "Connection: close\r\n"
        ).encode()
        + extra
        + b"\r\n"
        + BODY
    )


T2V = "/v1/models/openai/sora-2/text-to-video"


@pytest.mark.parametrize("size", [66_000, 80_000, 100_000])
def test_oversized_headers_in_one_write_get_the_json_431(port: int, size: int) -> None:
    status, headers, body = exchange(port, post(T2V, b"X-Pad: " + b"a" * size + b"\r\n"))
    assert status == 431
    assert headers["content-type"] == "application/json" and headers["connection"] == "close"
    assert json.loads(body) == {
        "error": "request_head_too_large",
        "message": f"request head larger than {LIMIT} bytes",
    }


@pytest.mark.parametrize("size", [66_000, 100_000])
def test_many_small_headers_in_one_write_count_too(port: int, size: int) -> None:
    pad = b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 90) for i in range(size // 100))
    status, _, body = exchange(port, post(T2V, pad))
    assert status == 431 and json.loads(body)["error"] == "request_head_too_large"


@pytest.mark.parametrize("size", [66_000, 100_000])
def test_an_oversized_url_gets_the_json_431(port: int, size: int) -> None:
    status, headers, body = exchange(port, post(f"{T2V}?q={'u' * size}"))
    assert status == 431, body
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"] == "request_head_too_large"


def test_a_head_within_the_limit_is_served(port: int) -> None:
    status, _, body = exchange(port, post(T2V, b"X-Pad: " + b"a" * 60_000 + b"\r\n"))
    assert status == 200, body
    assert "request_id" in json.loads(body)


def test_bytes_that_are_not_http_get_a_json_400(port: int) -> None:
    status, headers, body = exchange(port, b"\x16\x03\x01\x02\x00 not http at all\r\n\r\n")
    assert status == 400 and headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": "bad_request", "message": "invalid HTTP request"}


def test_the_server_keeps_serving(port: int) -> None:
    exchange(port, post(T2V, b"X-Pad: " + b"a" * 100_000 + b"\r\n"))
    assert httpx.get(f"http://127.0.0.1:{port}/_emulator/health").status_code == 200
