"""``GET /openapi.json`` and ``GET /docs``: the emulator's API, described by the contracts.

The OpenAPI 3.1 document is assembled from ``contracts/`` with the model parts
regenerated from the emulator's *live* catalog, so a ``--catalog`` file that adds a
model or a size shows up here too. ``/docs`` renders the same document as one
self-contained HTML page (no scripts, no external assets: the machine may be offline):
each operation with an example request and the providers' documented responses
(``fixtures/``), webhooks, the control API and media routes with example exchanges, and
every schema as a table of fields.

>>> routes(emu)   # [Route("/openapi.json"), Route("/docs")], registered by app.py
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from contracts import Contracts, model_documents
from contracts.openapi import build_openapi
from mock_server import __version__
from mock_server.control.docs_examples import CONTROL, MEDIA, Example, RouteDoc, provider_examples
from mock_server.control.docs_schema import refs_in, schema_html
from mock_server.core.catalog import Catalog
from mock_server.emulator import Emulator

__all__ = ["catalog_json", "openapi_document", "routes"]

_METHODS = ("get", "post", "put", "delete")
_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:1.5em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
.op{border:1px solid #ddd;border-radius:6px;margin:.8em 0;padding:.6em .9em}
.m{display:inline-block;min-width:4.2em;font-weight:bold;text-transform:uppercase}
.get{color:#0a7}.post{color:#06c}code,pre{font:13px ui-monospace,monospace}
pre{background:#f6f8fa;padding:.8em;overflow:auto;border-radius:4px}
table{border-collapse:collapse}td{padding:.1em .8em .1em 0;vertical-align:top}
a{color:#06c;text-decoration:none}a:hover{text-decoration:underline}small{color:#666}
.ex{margin:.5em 0}.ex pre{margin:.3em 0}details{margin:.2em 0}summary{cursor:pointer}
table.fields{margin:.4em 0 .8em;font-size:14px}table.fields th{text-align:left;color:#555}
table.fields td,table.fields th{border-bottom:1px solid #eee;padding:.2em .8em .2em 0}
"""


def catalog_json(catalog: Catalog) -> dict[str, Any]:
    """The catalog back in its JSON shape, as :func:`contracts.model_documents` reads it."""
    return catalog.to_json()


