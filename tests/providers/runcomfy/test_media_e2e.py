"""From submit to a downloaded, playable clip: in-process and over a real socket."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.media.probe import decodes, probe
from mock_server.media.synth import ffmpeg_exe
from tests.support import AUTH, beep_envelope, png, running_server

pytestmark = pytest.mark.anyio


async def finished_video(client: httpx.AsyncClient, clock, path: str, body: dict) -> str:
    r = await client.post(path, json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    clock.advance(120)
    result = (
        await client.get(f"/v1/requests/{r.json()['request_id']}/result", headers=AUTH)
    ).json()
    assert result["status"] == "succeeded", result
    return str(result["output"]["video"])


async def test_downloaded_clip_matches_the_request(client, clock, tmp_path: Path) -> None:
    url = await finished_video(
        client,
        clock,
        "/v1/models/openai/sora-2/pro/text-to-video",
        {"prompt": "a lighthouse", "size": "1024x1792", "seconds": 8},
    )
    r = await client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
    assert int(r.headers["content-length"]) == len(r.content)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(r.content)
    info = probe(clip)
    assert (info.video.width, info.video.height, info.video.codec) == (1024, 1792, "h264")
    assert info.audio is not None and info.audio.codec == "aac"
    assert info.duration == pytest.approx(8, abs=0.05)
    assert decodes(clip) == ""
    assert all(beep > 1000 for beep, _ in beep_envelope(clip, 8))


async def test_range_etag_and_head(client, clock) -> None:
    url = await finished_video(
        client, clock, "/v1/models/openai/sora-2/text-to-video", {"prompt": "r"}
    )
    full = await client.get(url)
    etag = full.headers["etag"]
    assert full.headers["accept-ranges"] == "bytes"
    part = await client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == full.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(full.content)}"
    tail = await client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == full.content[-10:]
    beyond = await client.get(url, headers={"Range": f"bytes={len(full.content)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(full.content)}"
    cached = await client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    head = await client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(full.content))


@pytest.mark.parametrize("path", ["/media/../../etc/passwd", "/media/abc.mp4", "/media/%2e%2e"])
async def test_unknown_or_hostile_media_paths_are_404(client, path) -> None:
    r = await client.get(path)
    assert r.status_code == 404


def red_png(tmp_path: Path) -> bytes:
    return png(64, 36, (255, 0, 0))


async def test_image_to_video_with_a_data_uri(client, clock, tmp_path: Path) -> None:
    uri = "data:image/png;base64," + base64.b64encode(red_png(tmp_path)).decode()
    url = await finished_video(
        client,
        clock,
        "/v1/models/openai/sora-2/image-to-video",
        {"prompt": "animate it", "input_reference": uri, "size": "1280x720"},
    )
    clip = tmp_path / "i2v.mp4"
    clip.write_bytes((await client.get(url)).content)
    first = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(clip),
            "-frames:v",
            "1",
            "-vf",
            "scale=4:4",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    r, g, b = first[-3:]
    assert r > 200 and g < 60 and b < 60


async def test_image_to_video_from_the_emulators_own_media_and_a_remote_url(client, clock) -> None:
    video = await finished_video(
        client, clock, "/v1/models/openai/sora-2/text-to-video", {"prompt": "s"}
    )
    # a clip is not an image: the emulator's own media must be an image to be used
    r = await client.post(
        "/v1/models/openai/sora-2/image-to-video",
        json={"prompt": "x", "input_reference": video},
        headers=AUTH,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "input_reference"]
    remote = await finished_video(
        client,
        clock,
        "/v1/models/openai/sora-2/pro/image-to-video",
        {"prompt": "x", "input_reference": "https://example.com/frame.jpg"},
    )
    assert (await client.get(remote)).status_code == 200


def test_real_server_full_lifecycle(tmp_path: Path) -> None:
    app = create_app(
        Config(progression="immediate", media_dir=str(tmp_path / "m"), clock_speed=1.0)
    )
    with running_server(app) as base, httpx.Client(base_url=base, timeout=30) as c:
        r = c.post("/v1/models/openai/sora-2/text-to-video", json={"prompt": "live"}, headers=AUTH)
        assert r.status_code == 200
        links = r.json()
        assert links["status_url"].startswith(base)
        status = c.get(links["status_url"], headers=AUTH).json()
        assert status["status"] == "completed"
        result = c.get(links["result_url"] + "?include_cost=true", headers=AUTH).json()
        assert result["status"] == "succeeded" and result["cost"] == 0.4
        clip = tmp_path / "live.mp4"
        clip.write_bytes(c.get(result["output"]["video"]).content)
        info = probe(clip)
        assert (info.video.width, info.video.height) == (720, 1280)
        assert info.duration == pytest.approx(4, abs=0.05)
