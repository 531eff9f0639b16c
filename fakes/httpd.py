"""The HTTP server under the Exchange stand-ins: a thread per connection, each doing its own TLS handshake.

Wrapping the listening socket with TLS (the usual `context.wrap_socket(server.socket)`) makes `accept()` run
every handshake on the server's single accepting thread: one client slow to send its hello (an event loop
busy elsewhere, a process killed at the wrong moment, a loaded machine) held up every other connection, and
with the default backlog of five, connects from the gateway timed out. Here the listening socket stays plain;
each connection's own thread wraps its socket, and a failed handshake only ends that connection.
"""

from __future__ import annotations

import socket
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Server(ThreadingHTTPServer):
    """`ThreadingHTTPServer` with TLS per connection (`tls_context`, set before serving) and a deeper backlog."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: Any) -> None:
        super().__init__(address, handler)
        self.fake = fake
        self.tls_context: ssl.SSLContext | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that hang up or fail the handshake; anything else is reported as usual."""
        if not isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Shakes hands on its own thread when the server has a TLS context."""

    server: Server

    def setup(self) -> None:
        context = self.server.tls_context
        if context is not None and isinstance(self.request, socket.socket):
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if isinstance(self.request, ssl.SSLSocket):
                self.request.close()  # the server closes the plain socket it accepted, now detached
