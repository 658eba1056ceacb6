"""The documented examples (fixtures/) and one representative wrong document per
schema, shared by the contract tests and the OpenAPI tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
U = "24cd5dff-cb81-4db5-8506-b72a9425f9d1"
URL = "https://vm.runware.ai/video/x.mp4"


def documented() -> list[dict[str, Any]]:
    """Every fixture entry: name, schema, source, document."""
    out = []
    for path in sorted(FIXTURES.glob("*/seed_examples.json")):
        for entry in json.loads(path.read_text(encoding="utf-8"))["examples"]:
            out.append({**entry, "file": f"{path.parent.name}/{path.name}"})
    return out


def seed(name: str) -> Any:
    """A fixture document by name (a deep copy, safe to break)."""
    for entry in documented():
        if entry["name"] == name:
            return copy.deepcopy(entry["document"])
    raise KeyError(name)


def _task(**changes: Any) -> dict[str, Any]:
    task = {
        "taskType": "videoInference",
        "taskUUID": U,
        "model": "openai:3@1",
        "positivePrompt": "a red kite",
        "width": 1280,
        "height": 720,
        "duration": 8,
    }
    task.update(changes)
    return {k: v for k, v in task.items() if v is not None}


# schema ref -> (a wrong document, the JSONPath its first violation must name)
WRONG: dict[str, tuple[Any, str]] = {
    "common#/$defs/uuid": ("not-a-uuid", "$"),
    "common#/$defs/uuid4": ("24cd5dff-cb81-1db5-8506-b72a9425f9d1", "$"),
    "common#/$defs/httpUrl": ("ftp://example.com/a.mp4", "$"),
    "common#/$defs/imageReference": ("/home/me/a.png", "$"),
    "common#/$defs/prompt": ("   ", "$"),
    "common#/$defs/timestamp": ("yesterday", "$"),
    "common#/$defs/money": (-0.4, "$"),
    "runware/request": ([], "$"),
    "runware/video-inference-task": (_task(duration=5), "$.duration"),
    "runware/get-response-task": ({"taskType": "getResponse"}, "$.taskUUID"),
    "runware/authentication-task": ({"taskType": "authentication", "apiKey": ""}, "$.apiKey"),
    "runware/ping-task": ({"taskType": "ping", "ping": False}, "$.ping"),
    "runware/models": ({"model": "openai:3@1", "width": 1920, "height": 1080}, "$.height"),
    "runware/models#/$defs/model": ("openai:3@9", "$"),
    "runware/models#/$defs/openai-3-1": ({"width": 1280, "height": 1280}, "$.height"),
    "runware/models#/$defs/openai-3-2": ({"duration": 6}, "$.duration"),
    "runware/response": ({"data": [], "errors": []}, "$.errors"),
    "runware/ack-item": ({"taskType": "videoInference", "taskUUID": U, "status": "x"}, "$.status"),
    "runware/processing-item": (
        {"taskType": "videoInference", "taskUUID": U, "status": "processing", "progress": 140},
        "$.progress",
    ),
    "runware/success-item": (
        {"taskType": "videoInference", "taskUUID": U, "videoUUID": U},
        "$.videoURL",
    ),
    "runware/auth-item": ({"taskType": "authentication"}, "$.connectionSessionUUID"),
    "runware/pong-item": ({"taskType": "ping", "pong": "yes"}, "$.pong"),
    "runware/model-search-task": (
        {"taskType": "modelSearch", "search": "veo", "limit": 0},
        "$.limit",
    ),
    "runware/model-search-item": ({"taskType": "modelSearch", "results": []}, "$.totalResults"),
    "runware/error": ({"code": "timeoutProvider"}, "$.message"),
    "runware/webhook": (
        {"data": [{"taskType": "videoInference", "taskUUID": U, "status": "processing"}]},
        "$.data[0].status",
    ),
    "runware/ws-auth-frame": ({"data": [{"taskType": "ping", "pong": True}]}, "$.data[0].taskType"),
    "runware/ws-pong-frame": ({"data": [{"taskType": "ping"}]}, "$.data[0].pong"),
    "runware/ws-server-frame": ({"data": [{"taskType": "getResponse"}]}, "$.data[0].taskType"),
    "runcomfy/submit-request": ({"prompt": "a kite", "seconds": "eight"}, "$.seconds"),
    "runcomfy/models#/$defs/model": ("openai/sora-3", "$"),
    "runcomfy/models#/$defs/openai-sora-2-text-to-video": (
        {"prompt": "a kite", "size": "1792x1024"},
        "$.size",
    ),
    "runcomfy/models#/$defs/openai-sora-2-image-to-video": ({"prompt": "x"}, "$.input_reference"),
    "runcomfy/models#/$defs/openai-sora-2-pro-text-to-video": (
        {"prompt": "a kite", "seconds": 10},
        "$.seconds",
    ),
    # the current models: one value each schema refuses, in the model's own field names
    "runcomfy/models#/$defs/google-deepmind-veo-3-1-fast-text-to-video": (
        {"prompt": "x", "duration": "5s"},
        "$.duration",
    ),
    "runcomfy/models#/$defs/google-deepmind-veo-3-1-fast-first-last-frame-to-video": (
        {"prompt": "x", "first_frame_url": "https://example.com/a.png"},
        "$.last_frame_url",
    ),
    "runcomfy/models#/$defs/google-deepmind-veo-3-image-to-video": ({"prompt": "x"}, "$.image"),
    "runcomfy/models#/$defs/kling-kling-3-0-standard-text-to-video": (
        {"prompt": "x", "aspect_ratio": "4:3"},
        "$.aspect_ratio",
    ),
    "runcomfy/models#/$defs/kling-kling-3-0-standard-image-to-video": (
        {"prompt": "x", "start_image_url": "https://example.com/a.png", "duration": 16},
        "$.duration",
    ),
    "runcomfy/models#/$defs/bytedance-seedance-2-0-pro": (
        {"prompt": "x", "resolution": "8k"},
        "$.resolution",
    ),
    "runcomfy/models#/$defs/bytedance-seedance-2-0-fast": (
        {"prompt": "x", "resolution": "1080p"},
        "$.resolution",
    ),
    "runcomfy/models#/$defs/wan-ai-wan-2-7-text-to-video": (
        {"prompt": "x", "negative_prompt": "n" * 501},
        "$.negative_prompt",
    ),
    "runcomfy/models#/$defs/wan-ai-wan-2-7-image-to-video": (
        {"prompt": "x", "image_url": "https://example.com/a.png", "duration": 1},
        "$.duration",
    ),
    "runcomfy/models#/$defs/happyhorse-happyhorse-1-0-text-to-video": (
        {"prompt": "x", "resolution": "1080p"},
        "$.resolution",
    ),
    "runcomfy/models#/$defs/happyhorse-happyhorse-1-0-image-to-video": (
        {"prompt": "x", "image_url": "https://example.com/a.png", "seed": -1},
        "$.seed",
    ),
    "runcomfy/models#/$defs/openai-sora-2-pro-image-to-video": (
        {"prompt": "x", "input_reference": "kite.png"},
        "$.input_reference",
    ),
    "runcomfy/submit-response": ({"request_id": "r1", "status_url": "x"}, "$.cancel_url"),
    "runcomfy/status-response": ({"request_id": "r1", "status": "queued"}, "$.status"),
    "runcomfy/result-response": ({"request_id": "r1", "status": "succeeded"}, "$.output"),
    "runcomfy/cancel-response": (
        {"request_id": "r1", "status": "in_queue", "outcome": "maybe"},
        "$.outcome",
    ),
    "runcomfy/error": ({"error_code": "404001", "error_message": "x"}, "$.error_code"),
    "runcomfy/model-info": ({"model_id": "m", "base_price_usd": "0.1"}, "$.base_price_usd"),
    "runcomfy/model-list": ({"models": [], "total": -1}, "$.total"),
    "runcomfy/model-categories": ({"categories": "video"}, "$.categories"),
}
