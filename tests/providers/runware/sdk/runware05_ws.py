"""Drive the emulator with the official ``runware`` 0.5.x SDK (WebSocket), unmodified.

    PYTHONPATH=.venv/sdks/runware-0.5 python runware05_ws.py WS_URL IMAGE_PATH FAIL_PROMPT

Runs a text-to-video job, an image-to-video job and a failing job at once and prints
one JSON object with what the SDK returned (or raised) for each.
"""

from __future__ import annotations

import asyncio
import json
import sys

from runware import IInputFrame, IVideoInference, IVideoInputs, Runware, RunwareAPIError


async def generate(client: Runware, request: IVideoInference) -> dict[str, object]:
    try:
        ack = await client.videoInference(requestVideo=request)
        videos = await client.getResponse(taskUUID=ack.taskUUID, numberResults=1)
    except RunwareAPIError as exc:
        return {"raised": type(exc).__name__, "code": exc.code, "data": exc.error_data}
    video = videos[0]
    return {
        "ack": type(ack).__name__,
        "type": type(video).__name__,
        "taskUUID": video.taskUUID,
        "status": video.status,
        "videoUUID": video.videoUUID,
        "videoURL": video.videoURL,
        "cost": video.cost,
        "seed": video.seed,
        "videoId": video.outputs.videoId if video.outputs else None,
    }


async def main(url: str, image: str, fail_prompt: str) -> None:
    client = Runware(api_key="sk-runware-sdk-05", url=url)
    await client.connect()
    text = IVideoInference(
        model="openai:3@1",
        positivePrompt="a paper boat drifting down a rainy street",
        width=1280,
        height=720,
        duration=4,
        includeCost=True,
    )
    # A local file: the SDK sends it as a data URI; no width/height (the default size).
    picture = IVideoInference(
        model="openai:3@1",
        positivePrompt="the picture comes alive",
        duration=4,
        inputs=IVideoInputs(frameImages=[IInputFrame(image=image, frame="first")]),
    )
    failing = IVideoInference(
        model="openai:3@1", positivePrompt=fail_prompt, width=720, height=1280, duration=4
    )
    results = await asyncio.gather(
        generate(client, text), generate(client, picture), generate(client, failing)
    )
    await client.disconnect()
    print(json.dumps({"text": results[0], "image": results[1], "failure": results[2]}))


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(*sys.argv[1:4]), 60))
