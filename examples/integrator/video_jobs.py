"""An integrator's code: make a clip with RunComfy or Runware, with nothing but httpx.

This is the code under test in ``test_video_jobs.py``. It talks to the providers'
real hosts and knows nothing of sora-mock; its tests run it offline, unchanged,
through the ``sora_mock_intercept`` fixture.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

RUNCOMFY = "https://model-api.runcomfy.net"
RUNWARE = "https://api.runware.ai/v1"


class VideoFailed(Exception):
    """The provider finished the job without a video."""


def runcomfy_video(
    prompt: str,
    api_key: str,
    *,
    model: str = "openai/sora-2/text-to-video",
    poll_every: float = 5.0,
    timeout: float = 900.0,
) -> bytes:
    """Submit to RunComfy, poll until done, download the clip (sync httpx)."""
    auth = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=RUNCOMFY, headers=auth, timeout=60) as client:
        submitted = client.post(f"/v1/models/{model}", json={"prompt": prompt, "seconds": 4})
        submitted.raise_for_status()
        job = submitted.json()
        deadline = time.monotonic() + timeout
        while client.get(job["status_url"]).json()["status"] not in ("completed", "failed"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"RunComfy request {job['request_id']} is still running")
            time.sleep(poll_every)
        result = client.get(job["result_url"]).json()
        if result["status"] != "succeeded":
            raise VideoFailed(str(result.get("error", result["status"])))
        video = client.get(result["output"]["video"])
        video.raise_for_status()
        return video.content


async def runware_video(
    prompt: str, api_key: str, *, model: str = "openai:3@1", poll_every: float = 5.0
) -> bytes:
    """Submit to Runware, poll getResponse until done, download the clip (async httpx)."""
    task_uuid = str(uuid.uuid4())
    task: dict[str, Any] = {
        "taskType": "videoInference",
        "taskUUID": task_uuid,
        "model": model,
        "positivePrompt": prompt,
        "width": 1280,
        "height": 720,
        "duration": 4,
    }
    auth = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(headers=auth, timeout=60) as client:
        (await client.post(RUNWARE, json=[task])).raise_for_status()
        while True:
            polled = await client.post(
                RUNWARE, json=[{"taskType": "getResponse", "taskUUID": task_uuid}]
            )
            body = polled.json()
            if body.get("errors"):
                raise VideoFailed(body["errors"][0]["message"])
            item = body["data"][0]
            if item["status"] == "success":
                break
            await asyncio.sleep(poll_every)
        video = await client.get(item["videoURL"])
        video.raise_for_status()
        return video.content
