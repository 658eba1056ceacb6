"""Clips are rendered when first downloaded, never for a read of a job's state.

* a burst of submits that all succeed costs no encode until a clip is requested;
* the download renders the clip (a real MP4, probed) once, however many ask at once;
* with ``--media-max-mb`` the least recently used clips are deleted and rendered
  again, byte for byte, when asked for;
* with ``--shared-clips`` every job of one model, size, duration and sound shares a
  clip, so a load test costs one encode;
* with immediate progression polls and results answer while ffmpeg hangs, and no
  ffmpeg starts for them;
* only a succeeded job's clip is served, and asking for another renders nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.emulator import Emulator
from mock_server.media.library import MediaLibrary
from mock_server.media.probe import probe
from mock_server.media.synth import ClipSpec, Synthesizer
from tests.conftest import with_config
from tests.limits.fakes import hanging_ffmpeg
from tests.support import AUTH

pytestmark = pytest.mark.anyio
T2V = "/v1/models/openai/sora-2/text-to-video"


async def submit(client: httpx.AsyncClient, prompt: str, seconds: int = 4) -> str:
    body = {"prompt": prompt, "seconds": seconds, "size": "1280x720"}
    response = await client.post(T2V, headers=AUTH, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["request_id"])


async def video_path(client: httpx.AsyncClient, request_id: str) -> str:
    result = await client.get(f"/v1/requests/{request_id}/result", headers=AUTH)
    assert result.json()["status"] == "succeeded", result.text
    return httpx.URL(result.json()["output"]["video"]).path


async def finished(client: httpx.AsyncClient, clock: ManualClock, prompt: str) -> str:
    """The clip path of a job submitted and then finished by the clock."""
    request_id = await submit(client, prompt)
    clock.advance(3600)
    return await video_path(client, request_id)


async def test_a_burst_of_successes_renders_nothing_until_a_download(
    client: httpx.AsyncClient, emu: Emulator, clock: ManualClock, tmp_path: Path
) -> None:
    ids = [await submit(client, f"kite {i}") for i in range(12)]
    clock.advance(3600)
    await emu.engine.tick()  # scheduled events move every job to succeeded
    polls = await asyncio.gather(
        *(client.get(f"/v1/requests/{i}/status", headers=AUTH) for i in ids)
    )
    assert [p.json()["status"] for p in polls] == ["completed"] * 12
    paths = [await video_path(client, i) for i in ids]
    assert len(set(paths)) == 12  # one clip per job, each already named
    assert emu.media.stats.encodes == 0

    downloads = await asyncio.gather(*(client.get(paths[0]) for _ in range(4)))
    assert {d.status_code for d in downloads} == {200}
    assert emu.media.stats.encodes == 1  # single flight: four asked, one rendered
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(downloads[0].content)
    info = probe(clip)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 1280, 720)
    assert info.duration == pytest.approx(4, abs=0.05)
    assert info.audio is not None and info.audio.codec == "aac"
    assert info.audio.duration == pytest.approx(4, abs=0.05)


async def test_only_a_succeeded_jobs_clip_is_served_and_others_render_nothing(
    client: httpx.AsyncClient, emu: Emulator, clock: ManualClock
) -> None:
    path = await finished(client, clock, "finished")
    waiting = await submit(client, "still queued")
    (out,) = (await emu.engine.find(waiting)).outputs  # type: ignore[union-attr]
    assert (await client.get(f"/media/{out.media_key}")).status_code == 404
    cancelled = await submit(client, "cancelled")
    assert (await client.post(f"/v1/requests/{cancelled}/cancel", headers=AUTH)).is_success
    (gone,) = (await emu.engine.find(cancelled)).outputs  # type: ignore[union-attr]
    assert (await client.get(f"/media/{gone.media_key}")).status_code == 404
    assert emu.media.stats.encodes == 0
    assert (await client.get(path)).status_code == 200
    assert emu.media.stats.encodes == 1


async def test_a_revalidation_is_answered_without_rendering(
    client: httpx.AsyncClient, emu: Emulator, clock: ManualClock
) -> None:
    path = await finished(client, clock, "cached by the client")
    etag = f'"{path.rsplit("/", 1)[-1].split(".")[0]}"'
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    assert emu.media.stats.encodes == 0  # the key names the bytes: nothing to render
    fresh = await client.get(path)
    assert fresh.status_code == 200 and fresh.headers["etag"] == etag
    assert emu.media.stats.encodes == 1


async def test_evicted_clips_render_again_byte_for_byte(tmp_path: Path) -> None:
    library = MediaLibrary(tmp_path, Synthesizer(tmp_path), max_bytes=1)
    first = library.register(ClipSpec(640, 360, 2, "mp4", ("first",), 1))
    second = library.register(ClipSpec(640, 360, 2, "mp4", ("second",), 2))
    original = await library.read(first)
    await library.read(second)
    assert not (tmp_path / first).exists()  # over the bound: the least recent went
    assert (tmp_path / second).exists()  # the newest always stays
    assert library.stats.evictions == 1
    assert library.disk_bytes == (tmp_path / second).stat().st_size
    again = await library.read(first)
    assert library.stats.encodes == 3
    assert again == original
    assert not (tmp_path / second).exists()


async def test_a_download_that_goes_away_leaves_the_render_to_the_others(
    tmp_path: Path,
) -> None:
    library = MediaLibrary(tmp_path, Synthesizer(tmp_path))
    key = library.register(ClipSpec(640, 360, 2, "mp4", ("shared",), 1))
    leaving = asyncio.create_task(library.ensure(key))
    staying = asyncio.create_task(library.ensure(key))
    await asyncio.sleep(0)  # both are waiting on the one render
    leaving.cancel()
    path = await staying
    assert leaving.cancelled() and path.exists()
    assert (library.stats.encodes, library.stats.failures) == (1, 0)
    assert probe(path).duration == pytest.approx(2, abs=0.05)


class TestMediaMaxMb:
    @pytest.fixture
    def config(self, config: Config) -> Config:
        return with_config(config, media_max_mb=0.001)  # about 1 kB: one clip at a time

    async def test_a_tiny_bound_evicts_and_renders_again_byte_for_byte(
        self, client: httpx.AsyncClient, emu: Emulator, clock: ManualClock
    ) -> None:
        assert emu.media.max_bytes == 1048
        first, second = await submit(client, "first"), await submit(client, "second")
        clock.advance(3600)
        first_path, second_path = await video_path(client, first), await video_path(client, second)
        original = (await client.get(first_path)).content
        assert (await client.get(second_path)).status_code == 200
        assert emu.media.stats.evictions == 1
        assert not (emu.media.root / first_path.rsplit("/", 1)[-1]).exists()
        again = await client.get(first_path)
        assert again.status_code == 200 and again.content == original
        assert emu.media.stats.encodes == 3
        assert original[4:8] == b"ftyp"


class TestSharedClips:
    @pytest.fixture
    def config(self, config: Config) -> Config:
        return with_config(config, shared_clips=True)

    async def test_many_jobs_share_one_render(
        self, client: httpx.AsyncClient, emu: Emulator, clock: ManualClock, tmp_path: Path
    ) -> None:
        ids = [await submit(client, f"kite {i}") for i in range(6)]
        other = await submit(client, "longer", seconds=8)
        clock.advance(3600)
        paths = {await video_path(client, i) for i in ids}
        assert len(paths) == 1  # one clip for the model, size, duration and sound
        (path,) = paths
        assert path != await video_path(client, other)
        downloads = [await client.get(path) for _ in ids]
        assert {d.status_code for d in downloads} == {200}
        assert emu.media.stats.encodes == 1
        key = path.rsplit("/", 1)[-1]
        spec = emu.media.spec(key)
        assert spec is not None and not any(i in line for line in spec.label for i in ids)
        clip = tmp_path / "shared.mp4"
        clip.write_bytes(downloads[0].content)
        info = probe(clip)
        assert info.duration == pytest.approx(4, abs=0.05) and info.audio is not None


class TestReadsNeverWaitForFfmpeg:
    @pytest.fixture
    def config(self, config: Config, tmp_path: Path) -> Config:
        exe = hanging_ffmpeg(tmp_path, tmp_path / "ffmpeg.log")
        return with_config(config, ffmpeg=str(exe), progression="immediate", encode_timeout=60)

    async def test_immediate_polls_and_results_start_no_ffmpeg(
        self, client: httpx.AsyncClient, tmp_path: Path
    ) -> None:
        ids = [await submit(client, f"kite {i}") for i in range(10)]
        polls = await asyncio.gather(
            *(client.get(f"/v1/requests/{i}/status", headers=AUTH) for i in ids)
        )
        assert [p.json()["status"] for p in polls] == ["completed"] * 10
        results = await asyncio.gather(
            *(client.get(f"/v1/requests/{i}/result", headers=AUTH) for i in ids)
        )
        assert [r.json()["status"] for r in results] == ["succeeded"] * 10
        assert all(r.json()["output"]["video"].endswith(".mp4") for r in results)
        assert not (tmp_path / "ffmpeg.log").exists()  # no ffmpeg ever started
