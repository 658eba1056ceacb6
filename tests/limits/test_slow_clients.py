"""Slow and greedy clients cannot exhaust the server (real uvicorn on loopback).

Slowloris: many connections that send half a request and then nothing. uvicorn's
httptools protocol alone would keep them forever; the emulator's ``request_timeout``
answers 408 and closes them, and meanwhile ordinary requests are still served.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.conftest import with_config
from tests.support import running_server

HALF_OPEN = 200
PARTIAL_HEAD = b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@pytest.fixture
def config(config: Config) -> Config:
    return with_config(config, request_timeout=0.5, max_header_bytes=4096, timeout_keep_alive=0.5)


@pytest.fixture
def server(config: Config) -> Iterator[tuple[str, int]]:
    with running_server(create_app(config, clock=ManualClock())) as url:
        yield url, int(url.rsplit(":", 1)[1])


def read_all(sock: socket.socket, timeout: float = 10) -> bytes:
    """Everything the server sends until it closes the connection (bounded in time)."""
    sock.settimeout(timeout)
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_half_open_connections_do_not_stop_the_server(server: tuple[str, int]) -> None:
    url, port = server
    socks = []
    try:
        for _ in range(HALF_OPEN):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(PARTIAL_HEAD)
            socks.append(sock)
        response = httpx.get(f"{url}/_emulator/health", timeout=10)
        assert response.status_code == 200  # served while 200 requests hang half-sent
        replies = [read_all(sock) for sock in socks]
    finally:
        for sock in socks:
            sock.close()
    # every half-open connection was answered 408 and closed by the server
    assert all(reply.startswith(b"HTTP/1.1 408 Request Timeout") for reply in replies)
    assert b"request not received within 0.5 s" in replies[0]
    assert httpx.get(f"{url}/_emulator/health", timeout=10).status_code == 200


def test_a_connection_that_sends_nothing_is_closed(server: tuple[str, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        assert read_all(sock).startswith(b"HTTP/1.1 408")


def test_a_trickled_body_is_cut_off(server: tuple[str, int]) -> None:
    url, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
            b"Content-Length: 100\r\n\r\n[{"
        )
        assert read_all(sock) == b""  # closed: the app was reading, so no answer is sent
    assert httpx.get(f"{url}/_emulator/health", timeout=10).status_code == 200


def test_an_endless_request_head_gets_431(server: tuple[str, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(PARTIAL_HEAD)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(10):
                sock.sendall(b"y" * 1000)
                time.sleep(0.01)
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 431 Request Header Fields Too Large")
    assert b"request head larger than 4096 bytes" in reply


def test_an_idle_keep_alive_connection_is_closed(server: tuple[str, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = read_all(sock)  # the answer, then the close after timeout_keep_alive
    assert reply.startswith(b"HTTP/1.1 200")
    assert b'"status":"ok"' in reply


def test_limit_concurrency_answers_503_until_connections_free_up(config: Config) -> None:
    config = with_config(config, limit_concurrency=4, request_timeout=30)
    with running_server(create_app(config, clock=ManualClock())) as url:
        port = int(url.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
        try:
            with httpx.Client(timeout=10) as client:
                deadline = time.monotonic() + 10
                response = client.get(f"{url}/_emulator/health")
                while response.status_code != 503 and time.monotonic() < deadline:
                    response = client.get(f"{url}/_emulator/health")  # accepts may lag
                assert response.status_code == 503
                assert response.headers["retry-after"] == "1"
                assert response.json()["error"] == "busy", response.text  # JSON, not plain text
        finally:
            for sock in idle:
                sock.close()
        with httpx.Client(timeout=10) as client:
            deadline = time.monotonic() + 10
            response = client.get(f"{url}/_emulator/health")
            while response.status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.02)
                response = client.get(f"{url}/_emulator/health")
            assert response.status_code == 200
