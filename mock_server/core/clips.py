"""What each output clip of a job shows: the recipe (:class:`ClipSpec`) whose hash is
its media key. The picture carries a label naming the job, the model, the seed and the
size, so a clip found in a log or a bug report says where it came from.

With ``shared=True`` (``--shared-clips``, for load tests) the label names only the
model, size and duration, so every job of one model, size, duration, sound and format
shares one clip: a burst of jobs costs one encode per combination.
"""

from __future__ import annotations

import sys

from mock_server.core.catalog import ModelOffer
from mock_server.core.jobs import Job
from mock_server.media.synth import ClipSpec

__all__ = ["clip_spec", "recipe_for"]


def clip_spec(job: Job, offer: ModelOffer, index: int, *, shared: bool = False) -> ClipSpec:
    """The recipe of the job's ``index``-th clip (its seed is ``job.seed + index``)."""
    seed = job.seed + index
    model = sys.intern(f"model {offer.title} ({offer.model_id})")  # shared by many jobs
    size = sys.intern(f"size  {job.size}  {job.seconds} s")
    fps, audio = job.fps or offer.fps, job.audio
    if shared:
        pair = (model, size)
        return ClipSpec(
            job.width, job.height, job.seconds, job.output_format, pair, fps=fps, audio=audio
        )
    if job.number_results > 1:
        size = sys.intern(f"{size}  clip {index + 1}/{job.number_results}")
    label = [f"job   {job.id}", model, f"seed  {seed}", size]
    if job.video_ref:
        label.append(f"from  {job.video_ref}")
    image_ref = job.meta.get("image_ref")
    if job.image_key is None and image_ref:
        label.append(f"image {str(image_ref)[:60]} (not fetched)")
    last_ref = job.meta.get("last_image_ref")
    if job.last_image_key is None and last_ref:
        label.append(f"last  {str(last_ref)[:60]} (not fetched)")
    return ClipSpec(
        job.width,
        job.height,
        job.seconds,
        job.output_format,
        tuple(label),
        seed,
        job.image_key,
        fps=fps,
        audio=audio,
        last_image_key=job.last_image_key,
    )


def recipe_for(job: Job, offer: ModelOffer, key: str) -> ClipSpec | None:
    """The recipe of ``job``'s clip named ``key`` (its own or a shared one), derived
    again from the job: the same recipe, so the same key and the same bytes."""
    for index, out in enumerate(job.outputs):
        if out.media_key == key:
            for shared in (False, True):
                spec = clip_spec(job, offer, index, shared=shared)
                if spec.key() == key:
                    return spec
    return None
