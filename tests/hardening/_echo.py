"""A hostile server for the hardening tests: it answers every API call with an error that echoes
everything the request carried (headers, URL, body), in the fields each vendor's parser reads, and
in its response headers; token requests get a token unless told to fail (then they echo too)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Echo = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


class EchoServer:
    """State shared with the handler: the status to answer and the token to grant."""

    def __init__(self) -> None:
        self.status = 400
        self.token: str | None = None  # None: token requests fail and echo

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        sent = [f"{name}: {value}" for name, value in headers.items()]
        echoed = " | ".join([method, path, *sent, body.decode("utf-8", "replace")])
        if path.rstrip("/").lower().endswith("token") and self.token is not None:
            return httpx.Response(200, json={"access_token": self.token, "expires_in": 3600})
        payload: dict[str, Any] = {
            "errorCode": 900531,
            "errorMessage": echoed,
            "error": echoed,
            "error_description": echoed,
            "type": "about:blank",
            "title": echoed,
            "detail": echoed,
            "Detail": echoed,
            "message": echoed,
            "status": self.status,
            "problems": [{"name": "x", "description": echoed}],
            "errors": {"x": [echoed]},
        }
        echo_headers = {f"x-echo-{i}": v for i, v in enumerate(headers.values()) if v.isascii()}
        return httpx.Response(self.status, json=payload, headers=echo_headers)

    def handler(self, request: httpx.Request) -> httpx.Response:
        """For ``httpx.MockTransport``."""
        path = request.url.raw_path.decode()
        return self.answer(request.method, path, dict(request.headers), request.read())


@contextmanager
def serve(server: EchoServer) -> Iterator[str]:
    """``server`` on a loopback port; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            response = server.answer(self.command, self.path, dict(self.headers.items()), body)
            content = response.read()
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = relay

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
