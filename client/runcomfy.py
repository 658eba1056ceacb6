"""RunComfy Model API client (queue: submit, status, result, cancel), sync and async.

>>> with RunComfyClient(os.environ["RUNCOMFY_API_KEY"]) as rc:      # the real API
...     job = rc.submit("openai/sora-2/text-to-video", "a red kite", duration=4)
...     video = rc.wait(job.id)
...     rc.download(video.url, "kite.mp4")
>>> RunComfyClient("any-key", base_url="http://127.0.0.1:8000")      # the emulator

A submit is never resent (the provider has no idempotency key and bills each one);
status, result and cancel are retried on 429, 5xx and connection errors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from client._base import Answer, Call, Core
from client._flow import Flow, operation
from client._transport import AsyncTransport, SyncTransport
from client.errors import JobCancelled, JobFailed, NotReady, for_status
from client.models import CancelResult, JobStatus, State, Submission, Video
from client.policy import parse_retry_after
from contracts import slug

__all__ = ["DEFAULT_RUNCOMFY_URL", "AsyncRunComfyClient", "RunComfyClient"]

DEFAULT_RUNCOMFY_URL = "https://model-api.runcomfy.net"
PROVIDER = "runcomfy"
ERROR = "runcomfy/error"

_STATES = {
    "in_queue": State.QUEUED,
    "in_progress": State.RUNNING,
    "completed": State.SUCCEEDED,
    "succeeded": State.SUCCEEDED,
    "failed": State.FAILED,
    "cancelled": State.CANCELLED,
}
# error_code -> HTTP status, for errors that arrive on HTTP 200
_CODE_STATUS = {400002: 402, 400004: 401, 401001: 401, 403001: 403, 403003: 403}


def _int(value: Any) -> int | None:
    """An integer field, or None when lenient validation let a wrong type through."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _RunComfy(Core):
    """RunComfy's operations, written once for the blocking and the async client."""

    provider = PROVIDER
    default_url = DEFAULT_RUNCOMFY_URL

    def _is_error(self, answer: Answer) -> bool:
        # Some RunComfy APIs answer HTTP 200 with a top-level error_code: still an error.
        return not answer.ok or (isinstance(answer.body, dict) and "error_code" in answer.body)

    def _submit_call(
        self,
        model: str,
        prompt: str,
        duration: int | None,
        size: str | None,
        image: str | None,
        extra: dict[str, Any],
    ) -> Call:
        body = self._model_body(model, prompt, duration, size, image)
        body.update(extra)
        try:
            schema: str | None = self.validator.contracts.runcomfy_submit(model)
        except KeyError:
            known = self.validator.contracts.models(PROVIDER)
            if self.validator.mode == "strict":
                self.validator.fail(
                    "request",
                    "runcomfy/models",
                    "model_id",
                    f"{model!r} is not one of {known}",
                    body,
                )
            schema = None
        url = f"{self.base_url}/v1/models/{quote(model, safe='/')}"
        return Call("POST", url, body, None, schema, "runcomfy/submit-response", ERROR, False)

    def _model_body(
        self, model: str, prompt: str, duration: int | None, size: str | None, image: str | None
    ) -> dict[str, Any]:
        """The submit body in the model's own field names, read from its contract's
        ``x-sora-mock-fields`` (Sora's ``size``/``seconds``/``input_reference`` when
        the model has no contract)."""
        try:
            rule = self.validator.contracts.schema("runcomfy/models")["$defs"][slug(model)]
        except KeyError:
            rule = {}
        fields = {"size": "size", "duration": "seconds", "first_frame": "input_reference"}
        fields |= rule.get("x-sora-mock-fields", {})
        sizes = rule.get("x-sora-mock-sizes", {})
        body: dict[str, Any] = {fields.get("prompt", "prompt"): prompt}
        if size is not None and size in sizes and "size" not in rule.get("x-sora-mock-fields", {}):
            for role, value in sizes[size].items():
                if role in fields:
                    body[fields[role]] = value
        elif size is not None:
            body[fields["size"]] = size
        if duration is not None:
            choices = rule.get("properties", {}).get(fields["duration"], {}).get("enum", [])
            body[fields["duration"]] = f"{duration}s" if f"{duration}s" in choices else duration
        if image is not None:
            body[fields["first_frame"]] = image
        return body

    def _request_call(self, request_id: str, leaf: str, schema: str, method: str = "GET") -> Call:
        url = f"{self.base_url}/v1/requests/{quote(request_id, safe='')}/{leaf}"
        return Call(method, url, response_schema=schema, error_schema=ERROR)

    def _raise(self, answer: Answer) -> None:
        """Raise the APIError an error answer stands for."""
        body = answer.body if isinstance(answer.body, dict) else {}
        code = body.get("error_code")
        message = body.get("error_message") or body.get("message") or answer.text[:200]
        status = answer.status
        if answer.ok:
            status = _CODE_STATUS.get(code, code // 1000) if isinstance(code, int) else 400
        parameter = allowed = None
        detail = body.get("detail")
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            loc = detail[0].get("loc") or []
            parameter = str(loc[-1]) if loc else None
            allowed = (detail[0].get("ctx") or {}).get("expected")
            message = f"{message}: {parameter}: {detail[0].get('msg', '')}"
        raise for_status(status)(
            message or f"HTTP {status}",
            provider=PROVIDER,
            status=status,
            code=code,
            parameter=parameter,
            allowed=allowed,
            body=answer.body,
            retry_after=parse_retry_after(answer.headers.get("retry-after")),
        )

    def _body(self, answer: Answer, schema: str) -> dict[str, Any]:
        if self._is_error(answer):
            self._raise(answer)
        if not isinstance(answer.body, dict):
            self.validator.fail("response", schema, "$", "is not a JSON object", answer.body)
        return answer.body  # type: ignore[no-any-return]

    def _state(self, body: dict[str, Any], schema: str) -> State:
        state = _STATES.get(str(body.get("status")))
        if state is None:
            self.validator.fail(
                "response", schema, "$.status", f"{body.get('status')!r} is not a known state", body
            )
        return state  # type: ignore[return-value]

    def _submission(self, model: str, answer: Answer) -> Submission:
        body = self._body(answer, "runcomfy/submit-response")
        return Submission(
            PROVIDER,
            str(body.get("request_id")),
            model,
            body.get("status_url"),
            body.get("result_url"),
            body.get("cancel_url"),
            raw=body,
        )

    def _parse_status(self, answer: Answer, schema: str) -> JobStatus:
        body = self._body(answer, schema)
        state = self._state(body, schema)
        videos: tuple[Video, ...] = ()
        output = body.get("output")
        if state is State.SUCCEEDED and isinstance(output, dict):
            urls = [output["video"]] if output.get("video") else list(output.get("videos") or [])
            cost = body.get("cost")
            videos = tuple(
                Video(
                    PROVIDER,
                    str(body.get("request_id")),
                    str(url),
                    cost=float(cost) if isinstance(cost, int | float) else None,
                    model=body.get("model_id"),
                    raw=body,
                )
                for url in urls
            )
        error = body.get("error")
        return JobStatus(
            PROVIDER,
            str(body.get("request_id")),
            state,
            str(body.get("status")),
            queue_position=_int(body.get("queue_position")),
            error_code=(error.get("code") if isinstance(error, dict) else None)
            or ("failed" if state is State.FAILED else None),
            error_message=(error.get("message") if isinstance(error, dict) else error),
            videos=videos,
            raw=body,
        )

    def _video(self, status: JobStatus) -> Video:
        if status.state is State.SUCCEEDED and status.video is not None:
            return status.video
        if status.state is State.SUCCEEDED:
            self.validator.fail(
                "response", "runcomfy/result-response", "$.output", "holds no video URL", status.raw
            )
        if status.state is State.FAILED:
            raise JobFailed(status)
        if status.state is State.CANCELLED:
            raise JobCancelled(status)
        raise NotReady(status)

    def _cancelled(self, answer: Answer) -> CancelResult:
        body = self._body(answer, "runcomfy/cancel-response")
        outcome, status = body.get("outcome"), body.get("status")
        return CancelResult(
            str(body.get("request_id")),
            outcome == "cancelled" or status == "cancelled",
            status,
            outcome,
            raw=body,
        )

    def _submit_flow(
        self,
        /,
        model: str,
        prompt: str,
        *,
        duration: int | None = None,
        size: str | None = None,
        image: str | None = None,
        **extra: Any,
    ) -> Flow[Submission]:
        """Queue a job; ``image`` is an http(s) URL or a data: URI (input_reference)."""
        call = self._submit_call(model, prompt, duration, size, image, extra)
        return self._submission(model, (yield from self._send_flow(call)))

    def _status_flow(self, job_id: str) -> Flow[JobStatus]:
        call = self._request_call(job_id, "status", "runcomfy/status-response")
        return self._parse_status((yield from self._send_flow(call)), "runcomfy/status-response")

    def _result_status_flow(self, job_id: str, *, include_cost: bool = True) -> Flow[JobStatus]:
        """The /result answer as a status (with the video, or the failure's message)."""
        call = self._request_call(job_id, "result", "runcomfy/result-response")
        call.params = {"include_cost": "true"} if include_cost else None
        return self._parse_status((yield from self._send_flow(call)), "runcomfy/result-response")

    def _result_flow(self, job_id: str, *, include_cost: bool = True) -> Flow[Video]:
        """The finished video; raises JobFailed, JobCancelled or NotReady otherwise."""
        return self._video((yield from self._result_status_flow(job_id, include_cost=include_cost)))

    def _cancel_flow(self, job_id: str) -> Flow[CancelResult]:
        """Cancel a queued job (a running one goes on and is billed: ``cancelled`` False)."""
        call = self._request_call(job_id, "cancel", "runcomfy/cancel-response", "POST")
        return self._cancelled((yield from self._send_flow(call)))

    def _conclude_flow(self, status: JobStatus) -> Flow[Video]:
        # /status carries neither the URL nor the failure's reason: /result does.
        return self._video((yield from self._result_status_flow(status.id)))

    submit = operation(_submit_flow)
    status = operation(_status_flow)
    result_status = operation(_result_status_flow)
    result = operation(_result_flow)
    cancel = operation(_cancel_flow)


class RunComfyClient(SyncTransport, _RunComfy):
    """Blocking RunComfy client; options as for :class:`~client._transport.SyncTransport`."""


class AsyncRunComfyClient(AsyncTransport, _RunComfy):
    """The async :class:`RunComfyClient` (same options, awaitable methods)."""
