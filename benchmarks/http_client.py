"""A lean HTTP/1.1 client for the load generator: keep-alive connections over asyncio streams.

The HTTP benchmark's client runs on the same two CPUs as the server it measures, so every CPU
second the client spends is one the server does not get. ``httpx.AsyncClient`` spent about 2 ms
of CPU per request here (10 ms per five-request issuance flow, more than the server's own share
of some endpoints); this client writes each request in one ``write`` and reads the answer with
``Content-Length`` framing, which costs a small fraction of that. A deployment's clients are on
other machines: the lighter the load generator, the closer the figures are to what the server
does with the whole machine.

It covers what the benchmark sends and nothing more: ``GET`` and ``POST`` with a JSON, form or
raw body, HTTP Basic credentials, and answers framed by ``Content-Length`` (RFC 9112 §6.3; the
service frames every answer so). Anything else (a chunked answer, a closed connection, a
malformed status line) raises an ``httpx.TransportError`` subclass, so the callers' error
handling is the same as with httpx. The interface is the subset of httpx's that the benchmark
uses (``request``, ``get``, ``post``, ``Response.status_code/headers/content/text/json()``,
``raise_for_status``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json as jsonlib
import urllib.parse
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["LeanClient", "LeanResponse"]

_MAX_HEADER = 64 * 1024


class LeanResponse:
    """An answer: status, lower-cased headers and the body."""

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def raise_for_status(self) -> None:
        if not 200 <= self.status_code < 300:
            raise httpx.HTTPStatusError(
                f"HTTP {self.status_code}: {self.text[:300]}",
                request=httpx.Request("GET", "http://benchmark.invalid/"),
                response=httpx.Response(self.status_code, content=self.content),
            )


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def aclose(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


class LeanClient:
    """Keep-alive connections to one ``base_url`` (``http://host:port``), at most ``limit``."""

    def __init__(self, base_url: str, *, limit: int = 100, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError("the lean client speaks plain HTTP to http://host:port only")
        self._origin = f"http://{parts.hostname}:{parts.port}"
        self._host = parts.hostname
        self._port = parts.port
        self._host_header = f"{parts.hostname}:{parts.port}".encode("ascii")
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(limit)
        self._timeout = timeout

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        while self._idle:
            await self._idle.pop().aclose()

    def _target(self, url: str) -> str:
        if url.startswith(self._origin):
            url = url[len(self._origin) :] or "/"
        if not url.startswith("/"):
            raise httpx.UnsupportedProtocol(f"the lean client serves {self._origin} only: {url}")
        return url

    async def get(self, url: str, **kwargs: Any) -> LeanResponse:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> LeanResponse:
        return await self.request("POST", url, **kwargs)

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> LeanResponse:
        """Send one request on an idle connection (or a new one) and read the answer."""
        fields = dict(headers or {})
        body = b""
        if json is not None:
            body = jsonlib.dumps(json, separators=(",", ":")).encode("utf-8")
            fields.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = urllib.parse.urlencode(data).encode("ascii")
            fields.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif content is not None:
            body = content
        if auth is not None:
            basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            fields["Authorization"] = f"Basic {basic}"
        head = [
            f"{method} {self._target(url)} HTTP/1.1".encode("ascii"),
            b"Host: " + self._host_header,
        ]
        head += [f"{name}: {value}".encode("latin-1") for name, value in fields.items()]
        if body or method == "POST":
            head.append(b"Content-Length: %d" % len(body))
        message = b"\r\n".join(head) + b"\r\n\r\n" + body
        async with self._slots:
            try:
                return await asyncio.wait_for(self._exchange(message), self._timeout)
            except TimeoutError as exc:
                raise httpx.ReadTimeout(f"no answer within {self._timeout} s") from exc

    async def _reusable(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            # The server closes a connection idle past its keep-alive time; the loop has seen
            # its end of file by now, so such a connection is dropped, not written to.
            if connection.reader.at_eof() or connection.writer.is_closing():
                await connection.aclose()
                continue
            return connection
        return None

    async def _exchange(self, message: bytes) -> LeanResponse:
        connection = await self._reusable()
        if connection is None:
            try:
                reader, writer = await asyncio.open_connection(self._host, self._port)
            except OSError as exc:
                raise httpx.ConnectError(str(exc)) from exc
            connection = _Connection(reader, writer)
        try:
            connection.writer.write(message)
            response, keep = await _read_response(connection.reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            await connection.aclose()
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            await connection.aclose()
            raise
        if keep:
            self._idle.append(connection)
        else:
            await connection.aclose()
        return response


async def _read_response(reader: asyncio.StreamReader) -> tuple[LeanResponse, bool]:
    """One answer framed by ``Content-Length``; whether the connection stays open."""
    raw = await reader.readuntil(b"\r\n\r\n")
    if len(raw) > _MAX_HEADER:
        raise httpx.RemoteProtocolError("the response header is too large")
    lines = raw[:-4].decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise httpx.RemoteProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise httpx.RemoteProtocolError(f"a malformed header line: {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise httpx.RemoteProtocolError("a chunked answer: the lean client reads Content-Length")
    length = headers.get("content-length")
    if code in ("204", "304") or code.startswith("1"):
        length = "0"  # no body (RFC 9112 §6.3)
    if length is None or not length.isdigit():
        raise httpx.RemoteProtocolError("an answer without Content-Length")
    content = await reader.readexactly(int(length)) if int(length) else b""
    keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    return LeanResponse(int(code), headers, content), keep
