"""A loopback HTTP server that sends scripted responses, for malformed GitHub responses.

The fake GitHub server models GitHub faithfully, so it cannot send some broken responses:
a `Link` header that points outside the API, a JSON object where a list belongs, an item
with a user id beyond 64 bits. `ScriptedServer` sends exactly the status, headers and
body that a test scripts for a path and query.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class ScriptedResponse:
    """One scripted response. `{base}` in a header value becomes the server's base URL."""

    status: int = 200
    body: Any = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = JSON_TYPE

    def encoded_body(self) -> bytes:
        """Return the body as bytes: bytes and str as given, anything else as JSON."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        script = self.server.script
        with script.lock:
            script.requests.append(self.path)
            scripted = script.routes.get(self.path)
            if isinstance(scripted, list):
                response = scripted.pop(0) if len(scripted) > 1 else scripted[0]
            else:
                response = scripted or ScriptedResponse(404, {"message": "Not Found"})
        body = response.encoded_body()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers:
            self.send_header(name, value.replace("{base}", script.url))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The test reads `ScriptedServer.requests` instead of stderr lines.
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: ScriptedServer


class ScriptedServer:
    """Serves `routes`: request path with query -> a response, or a list sent in turn.

    The last response of a list repeats once the others were sent. Unknown paths get a 404.
    """

    def __init__(self, routes: dict[str, ScriptedResponse | list[ScriptedResponse]]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.url = ""

    @contextmanager
    def serving(self) -> Iterator[ScriptedServer]:
        """Serve on 127.0.0.1 at a free port until the block ends."""
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.script = self
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=5)
