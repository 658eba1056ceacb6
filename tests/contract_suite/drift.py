"""Check recorded exchanges against the contracts: violations, unknown fields, surprises.

>>> findings = check_exchange(contracts, exchange)   # an exchange as recording.py stores it
>>> [f["kind"] for f in findings]
['violation', 'unknown-field']

Kinds: ``violation`` (a response breaks its contract), ``unknown-field`` (a response
field no contract names: the provider added something), ``refused-valid`` (a request
that satisfies its contract was refused as invalid: the contract or the catalog is out
of date) and ``accepted-invalid`` (a request that breaks its contract was accepted).
"""

from __future__ import annotations

import re
from typing import Any

from contracts import Contracts, slug

__all__ = ["check_exchange", "classify", "unknown_fields"]

_SUBMIT = re.compile(r"/v1/models/(?P<model>.+)$")
_REQUEST = re.compile(r"/v1/requests/[^/]+/(?P<op>status|result|cancel)$")
_RESPONSES = {
    "status": "runcomfy/status-response",
    "result": "runcomfy/result-response",
    "cancel": "runcomfy/cancel-response",
}


def classify(provider: str, method: str, path: str, models: list[str]) -> dict[str, Any]:
    """``{"operation", "request_ref", "response_ref"}`` for a request; refs may be None."""
    if provider == "runware":
        if method == "POST" and path.rstrip("/").endswith("/v1"):
            return {
                "operation": "runware.tasks",
                "request_ref": "runware/request",
                "response_ref": "runware/response",
            }
        return {"operation": "media", "request_ref": None, "response_ref": None}
    if m := _SUBMIT.search(path):
        model = m["model"]
        if method == "POST":
            # a model the catalog does not know has no contract to judge the body by
            ref = f"runcomfy/models#/$defs/{slug(model)}" if model in models else None
            return {
                "operation": "runcomfy.submit",
                "request_ref": ref,
                "response_ref": "runcomfy/submit-response",
            }
        return {
            "operation": "runcomfy.model_info",
            "request_ref": None,
            "response_ref": "runcomfy/model-info",
        }
    if m := _REQUEST.search(path):
        return {
            "operation": f"runcomfy.{m['op']}",
            "request_ref": None,
            "response_ref": _RESPONSES[m["op"]],
        }
    return {"operation": "media", "request_ref": None, "response_ref": None}


def response_ref(exchange: dict[str, Any]) -> str | None:
    """The contract an answer must meet: RunComfy errors have their own envelope."""
    ref = exchange.get("response_ref")
    status = exchange["response"]["status"]
    if ref and ref.startswith("runcomfy/") and not 200 <= status < 300:
        return "runcomfy/error"
    return ref


def check_exchange(contracts: Contracts, exchange: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding about one recorded exchange (see the module docstring)."""
    ref = response_ref(exchange)
    if ref is None:
        return []
    status = exchange["response"]["status"]
    body = exchange["response"].get("json", _MISSING)
    where = {"operation": exchange.get("operation"), "ref": ref, "status": status}
    if body is _MISSING:
        return [{"kind": "violation", "path": "$", "message": "the body is not JSON", **where}]
    found = [
        {"kind": "violation", "path": v.path, "message": v.message, **where}
        for v in contracts.errors(ref, body)
    ]
    found += [
        {"kind": "unknown-field", "path": path, "message": "no contract names it", **where}
        for path in unknown_fields(contracts, ref, body)
    ]
    request_ref = exchange.get("request_ref")
    sent = exchange["request"].get("json", _MISSING)
    if request_ref and sent is not _MISSING and _submits(sent, request_ref):
        valid = not contracts.errors(request_ref, sent)
        if valid and status in (400, 422):
            found.append({"kind": "refused-valid", "path": "$", "message": _why(body), **where})
        elif not valid and status < 300 and not _refused(body):
            found.append({"kind": "accepted-invalid", "path": "$", "message": "accepted", **where})
    return found


_MISSING: Any = object()


def _submits(sent: Any, request_ref: str) -> bool:
    """Whether a request asks for a video (polls and pings are no submits)."""
    if request_ref != "runware/request":
        return True
    tasks = sent if isinstance(sent, list) else []
    return any(isinstance(t, dict) and t.get("taskType") == "videoInference" for t in tasks)


def _refused(body: Any) -> bool:
    return isinstance(body, dict) and bool(body.get("errors"))


def _why(body: Any) -> str:
    if isinstance(body, dict) and body.get("errors"):
        first = body["errors"][0]
        return f"{first.get('code')}: {first.get('message')}"
    if isinstance(body, dict):
        return f"{body.get('error_code')}: {body.get('error_message')}"
    return str(body)[:200]


# -- fields no contract names ---------------------------------------------------------

Node = tuple[Any, Any]  # (schema, its referencing resolver)


def _expand(node: Node, seen: set[int]) -> list[Node]:
    """The schema and every subschema that may apply at the same place (over-approximated)."""
    schema, resolver = node
    if not isinstance(schema, dict) or id(schema) in seen:
        return []
    seen.add(id(schema))
    out = [node]
    if "$ref" in schema:
        found = resolver.lookup(schema["$ref"])
        out += _expand((found.contents, found.resolver), seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            out += _expand((sub, resolver), seen)
    for key in ("then", "else"):
        if key in schema:
            out += _expand((schema[key], resolver), seen)
    return out


def _walk(nodes: list[Node], doc: Any, path: str, out: list[str]) -> None:
    expanded = [n for node in nodes for n in _expand(node, set())]
    if isinstance(doc, list):
        items = [(s["items"], r) for s, r in expanded if isinstance(s.get("items"), dict)]
        for i, item in enumerate(doc):
            _walk(items, item, f"{path}[{i}]", out)
        return
    if not isinstance(doc, dict):
        return
    declared = [(s, r) for s, r in expanded if "properties" in s]
    if not declared or any(isinstance(s.get("additionalProperties"), dict) for s, _ in expanded):
        return  # a free-form object: any key is fine
    for key, value in doc.items():
        subs = [(s["properties"][key], r) for s, r in declared if key in s["properties"]]
        if not subs:
            out.append(f"{path}.{key}")
        else:
            _walk(subs, value, f"{path}.{key}", out)


def unknown_fields(contracts: Contracts, ref: str, document: Any) -> list[str]:
    """JSON paths of object keys in ``document`` that no branch of ``ref`` declares."""
    root = contracts.registry.resolver().lookup(contracts.uri(ref))
    out: list[str] = []
    _walk([(root.contents, root.resolver)], document, "$", out)
    return out