def openapi_document(
    emu: Emulator, server_url: str, cache: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The OpenAPI document for this emulator's catalog, with ``server_url`` as its server
    (kept in ``cache``, by server URL)."""
    cache = {} if cache is None else cache
    doc = cache.get(server_url)
    if doc is None:
        if len(cache) >= 8:  # one entry per Host seen; keep a stray Host header from growing it
            cache.clear()
        contracts = Contracts.with_overrides(model_documents(catalog_json(emu.catalog)))
        doc = build_openapi(contracts, server_url=server_url, version=__version__)
        cache[server_url] = doc
    return doc


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _schema_link(node: dict[str, Any] | None) -> str:
    ref = (node or {}).get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        return "<code>-</code>"
    name = ref.rsplit("/", 1)[-1]
    return f'<a href="#schema-{_e(name)}"><code>{_e(name)}</code></a>'


def _body_schema(part: dict[str, Any]) -> dict[str, Any] | None:
    content = part.get("content", {}).get("application/json", {})
    schema = content.get("schema")
    return schema if isinstance(schema, dict) else None


def _ref_name(node: dict[str, Any] | None) -> str | None:
    ref = (node or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None


def _closure(schemas: dict[str, Any], names: list[str]) -> set[str]:
    """The components ``names`` are made of (themselves included)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(refs_in(schemas[name]))
    return seen


def _examples(schemas: dict[str, Any], names: list[str]) -> list[Example]:
    wanted = _closure(schemas, names)
    return [ex for ex in provider_examples() if ex.component in wanted]


def _pre(document: Any) -> str:
    text = (
        document
        if isinstance(document, str)
        else json.dumps(document, indent=2, ensure_ascii=False)
    )
    return f"<pre>{_e(text)}</pre>"


def _example_list(title: str, found: list[Example], limit: int = 6) -> str:
    if not found:
        return ""
    items = [
        f"<details{' open' if i == 0 else ''}><summary><code>{_e(ex.name)}</code> "
        f"<small>{_e(ex.source)}</small></summary>{_pre(ex.document)}</details>"
        for i, ex in enumerate(found[:limit])
    ]
    more = f"<small>and {len(found) - limit} more</small>" if len(found) > limit else ""
    return f'<div class="ex"><b>{_e(title)}</b>{"".join(items)}{more}</div>'


def _curl(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> str:
    lines = [f"curl -X {method.upper()} '{url}'"]
    for name, value in (headers or {}).items():
        lines.append(f"  -H '{name}: {value}'")
    if body is not None:
        lines.append(f"  -d '{json.dumps(body)}'")
    return _pre(" \\\n".join(lines))


def _operation(doc: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> str:
    schemas, server = doc["components"]["schemas"], doc["servers"][0]["url"].rstrip("/")
    rows: list[str] = []
    by_component: dict[str, list[str]] = {}
    for code, resp in op.get("responses", {}).items():
        rows.append(
            f"<tr><td>{_e(code)}</td><td>{_schema_link(_body_schema(resp))} "
            f"<small>{_e(resp.get('description', ''))}</small></td></tr>"
        )
        if name := _ref_name(_body_schema(resp)):
            by_component.setdefault(name, []).append(code)
    params = ", ".join(
        f"<code>{_e(p['name'])}</code> ({_e(p['in'])})" for p in op.get("parameters", [])
    )
    request = _ref_name(_body_schema(op.get("requestBody", {})))
    requests = _examples(schemas, [request]) if request else []
    body: Any = requests[0].document if requests else None
    if request and schemas[request].get("type") == "array" and not isinstance(body, list):
        body = [body]  # a single documented task, sent as the array the endpoint takes
    concrete = re.sub(r"\{[^}/]+\}", "e3e70682-c209-4cac-a29f-6fbed82c07cd", path)  # a job id
    headers = {"Authorization": "Bearer YOUR-KEY"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    parts = [
        f'<div class="op" id="op-{_e(op.get("operationId", path))}">'
        f'<span class="m {method}">{method}</span> <code>{_e(path)}</code> '
        f"&mdash; {_e(op.get('summary', ''))}",
        f"<p>{_e(op['description'])}</p>" if op.get("description") else "",
        f"<p>parameters: {params}</p>" if params else "",
        f"<table>{''.join(rows)}</table>",
        '<div class="ex"><b>Example request</b>' + _curl(method, server + concrete, body, headers),
        "</div>",
        _example_list("More request bodies", requests[1:]) if request else "",
    ]
    for name, codes in by_component.items():
        parts.append(
            _example_list(f"Example {name} ({', '.join(codes)})", _examples(schemas, [name]))
        )
    return "".join(parts) + "</div>"


def _route_docs(
    title: str, anchor: str, intro: str, server: str, docs: tuple[RouteDoc, ...]
) -> str:
    parts = [f'<h2 id="{anchor}">{_e(title)}</h2><p>{_e(intro)}</p>']
    for d in docs:
        method = d.method.lower()
        parts.append(
            f'<div class="op"><span class="m {method}">{method}</span> <code>{_e(d.path)}</code> '
            f"&mdash; {_e(d.summary)}"
            '<div class="ex"><b>Example request</b>'
            + _curl(d.method, server + d.path, d.request, _json_headers(d))
            + f"<b>Example response ({d.status})</b>{_pre(d.response)}</div></div>"
        )
    return "".join(parts)


def _json_headers(d: RouteDoc) -> dict[str, str]:
    return {**d.headers, **({"Content-Type": "application/json"} if d.request is not None else {})}


_CONTROL_INTRO = (
    "The emulator's own API (not a provider's). On a loopback address it needs no "
    "credentials; bound anywhere else it wants Authorization: Bearer <admin token>. "
    'Errors are {"error": word, "message": text} with a 4xx status. {job_id} is the '
    "id the provider gave the job when it was submitted."
)
_MEDIA_INTRO = (
    "Clips and input images, by content key: public (no API key), with Content-Length, "
    "ETag and Range support; the providers' result fields (output.video, videoURL) "
    "point here."
)


def render_html(doc: dict[str, Any]) -> str:
    """One static page: each provider's operations with example exchanges, webhooks, the
    control API and media routes, then every schema as a table of fields."""
    server = doc["servers"][0]["url"].rstrip("/")
    schemas = doc["components"]["schemas"]
    tags = [t["name"] for t in doc.get("tags", [])]
    nav = " · ".join(
        f'<a href="#{_e(a)}">{_e(n)}</a>'
        for a, n in [
            *((f"tag-{t}", t) for t in tags),
            ("webhooks", "Webhooks"),
            ("control", "Control API"),
            ("media", "Media"),
            ("schemas", "Schemas"),
        ]
    )
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{_e(doc['info']['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(doc['info']['title'])} <small>{_e(doc['info']['version'])}</small></h1>",
        f"<p>{_e(doc['info'].get('description', ''))}</p>",
        '<p>Machine-readable: <a href="/openapi.json"><code>/openapi.json</code></a> '
        f"(OpenAPI 3.1). Contents: {nav}</p>",
    ]
    for tag in doc.get("tags", []):
        parts.append(
            f'<h2 id="tag-{_e(tag["name"])}">{_e(tag["name"])} '
            f"<small>{_e(tag.get('description', ''))}</small></h2>"
        )
        for path, item in doc["paths"].items():
            for method in _METHODS:
                op = item.get(method)
                if op and tag["name"] in op.get("tags", []):
                    parts.append(_operation(doc, path, method, op))
            ws = item.get("x-websocket")
            if ws and tag["name"] == "Runware":
                frames = [_ref_name(ws["clientFrames"]) or "", _ref_name(ws["serverFrames"]) or ""]
                parts.append(
                    f'<div class="op"><span class="m">ws</span> <code>{_e(ws["url"])}</code> '
                    f"&mdash; client frames {_schema_link(ws['clientFrames'])}, "
                    f"server frames {_schema_link(ws['serverFrames'])}"
                    + _example_list("Example client frames", _examples(schemas, frames[:1]))
                    + _example_list("Example server frames", _examples(schemas, frames[1:]))
                    + "</div>"
                )
    parts.append('<h2 id="webhooks">Webhooks</h2>')
    for name, item in doc.get("webhooks", {}).items():
        op = item["post"]
        body = _ref_name(_body_schema(op["requestBody"]))
        parts.append(
            f'<div class="op"><span class="m post">post</span> <code>{_e(name)}</code> '
            f"&mdash; {_e(op['summary'])}: {_schema_link(_body_schema(op['requestBody']))}"
            + _example_list("Example bodies", _examples(schemas, [body] if body else []))
            + "</div>"
        )
    parts.append(_route_docs("Control API", "control", _CONTROL_INTRO, server, CONTROL))
    parts.append(_route_docs("Media", "media", _MEDIA_INTRO, server, MEDIA))
    parts.append('<h2 id="schemas">Schemas</h2>')
    for name, schema in schemas.items():
        parts.append(
            f'<details id="schema-{_e(name)}"><summary><code>{_e(name)}</code> '
            f"<small>{_e(schema.get('title', ''))}</small></summary>{schema_html(schema)}"
            "</details>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def routes(emu: Emulator) -> list[Route]:
    cache: dict[str, dict[str, Any]] = {}

    def server(request: Request) -> str:
        return emu.base(str(request.base_url))

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(emu, server(request), cache))

    async def docs(request: Request) -> Response:
        return HTMLResponse(render_html(openapi_document(emu, server(request), cache)))

    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
    ]
