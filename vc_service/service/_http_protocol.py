"""The HTTP/1.1 protocol of ``chancery serve``: uvicorn's httptools one, with Nagle's algorithm off.

With several workers, uvicorn binds the listening socket itself (``socket.socket(family)``, so
its ``proto`` is 0) and hands it to every worker; asyncio only sets ``TCP_NODELAY`` on
connections whose socket says ``IPPROTO_TCP``, so these connections kept Nagle's algorithm. On a
kept-alive connection a response written in two segments then waits for the client's delayed
acknowledgement (about 40 ms on Linux) before its second part leaves: every request after the
first on a connection took 44 ms instead of 3. Setting ``TCP_NODELAY`` on each accepted
connection (RFC 896 describes the algorithm; RFC 1122 §4.2.3.2 the delayed acknowledgement it
collides with) removes that wait whatever way the socket was made.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["NoDelayHttpToolsProtocol", "set_nodelay"]


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on ``transport``'s TCP socket (nothing for other sockets)."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # the peer is already gone: nothing to speed up
        return


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (the C parser of Node.js's llhttp), with ``TCP_NODELAY``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)
