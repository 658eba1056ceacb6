"""Nothing the emulator publishes sends a tool to a real provider.

Tools read ``servers`` (and generated clients take the first one as their default), so
the served OpenAPI document names only the emulator as a server and in every URL-valued
field; the real hosts appear in descriptions, for the reader, and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.anyio

REAL_HOSTS = ("runware.ai", "runcomfy.net", "runcomfy.com", "openai.com")
PROSE = {"description", "summary", "title"}


def strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every (key, string value) pair in a JSON document, at any depth."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item, key)
    elif isinstance(node, str):
        yield key, node


def servers(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "servers":
                yield from v
            else:
                yield from servers(v)
    elif isinstance(node, list):
        for item in node:
            yield from servers(item)


async def test_every_server_in_the_openapi_document_is_the_emulator(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    found = list(servers(doc))
    assert found, "the document names its server"
    for server in found:
        host = urlsplit(server["url"]).hostname
        assert host in (None, "sora.test"), server


async def test_real_hosts_are_named_in_prose_only(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    named = [(k, v) for k, v in strings(doc) if any(h in v for h in REAL_HOSTS)]
    assert named, "the document still tells the reader where the real service is"
    assert {k for k, _ in named} <= PROSE, [p for p in named if p[0] not in PROSE]


async def test_the_websocket_url_is_the_emulators(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert doc["paths"]["/v1"]["x-websocket"]["url"] == "ws://sora.test/v1"


async def test_the_docs_page_links_nowhere_but_the_emulator(client) -> None:
    page = (await client.get("/docs")).text
    for url in re.findall(r"""(?:href|src|action)=["']([^"']+)""", page):
        assert urlsplit(url).hostname in (None, "sora.test"), url
    assert "<code>ws://sora.test/v1</code>" in page
