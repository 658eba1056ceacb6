"""An httpx transport over the standard library's ``http.client``, for loopback only.

respx intercepts requests by patching httpcore, which every ordinary httpx transport
uses. The plugin's own requests (the control API, and requests forwarded from an
intercepted host into the emulator) go through this transport instead, so an
interception, ours or an integrator's own ``respx.mock``, can never catch them::

    client = httpx.Client(transport=LoopbackTransport("127.0.0.1", 8123))
    client.get("http://127.0.0.1:8123/_emulator/clock")
"""

from __future__ import annotations

import http.client

import httpx

__all__ = ["LoopbackTransport"]

# headers that describe one connection, not the message
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length"}


class LoopbackTransport(httpx.BaseTransport):
    """Send every request to ``host:port`` whatever its URL says; the ``Host`` header
    (and so the links the emulator writes) stays the request's own."""

    def __init__(self, host: str, port: int, timeout: float = 300.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.putrequest(
                request.method,
                request.url.raw_path.decode("ascii"),
                skip_host=True,
                skip_accept_encoding=True,
            )
            for name, value in request.headers.multi_items():
                if name.lower() not in _HOP_BY_HOP:
                    conn.putheader(name, value)
            if body or request.method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            answer = conn.getresponse()
            content = answer.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from exc
        except ConnectionRefusedError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        finally:
            conn.close()
        headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
        return httpx.Response(answer.status, headers=headers, content=content, request=request)
