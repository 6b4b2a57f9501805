"""The benchmark's lean HTTP client against a scripted loopback server.

Each test serves exactly the bytes it needs, so the framing rules are checked one by one: a
``Content-Length`` answer is read and the connection reused, a closed idle connection is not
reused, and answers the client does not frame (chunked, no length, a non-HTTP line) are errors
of httpx's transport family, never a wrong body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from benchmarks.http_client import LeanClient

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _serve(handler: Handler) -> tuple[asyncio.AbstractServer, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head, await reader.readexactly(length)


def test_requests_share_a_kept_alive_connection_and_bodies_arrive_whole() -> None:
    connections = 0
    seen: list[tuple[bytes, bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                head, body = await _read_request(reader)
            except asyncio.IncompleteReadError:
                break
            seen.append((head, body))
            payload = b'{"echo":%d}' % len(body)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def run() -> None:
        server, base = await _serve(handler)
        async with server, LeanClient(base, limit=1) as client:
            first = await client.post("/a", json={"k": "v"}, headers={"X-Test": "1"})
            second = await client.post("/b", data={"x": "1 2"}, auth=("id", "secret"))
            third = await client.get(base + "/c")
        assert (first.status_code, first.json()) == (200, {"echo": len(b'{"k":"v"}')})
        assert second.json() == {"echo": len(b"x=1+2")}
        assert third.text == '{"echo":0}'

    asyncio.run(run())
    assert connections == 1
    assert seen[0][0].startswith(b"POST /a HTTP/1.1\r\n")
    assert b"Content-Type: application/json" in seen[0][0] and b"X-Test: 1" in seen[0][0]
    assert b"Authorization: Basic aWQ6c2VjcmV0" in seen[1][0]
    assert seen[2][0].startswith(b"GET /c HTTP/1.1\r\n")


def test_a_connection_the_server_closed_is_not_reused() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()  # the keep-alive timeout, at once

    async def run() -> None:
        server, base = await _serve(handler)
        async with server, LeanClient(base, limit=1) as client:
            assert (await client.get("/")).text == "ok"
            await asyncio.sleep(0.05)  # let the loop see the close
            assert (await client.get("/")).text == "ok"

    asyncio.run(run())
    assert connections == 2


def _answer_once(answer: bytes, check: Callable[[LeanClient], Awaitable[None]]) -> None:
    """Serve ``answer`` to the first request, then close; run ``check`` with a client."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def run() -> None:
        server, base = await _serve(handler)
        async with server, LeanClient(base) as client:
            await check(client)

    asyncio.run(run())


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "chunked"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nok", "without Content-Length"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n", "malformed header"),
    ],
)
def test_answers_it_cannot_frame_are_transport_errors(answer: bytes, error: str) -> None:
    async def check(client: LeanClient) -> None:
        with pytest.raises(httpx.TransportError, match=error):
            await client.get("/")

    _answer_once(answer, check)


def test_a_connection_closed_mid_answer_is_a_read_error() -> None:
    async def check(client: LeanClient) -> None:
        with pytest.raises(httpx.ReadError):
            await client.get("/")

    _answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", check)


def test_a_no_content_answer_has_an_empty_body_and_errors_raise_for_status() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await _read_request(reader)
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def run() -> None:
        server, base = await _serve(handler)
        async with server, LeanClient(base, limit=1) as client:
            empty = await client.post("/")
            assert (empty.status_code, empty.content) == (204, b"")
            missing = await client.get("/")
            with pytest.raises(httpx.HTTPStatusError, match="404"):
                missing.raise_for_status()

    asyncio.run(run())


def test_only_the_base_origin_is_served() -> None:
    async def run() -> None:
        async with LeanClient("http://127.0.0.1:9") as client:
            with pytest.raises(httpx.UnsupportedProtocol):
                await client.get("https://elsewhere.example/")

    asyncio.run(run())
    with pytest.raises(ValueError, match="plain HTTP"):
        LeanClient("https://127.0.0.1:443")
