"""Drive the emulator with the official ``runware-sdk`` 1.x (REST or WebSocket), unmodified.

    PYTHONPATH=.venv/sdks/runware-sdk-1 python runware_sdk1.py rest|websocket BASE IMAGE FAIL

``BASE`` is ``http://host:port/v1`` for REST or ``ws://host:port/v1`` for WebSocket.
Sora is no longer in this SDK's bundled model map, so every call names its taskType
(which also keeps the SDK from fetching its model registry over the network).
Prints one JSON object with what the SDK returned (or raised) for each job.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from typing import Any

from runware import Runware, RunwareError


async def generate(client: Runware, params: dict[str, Any]) -> dict[str, Any]:
    try:
        items = await client.run({"taskType": "videoInference", **params})
    except RunwareError as exc:
        return {
            "raised": type(exc).__name__,
            "code": exc.code,
            "message": exc.message,
            "task_uuid": exc.task_uuid,
        }
    return {"count": len(items), "item": items[0]}


async def main(transport: str, base: str, image: str, fail_prompt: str) -> None:
    urls = {"http_base_url": base} if transport == "rest" else {"ws_base_url": base}
    with open(image, "rb") as fh:
        picture = "data:image/png;base64," + base64.b64encode(fh.read()).decode()
    async with Runware(api_key="sk-runware-sdk-1", transport=transport, **urls) as client:
        text = {
            "model": "openai:3@1",
            "positivePrompt": "a glass hummingbird in slow motion",
            "width": 1280,
            "height": 720,
            "duration": 4,
            "includeCost": True,
        }
        moving = {
            "model": "openai:3@2",
            "includeCost": True,
            "positivePrompt": "the picture comes alive",
            "width": 720,
            "height": 1280,
            "duration": 4,
            "inputs": {"frameImages": [{"image": picture, "frame": "first"}]},
        }
        failing = {
            "model": "openai:3@1",
            "positivePrompt": fail_prompt,
            "width": 1280,
            "height": 720,
            "duration": 4,
        }
        results = await asyncio.gather(*(generate(client, p) for p in (text, moving, failing)))
    print(json.dumps({"text": results[0], "image": results[1], "failure": results[2]}))


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(*sys.argv[1:5]), 60))
