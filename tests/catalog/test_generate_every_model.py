"""``sora-mock generate`` drives every built-in model: for RunComfy, --size and
--duration become the model's own fields (read from its contract) and --field passes any
other; for Runware, they are the task's width, height and duration."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.app import create_app
from mock_server.cli import main
from mock_server.core.catalog import Catalog, ModelOffer
from mock_server.media.probe import probe
from tests.client.conftest import fast_config, png
from tests.support import running_server

CATALOG = Catalog.load()


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with running_server(create_app(fast_config(media))) as base:
        yield base


def generate_args(offer: ModelOffer, size: str, seconds: int, out: Path, url: str) -> list[str]:
    """``sora-mock generate`` for ``offer`` at ``size`` and ``seconds``, with a first
    frame (next to ``out``) where the model requires one."""
    args = ["generate", "--provider", offer.provider, "--model", offer.model_id]
    args += ["--prompt", "a kite", "--size", size, "--duration", str(seconds)]
    args += ["--out", str(out), "--base-url", url, "--poll", "0.05", "--quiet"]
    if offer.image_input == "required":
        image = out.with_name("first.png")
        image.write_bytes(png())
        args += ["--image", str(image)]
    return args


@pytest.mark.parametrize("offer", CATALOG.for_provider("runcomfy"), ids=lambda o: o.model_id)
def test_generate_runs_every_model(url, tmp_path, offer, capsys) -> None:
    size, seconds, out = offer.size_list[-1], offer.durations[0], tmp_path / "clip.mp4"
    args = generate_args(offer, size, seconds, out, url)
    if offer.required("last_frame"):
        args += ["--field", f"{offer.fields['last_frame']}=https://example.com/last.png"]
    if offer.audio == "optional":
        args += ["--field", f"{offer.fields['audio']}=false"]
    assert main(args) == 0, capsys.readouterr().err
    info = probe(out)
    expected = size if offer.resolutions or "size" in offer.fields else offer.size_list[0]
    assert f"{info.video.width}x{info.video.height}" == expected
    assert info.duration == pytest.approx(seconds, abs=0.05)
    assert info.video.fps == offer.fps
    assert (info.audio is not None) is (offer.audio == "always")


@pytest.mark.parametrize("offer", CATALOG.for_provider("runware"), ids=lambda o: o.model_id)
def test_generate_runs_every_runware_model(url, tmp_path, offer, capsys) -> None:
    size, seconds, out = offer.size_list[-1], offer.durations[0], tmp_path / "clip.mp4"
    args = generate_args(offer, size, seconds, out, url)
    assert main(args) == 0, capsys.readouterr().err
    info = probe(out)
    assert f"{info.video.width}x{info.video.height}" == size
    assert info.duration == pytest.approx(seconds, abs=0.05)
    assert info.video.fps == offer.fps
    assert (info.audio is not None) is bool(offer.audio_for(None))
