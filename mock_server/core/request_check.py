"""Checking a request against a model entry (:meth:`ModelOffer.validate`): the prompt,
size, duration, input images and video, number of results and container. Whether a
referenced video exists is the engine's to check: it needs the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.core.errors import InvalidParameter
from mock_server.media.synth import FORMATS

if TYPE_CHECKING:
    from mock_server.core.catalog import ModelOffer
    from mock_server.core.jobs import JobRequest

__all__ = ["MAX_RESULTS", "check_request"]

MAX_RESULTS = 4  # clips per request


def check_request(offer: ModelOffer, req: JobRequest) -> None:
    """Raise :class:`InvalidParameter` unless ``offer`` can run ``req``."""
    has_image = req.image is not None or req.image_ref is not None
    if req.prompt or offer.required("prompt") or not has_image:  # frames may stand in
        _check_prompt(offer, req.prompt)
    if req.size not in offer.sizes:
        raise InvalidParameter(
            "size",
            f"size {req.size} is not supported by {offer.model_id}",
            allowed=offer.size_list,
        )
    if req.seconds not in offer.durations:
        raise InvalidParameter(
            "duration",
            f"duration {req.seconds} is not supported by {offer.model_id}",
            allowed=list(offer.durations),
        )
    if offer.image_input == "required" and not has_image:
        raise InvalidParameter("image", "an input image is required", reason="missing")
    if offer.image_input == "none" and has_image:
        raise InvalidParameter("image", "this model takes no input image", reason="unknown")
    if not 1 <= req.number_results <= MAX_RESULTS:
        raise InvalidParameter(
            "number_results",
            f"number of results must be 1 to {MAX_RESULTS}",
            reason="range",
            allowed=[1, MAX_RESULTS],
        )
    if req.output_format not in FORMATS:
        raise InvalidParameter(
            "output_format",
            f"unsupported output format {req.output_format!r}",
            allowed=sorted(FORMATS),
        )
    if req.video_ref is not None and not offer.video_input:
        raise InvalidParameter("video", "this model takes no input video", reason="unknown")


def _check_prompt(offer: ModelOffer, prompt: str) -> None:
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameter(
            "prompt", "prompt must be valid Unicode text (no lone surrogates)", reason="type"
        ) from None
    if not prompt.strip():
        raise InvalidParameter("prompt", "prompt must not be empty", reason="missing")
    if len(prompt) > offer.prompt_max_chars:
        raise InvalidParameter(
            "prompt",
            f"prompt must be at most {offer.prompt_max_chars} characters",
            reason="too_long",
            allowed=[1, offer.prompt_max_chars],
        )
