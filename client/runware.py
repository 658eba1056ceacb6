"""Runware task API client (REST ``POST /v1``), sync and async.

>>> with RunwareClient(os.environ["RUNWARE_API_KEY"]) as rw:         # the real API
...     job = rw.submit("openai:3@1", "a red kite", duration=4, size="1280x720")
...     video = rw.wait(job.id)              # polls getResponse
...     rw.download(video.url, "kite.mp4")
>>> RunwareClient("any-key", base_url="http://127.0.0.1:8000")       # the emulator

A submit that meets a 429, a 5xx or a dropped connection is resent with the *same*
taskUUID; if the first try had in fact arrived, Runware answers ``conflictTaskUUID``,
which the client takes as "already accepted" (``Submission.resumed``). Runware has no
cancel operation. A base URL without a path (``http://host:port``) gets ``/v1``.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from client._base import Answer, Call, Core
from client._flow import Flow, just, operation
from client._transport import AsyncTransport, SyncTransport
from client.errors import JobFailed, NotReady, for_status
from client.models import JobStatus, State, Submission, Video
from client.policy import parse_retry_after

__all__ = ["DEFAULT_RUNWARE_URL", "AsyncRunwareClient", "RunwareClient"]

DEFAULT_RUNWARE_URL = "https://api.runware.ai/v1"
PROVIDER = "runware"
ENVELOPE = "runware/response"
CONFLICT = "conflictTaskUUID"
_NOT_FOUND = {"taskNotFound", "taskExpired"}
_CODE_STATUS = {
    "invalidApiKey": 401,
    "missingApiKey": 401,
    "unauthorized": 401,
    "forbidden": 403,
    "accountSuspended": 403,
    "insufficientCredits": 402,
    "paymentRequired": 402,
    "rateLimitExceeded": 429,
    "inferenceRateLimitExceeded": 429,
    "taskNotFound": 404,
    "taskExpired": 404,
    "modelNotFound": 404,
    "internalServerError": 500,
    "serviceUnavailable": 503,
}


def _int(value: Any) -> int | None:
    """An integer field, or None when lenient validation let a wrong type through."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _outputs(item: dict[str, Any]) -> dict[str, Any]:
    outputs = item.get("outputs")
    return outputs if isinstance(outputs, dict) else {}


def _size(size: str) -> tuple[int, int]:
    w, sep, h = size.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit():
        raise ValueError(f"size must look like 1280x720, not {size!r}")
    return int(w), int(h)


