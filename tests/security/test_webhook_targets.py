"""No tenant's webhook reaches the emulator itself or any control API.

The attack: a Runware task whose ``webhookURL`` is the emulator's own
``/_emulator/reset`` wipes every tenant's jobs when the webhook is delivered. The
rule (see mock_server/http/webhook_targets.py): the emulator's own listening address
and port, in any spelling, and any ``/_emulator`` path are never a delivery target;
loopback receivers on other ports stay allowed.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.http.webhook_targets import WebhookTargets
from mock_server.http.webhooks import WebhookDispatcher
from tests.providers.runware.helpers import AUTH, LiveServer, Receiver, poll, video_task

PORT = 8123
SELF_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "0x7f.1",
    "0x7f.0.0.1",
    "2130706433",
    "017700000001",
    "127.0.1.1",
    "0.0.0.0",
    "0",
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "localhost",
    "LOCALHOST.",
    "api.localhost",
    "127。0。0。1",  # IDNA full stops: httpx connects to 127.0.0.1
]


def targets(*allowed: str) -> WebhookTargets:
    t = WebhookTargets(allowed or ("*",))
    t.note_listener("127.0.0.1", PORT)
    return t


@pytest.mark.parametrize("host", SELF_SPELLINGS)
def test_every_spelling_of_the_emulators_own_address_is_refused(host: str) -> None:
    reason = targets().refusal(f"http://{host}:{PORT}/v1")
    assert reason == "the URL points at the emulator itself"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "[::1]", "localhost"])
def test_loopback_receivers_on_other_ports_stay_allowed(host: str) -> None:
    assert targets().refusal(f"http://{host}:{PORT + 1}/hooks") is None
    assert targets().refusal(f"http://{host}/hooks") is None  # port 80 is not ours


@pytest.mark.parametrize(
    "path",
    [
        "/_emulator/reset",
        "/_EMULATOR/reset",
        "/%5Femulator/reset",
        "/%255Femulator/reset",
        "/x/../_emulator/reset",
        "/_emulator",
        "//_emulator/faults/chaos",
    ],
)
def test_no_control_path_on_any_host_or_port(path: str) -> None:
    for host in ("127.0.0.1", f"127.0.0.1:{PORT + 7}", "hooks.example"):
        reason = targets().refusal(f"http://{host}{path}")
        assert reason == "the URL points at a control API (/_emulator/)", (host, path)


def test_the_emulators_port_on_its_own_lan_address_is_refused() -> None:
    t = targets()
    t.note_listener("192.168.7.20", 9000)  # a client came in through that interface
    assert t.refusal("http://192.168.7.20:9000/hook") is not None
    assert t.refusal("http://192.168.7.21:9000/hook") is None  # another machine


def test_the_allow_list_and_url_caps_still_apply() -> None:
    t = targets("127.0.0.1", "localhost", "::1")
    assert t.refusal("http://127.1:9999/") == "the host is not allowed (--webhook-hosts)"
    assert t.refusal("https://example.com/") == "the host is not allowed (--webhook-hosts)"
    assert t.refusal("ftp://127.0.0.1:9999/") is not None
    assert t.refusal("http://127.0.0.1:9999/" + "a" * 3000) is not None
    assert t.refusal("http://[::1/") == "not a valid URL"


@pytest.mark.anyio
async def test_a_name_that_resolves_to_loopback_is_refused_before_delivery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def resolve(self: Any, host: str, port: int, *args: Any, **kw: Any) -> list[Any]:
        assert host == "rebind.example"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", resolve)
    t = targets()
    url = f"http://rebind.example:{PORT}/v1"
    assert t.refusal(url) is None  # a name is not resolved at submit time...
    assert await t.refusal_resolved(url) == "the URL points at the emulator itself"
    assert await t.refusal_resolved(f"http://rebind.example:{PORT + 1}/v1") is None


# -- end to end, on a real socket ----------------------------------------------------------


def live(**settings: Any) -> LiveServer:
    config = Config(clock="manual", media_dir="", **settings)
    return LiveServer(create_app(config, clock=ManualClock()))


def test_a_webhook_cannot_reset_the_emulator_whatever_the_spelling() -> None:
    with live(webhook_hosts=("*",)) as server, httpx.Client(base_url=server.url) as http:
        first = str(uuid.uuid4())
        assert http.post("/v1", json=[video_task(first)], headers=AUTH).status_code == 200
        for host in SELF_SPELLINGS:
            for path in ("/_emulator/reset", "/v1", "/media/x.mp4"):
                task = video_task(
                    str(uuid.uuid4()), webhookURL=f"http://{host}:{server.port}{path}"
                )
                r = http.post("/v1", json=[task], headers=AUTH)
                assert r.status_code == 400, (host, path, r.text)
                assert r.json()["errors"][0]["code"] == "invalidWebhookURL"
                assert r.json()["errors"][0]["parameter"] == "webhookURL"
        assert http.post("/_emulator/clock/advance", json={"seconds": 120}).status_code == 200
        done = http.post("/v1", json=[poll(first)], headers=AUTH).json()["data"]
        assert done[0]["status"] == "success"  # nothing was reset
        assert [j["id"] for j in http.get("/_emulator/jobs").json()["jobs"]] == [first]


def test_the_listener_refuses_its_own_dispatcher_even_unrecognised() -> None:
    """Defence behind the rule: before any request, the emulator does not yet know its
    port, so the URL passes the check; its own listener still refuses the delivery."""
    with live() as server:
        hooks: WebhookDispatcher = server.app.state.emulator.webhooks

        async def deliver() -> Any:
            delivery = hooks.submit(f"http://127.0.0.1:{server.port}/v1", [], source="t", ref="r")
            await hooks.wait_for(lambda: delivery.done)
            return delivery

        delivery = server.call(deliver())
        assert delivery.state == "failed"
        (attempt,) = delivery.attempts  # refused, so never retried
        assert attempt.status == 403 and attempt.refused
        assert attempt.error == "refused: the emulator itself answered"


@pytest.mark.anyio
async def test_deliveries_to_a_loopback_receiver_still_arrive() -> None:
    hooks = WebhookDispatcher(ManualClock())
    hooks.targets.note_listener("127.0.0.1", PORT)
    async with Receiver() as target:
        delivery = hooks.submit(target.url, {"data": [1]}, source="t", ref="r")
        await hooks.wait_for(lambda: delivery.done)
        assert await target.received(1) == [{"data": [1]}]
    assert delivery.state == "delivered"
    await hooks.aclose()
