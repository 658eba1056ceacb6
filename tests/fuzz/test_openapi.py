"""Schemathesis against the emulator's own ``/openapi.json``, in process (ASGI).

Every RunComfy and Runware REST operation in the document is called with inputs
generated from its schema, valid and invalid alike. Whatever comes in, the answer
is never a 5xx, never carries a stack trace, and every error has the provider's own
shape. Cases: 25 per operation locally, 300 per operation (3,600 in all) under the
Hypothesis ``ci`` profile.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.providers.runware import RunwareSettings
from tests.support import fuzz_examples

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_media = tempfile.mkdtemp(prefix="sora-mock-fuzz-")
# a sync Runware task on a manual clock would be held for the whole sync wait: keep it short
config = Config(
    clock="manual", media_dir=_media, provider_settings=(RunwareSettings(sync_wait=0.05),)
)
app = create_app(config, clock=ManualClock())
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
AUTH = "Bearer sk-fuzz"


def provider_of(path: str) -> str:
    return "runware" if path == "/v1" else "runcomfy"


def check_answer(path: str, status: int, text: str) -> None:
    """No 5xx, no trace, and an error in the provider's own envelope."""
    assert status < 500, f"{status}: {text[:500]}"
    assert "Traceback" not in text and 'File "' not in text, text[:500]
    if status < 400:
        return
    body: Any = json.loads(text)
    if provider_of(path) == "runcomfy":
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


@schema.parametrize()
@settings(
    max_examples=fuzz_examples(25, ci=300),  # per operation: 12 x 300 under the ci profile
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_in_its_providers_shape(case: schemathesis.Case) -> None:
    headers = dict(case.headers or {})
    headers.setdefault("Authorization", AUTH)
    response = case.call(headers=headers)
    check_answer(case.path, response.status_code, response.text)
