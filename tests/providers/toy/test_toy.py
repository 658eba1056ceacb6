"""A provider added with its folder and one line: served with its own paths, error
shapes, settings and hooks, and nothing else in the emulator changed for it."""

from __future__ import annotations

import httpx
import pytest

from mock_server.app import PROVIDERS, create_app, load_config
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.providers import toy
from tests.providers.toy.api import ToyApi, ToySettings

pytestmark = pytest.mark.anyio


def toy_app(config: Config, clock: ManualClock):  # type: ignore[no-untyped-def]
    return create_app(config, clock=clock, providers=[*PROVIDERS, toy.PROVIDER])  # the line


async def call(app, method: str, path: str, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sora.test") as c:
        return await c.request(method, path, **kw)


async def test_its_operations_are_served(config: Config, clock: ManualClock) -> None:
    app = toy_app(config, clock)
    clock.advance(12)
    assert (await call(app, "GET", "/toy/v1/clock")).json() == {"now": clock.now()}
    r = await call(app, "POST", "/toy/v1/echo", json=[1, 2], headers={"x-toy-key": "k"})
    assert r.json() == {"greeting": "hello", "echo": [1, 2]}


async def test_without_its_line_nothing_of_it_is_there(config: Config, clock: ManualClock) -> None:
    app = create_app(config, clock=clock)
    r = await call(app, "GET", "/toy/v1/clock")
    assert (r.status_code, r.json()) == (
        404,
        {"error": "not_found", "message": "GET /toy/v1/clock"},
    )


async def test_errors_on_its_paths_take_its_shape(config: Config, clock: ManualClock) -> None:
    app = toy_app(config, clock)
    r = await call(app, "GET", "/toy/v2/nothing")
    assert (r.status_code, r.json()["toy_error"]) == (404, "no_such_path")
    r = await call(app, "DELETE", "/toy/v1/echo")
    assert (r.status_code, r.json()["toy_error"], r.headers["allow"]) == (
        405,
        "no_such_method",
        "POST",
    )
    r = await call(app, "POST", "/toy/v1/echo", content=b"{", headers={"x-toy-key": "k"})
    assert (r.status_code, r.json()["toy_error"]) == (400, "bad_request")
    r = await call(app, "POST", "/toy/v1/echo", json={})  # no key: a domain error
    assert (r.status_code, r.json()["toy_error"]) == (401, "unauthorized")


async def test_a_body_over_the_limit_gets_its_413(clock: ManualClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = toy_app(Config(clock="manual", media_dir=str(tmp_path), max_body_bytes=10), clock)
    r = await call(app, "POST", "/toy/v1/echo", content=b"x" * 11)
    assert (r.status_code, r.json()["toy_error"]) == (413, "too_big")


async def test_the_journal_names_it(config: Config, clock: ManualClock) -> None:
    app = toy_app(config, clock)
    await call(app, "GET", "/toy/v1/clock")
    (entry,) = (await call(app, "GET", "/_emulator/journal")).json()["entries"]
    assert (entry["path"], entry["provider"]) == ("/toy/v1/clock", "toy")


async def test_its_settings_come_from_the_environment_and_options(
    clock: ManualClock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    providers = [*PROVIDERS, toy.PROVIDER]
    env = {"SORA_MOCK_TOY_GREETING": "ahoy", "SORA_MOCK_CLOCK": "manual"}
    config = load_config(env, providers, media_dir=str(tmp_path))
    assert (config.clock, config.settings(ToySettings).greeting) == ("manual", "ahoy")
    assert load_config(env, providers, toy_greeting="hi").settings(ToySettings).greeting == "hi"
    with pytest.raises(TypeError):
        load_config(env, PROVIDERS, toy_greeting="hi")  # not a setting without the toy
    r = await call(
        toy_app(config, clock), "POST", "/toy/v1/echo", json=0, headers={"x-toy-key": "k"}
    )
    assert r.json()["greeting"] == "ahoy"


async def test_its_start_and_stop_hooks_run_with_the_server(
    config: Config, clock: ManualClock
) -> None:
    app = toy_app(config, clock)
    api = app.state.mounts["toy"].api
    assert isinstance(api, ToyApi)
    async with app.router.lifespan_context(app):
        assert api.events == ["started"]
        assert (await call(app, "GET", "/toy/v1/clock")).status_code == 200
    assert api.events == ["started", "stopped"]
