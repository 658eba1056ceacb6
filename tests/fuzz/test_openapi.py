"""Schemathesis over the emulator's served ``/openapi.json``, on a real socket, offline.

The document is read from a running emulator and every RunComfy and Runware REST
operation in it is called where the document itself says (its ``servers``), with
inputs generated from its schemas, valid and invalid alike, while every connection to
anything but loopback is refused and recorded. So the run shows that

* every request reached the emulator (a document pointing tools at a real provider
  would have them connect elsewhere: refused, recorded, failed);
* no answer is a 5xx, none holds Python exception text (a message of a built-in
  exception, a traceback), and every error body is JSON in the provider's own shape.

Cases: 25 per operation locally, 100 per operation under the Hypothesis ``ci`` profile
(one operation per model page, so the total grows with the catalog: 3,500 for 35).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from contracts.openapi import build_openapi
from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.providers.runware import RunwareSettings
from tests.fuzz.answers import assert_clean_error
from tests.support import fuzz_examples, running_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
AUTH = "Bearer sk-fuzz"


class Offline:
    """``socket.connect`` and name lookups for loopback only; every other attempt is
    refused and kept (so not even a DNS query leaves the machine)."""

    def __init__(self) -> None:
        self.refused: list[Any] = []
        self._connect = socket.socket.connect
        self._connect_ex = socket.socket.connect_ex
        self._getaddrinfo = socket.getaddrinfo

    def getaddrinfo(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            local = ipaddress.ip_address(name.split("%")[0]).is_loopback
        except ValueError:
            local = host is None or name.lower().rstrip(".") == "localhost"
        if not local:
            self.refused.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: {name!r} is not loopback")
        return self._getaddrinfo(host, *args, **kwargs)

    def loopback(self, sock: socket.socket, address: Any) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True
        try:
            return ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback
        except ValueError:  # a name: connect() would resolve it, so it is not loopback
            return False

    def __enter__(self) -> Offline:
        guard = self

        def connect(sock: socket.socket, address: Any) -> None:
            if not guard.loopback(sock, address):
                guard.refused.append(address)
                raise ConnectionRefusedError(f"offline test: {address!r} is not loopback")
            guard._connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            if not guard.loopback(sock, address):
                guard.refused.append(address)
                return 111  # ECONNREFUSED
            return guard._connect_ex(sock, address)

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = self.getaddrinfo
        return self

    def __exit__(self, *exc: object) -> None:
        socket.socket.connect = self._connect  # type: ignore[method-assign]
        socket.socket.connect_ex = self._connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = self._getaddrinfo


@pytest.fixture(scope="module")
def offline() -> Iterator[Offline]:
    with Offline() as guard:
        yield guard
    assert guard.refused == [], "requests left the machine"


@pytest.fixture(scope="module")
def emulator(offline: Offline, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # a sync Runware task on a manual clock would be held for the whole sync wait: keep it short
    media = str(tmp_path_factory.mktemp("fuzz-media"))
    config = Config(
        clock="manual", media_dir=media, provider_settings=(RunwareSettings(sync_wait=0.05),)
    )
    with running_server(create_app(config, clock=ManualClock())) as url:
        yield url


@pytest.fixture(scope="module")
def served(emulator: str) -> Any:
    return schemathesis.openapi.from_url(f"{emulator}/openapi.json")


# The operations, known before the server runs (the served document lists the same).
OPERATIONS = [
    (method.upper(), path)
    for path, item in build_openapi().get("paths", {}).items()
    for method in item
    if method in ("get", "put", "post", "delete", "patch", "head", "options")
]


def check_answer(path: str, status: int, content_type: str, text: str) -> None:
    """No 5xx, no exception text, and an error in the provider's own envelope."""
    body = assert_clean_error(status, content_type, text)
    if status < 400:
        return
    if path != "/v1":  # RunComfy
        assert isinstance(body, dict), text
        assert isinstance(body.get("error_code"), int), text
        assert isinstance(body.get("error_message"), str), text
        assert "detail" in body, text
    else:
        assert isinstance(body, dict) and isinstance(body.get("errors"), list), text
        assert body["errors"], "an empty errors list is never sent"
        for error in body["errors"]:
            assert isinstance(error.get("code"), str) and error["code"], text
            assert isinstance(error.get("message"), str), text


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_answers_in_its_providers_shape(
    method: str, path: str, served: Any, emulator: str
) -> None:
    operation = served[path][method]
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=fuzz_examples(25, ci=100),  # per operation
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def call(case: schemathesis.Case) -> None:
        headers = dict(case.headers or {})
        headers.setdefault("Authorization", AUTH)
        response = case.call(headers=headers)  # wherever the document sends it
        assert response.request.url.startswith(f"{emulator}/"), response.request.url
        content_type = ",".join(response.headers.get("content-type", []))
        check_answer(case.path, response.status_code, content_type, response.text)
        # and the document tells the truth: every status and media type answered is one
        # the operation documents
        case.validate_response(response, checks=[status_code_conformance, content_type_conformance])

    call()