class _Runware(Core):
    """Runware's operations, written once for the blocking and the async client."""

    provider = PROVIDER
    default_url = DEFAULT_RUNWARE_URL

    def _endpoint(self, base_url: str) -> str:
        path = urlsplit(base_url).path
        return base_url.rstrip("/") + ("/v1" if path in ("", "/") else "")

    def _call(self, tasks: list[dict[str, Any]]) -> Call:
        return Call("POST", self.base_url, tasks, None, "runware/request", ENVELOPE, ENVELOPE)

    def _task(
        self,
        model: str,
        prompt: str,
        duration: float | None,
        size: str | None,
        image: str | None,
        task_uuid: str | None,
        include_cost: bool,
        webhook_url: str | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        task: dict[str, Any] = {
            "taskType": "videoInference",
            "taskUUID": task_uuid or str(uuid.uuid4()),
            "model": model,
            "positivePrompt": prompt,
            "deliveryMethod": "async",
            "includeCost": include_cost,
        }
        if size is not None:
            task["width"], task["height"] = _size(size)
        if duration is not None:
            task["duration"] = duration
        if image is not None:
            task["inputs"] = {"frameImages": [{"image": image, "frame": "first"}]}
        if webhook_url is not None:
            task["webhookURL"] = webhook_url
        task.update(extra)
        return task

    def _errors(self, answer: Answer, task_uuid: str) -> list[dict[str, Any]]:
        body = answer.body if isinstance(answer.body, dict) else {}
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        return [e for e in errors if e.get("taskUUID") in (None, task_uuid)]

    def _raise(self, answer: Answer, errors: list[dict[str, Any]]) -> None:
        first = errors[0] if errors else {}
        code = first.get("code")
        status = answer.status
        if answer.ok:  # a per-task error on HTTP 200: its code says what kind
            status = _CODE_STATUS.get(str(code), 400)
        if not errors and status == 401:
            code = "invalidApiKey"
        message = first.get("message") or answer.text[:200] or f"HTTP {status}"
        parameter = first.get("parameter")
        raise for_status(status)(
            str(message),
            provider=PROVIDER,
            status=status,
            code=code,
            parameter=parameter if isinstance(parameter, str | list) else None,
            allowed=first.get("allowedValues"),
            body=answer.body,
            retry_after=parse_retry_after(answer.headers.get("retry-after")),
        )

    def _items(self, answer: Answer, task_uuid: str) -> list[dict[str, Any]]:
        body = answer.body if isinstance(answer.body, dict) else {}
        data = body.get("data") or []
        return [d for d in data if isinstance(d, dict) and d.get("taskUUID") == task_uuid]

    def _submission(self, task: dict[str, Any], answer: Answer) -> Submission:
        task_uuid, model = task["taskUUID"], task["model"]
        errors = self._errors(answer, task_uuid)
        if errors and all(e.get("code") == CONFLICT for e in errors):
            return Submission(PROVIDER, task_uuid, model, resumed=True, raw=answer.body)
        if errors or not answer.ok:
            self._raise(answer, errors)
        if not self._items(answer, task_uuid):
            self.validator.fail(
                "response",
                ENVELOPE,
                "$.data",
                f"holds no acknowledgement for taskUUID {task_uuid}",
                answer.body,
            )
        return Submission(PROVIDER, task_uuid, model, raw=answer.body)

    def _parse_status(self, answer: Answer, task_uuid: str) -> JobStatus:
        errors = self._errors(answer, task_uuid)
        if not answer.ok or any(e.get("code") in _NOT_FOUND for e in errors):
            self._raise(answer, errors)
        if errors:
            first = errors[0]
            return JobStatus(
                PROVIDER,
                task_uuid,
                State.FAILED,
                "error",
                error_code=first.get("code"),
                error_message=first.get("message"),
                raw=answer.body,
            )
        items = self._items(answer, task_uuid)
        videos = tuple(
            Video(
                PROVIDER,
                task_uuid,
                str(item["videoURL"]),
                cost=float(item["cost"]) if isinstance(item.get("cost"), int | float) else None,
                seed=_int(item.get("seed")),
                video_uuid=item.get("videoUUID"),
                video_id=_outputs(item).get("videoId"),
                raw=item,
            )
            for item in items
            if item.get("videoURL") and item.get("status", "success") == "success"
        )
        if videos:
            return JobStatus(
                PROVIDER,
                task_uuid,
                State.SUCCEEDED,
                "success",
                progress=100,
                videos=videos,
                raw=answer.body,
            )
        running = [i for i in items if i.get("status") == "processing"]
        if running:
            progress = running[0].get("progress")
            return JobStatus(
                PROVIDER,
                task_uuid,
                State.RUNNING,
                "processing",
                progress=_int(progress),
                raw=answer.body,
            )
        # Nothing to report yet: Runware cannot tell "pending" from "unknown" here.
        return JobStatus(PROVIDER, task_uuid, State.QUEUED, "pending", raw=answer.body)

    def _video(self, status: JobStatus) -> Video:
        if status.video is not None:
            return status.video
        if status.state is State.FAILED:
            raise JobFailed(status)
        raise NotReady(status)

    def _poll_call(self, task_uuid: str) -> Call:
        return self._call([{"taskType": "getResponse", "taskUUID": task_uuid}])

    def _submit_flow(
        self,
        /,
        model: str,
        prompt: str,
        *,
        include_cost: bool = True,
        duration: float | None = None,
        size: str | None = None,
        image: str | None = None,
        task_uuid: str | None = None,
        webhook_url: str | None = None,
        **extra: Any,
    ) -> Flow[Submission]:
        """Start a videoInference task (async delivery); ``size`` is ``WIDTHxHEIGHT``,
        ``image`` a first frame (URL, data: URI, base64 or an uploaded image's UUID)."""
        task = self._task(
            model, prompt, duration, size, image, task_uuid, include_cost, webhook_url, extra
        )
        return self._submission(task, (yield from self._send_flow(self._call([task]))))

    def _status_flow(self, job_id: str) -> Flow[JobStatus]:
        """One getResponse poll."""
        return self._parse_status((yield from self._send_flow(self._poll_call(job_id))), job_id)

    def _result_flow(self, job_id: str) -> Flow[Video]:
        """The finished video; raises JobFailed or NotReady otherwise."""
        return self._video((yield from self._status_flow(job_id)))

    def _conclude_flow(self, status: JobStatus) -> Flow[Video]:
        return just(self._video(status))

    submit = operation(_submit_flow)
    status = operation(_status_flow)
    result = operation(_result_flow)


class RunwareClient(SyncTransport, _Runware):
    """Blocking Runware client; options as for :class:`~client._transport.SyncTransport`."""


class AsyncRunwareClient(AsyncTransport, _Runware):
    """The async :class:`RunwareClient` (same options, awaitable methods)."""
