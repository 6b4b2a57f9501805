"""How ``chancery serve`` runs: the connection protocol and where its default database lives."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from vc_service.service._http_protocol import NoDelayHttpToolsProtocol, set_nodelay
from vc_service.service._settings import DEFAULT_DB_URL, Settings


class _Transport(asyncio.Transport):
    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock

    def close(self) -> None:
        self._closed = True

    def is_closing(self) -> bool:
        return getattr(self, "_closed", False)

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {
            "socket": self._sock,
            "peername": ("127.0.0.1", 1),
            "sockname": ("127.0.0.1", 2),
        }.get(name, default)


def _accepted_like_uvicorn_workers() -> tuple[socket.socket, socket.socket, socket.socket]:
    # uvicorn binds the socket it hands to its workers as socket.socket(family): proto 0, so
    # asyncio leaves Nagle's algorithm on for the connections it accepts.
    listener = socket.socket(socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    return listener, client, accepted


def test_connections_get_tcp_nodelay() -> None:
    listener, client, accepted = _accepted_like_uvicorn_workers()
    try:
        assert accepted.proto == 0
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        set_nodelay(_Transport(accepted))
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for sock in (listener, client, accepted):
            sock.close()


def test_the_served_protocol_sets_nodelay_on_each_connection() -> None:
    listener, client, accepted = _accepted_like_uvicorn_workers()

    async def app(scope: object, receive: object, send: object) -> None:  # pragma: no cover
        raise AssertionError("no request is sent")

    async def run() -> None:
        config = Config(app, log_config=None)
        config.load()
        protocol = NoDelayHttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
        protocol.connection_made(_Transport(accepted))
        protocol.connection_lost(None)

    try:
        asyncio.run(run())
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for sock in (listener, client, accepted):
            sock.close()


def test_set_nodelay_leaves_other_sockets_alone() -> None:
    left, right = socket.socketpair()
    try:
        set_nodelay(_Transport(left))  # a Unix socket has no TCP options: nothing happens
    finally:
        left.close()
        right.close()


def test_the_default_database_lives_in_the_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHANCERY_DB_URL", raising=False)
    monkeypatch.delenv("CHANCERY_VAR_DIR", raising=False)
    assert Settings(var_dir=tmp_path).db_url == f"sqlite:///{tmp_path / 'chancery.db'}"
    given = Settings(var_dir=tmp_path, db_url="sqlite:///elsewhere.db")
    assert given.db_url == "sqlite:///elsewhere.db"
    assert Settings().db_url == DEFAULT_DB_URL
