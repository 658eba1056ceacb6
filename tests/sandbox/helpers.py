"""Small helpers shared by the sandbox and control-plane tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import free_port  # noqa: F401 - re-exported for the sandbox tests

T2V = "openai/sora-2/text-to-video"
KEY_A = "sk-test-alpha-0001"
KEY_B = "sk-test-bravo-0002"


def auth(key: str = KEY_A, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **extra}


async def submit(
    client: httpx.AsyncClient,
    prompt: str = "a red fox in the snow",
    *,
    key: str = KEY_A,
    seconds: int = 4,
    model: str = T2V,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        f"/v1/models/{model}",
        json={"prompt": prompt, "seconds": seconds},
        headers={**auth(key), **(headers or {})},
    )


async def submit_id(client: httpx.AsyncClient, prompt: str = "a fox", **kw: Any) -> str:
    r = await submit(client, prompt, **kw)
    assert r.status_code == 200, r.text
    return str(r.json()["request_id"])


async def status(client: httpx.AsyncClient, job_id: str, key: str = KEY_A) -> dict[str, Any]:
    r = await client.get(f"/v1/requests/{job_id}/result", headers=auth(key))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def advance(client: httpx.AsyncClient, seconds: float) -> dict[str, Any]:
    r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert r.status_code == 200, r.text
    return dict(r.json())
