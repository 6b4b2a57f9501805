"""A real JSON-RPC node for the tests: Anvil from the npm package, on a free 127.0.0.1 port.

``make test`` installs it with ``npm ci`` (package ``@foundry-rs/anvil-linux-amd64``, pinned in
``package-lock.json``). :func:`running_anvil` skips the calling test when the binary is missing,
or fails it under ``CHANCERY_REQUIRE_SERVICES=1`` (``tests/_services.py``); :func:`start_anvil`
and :func:`stop_anvil` are the two halves for callers that manage the process themselves.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from _services import require_or_skip
from web3 import HTTPProvider, Web3

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"

#: Anvil's first default development account (mnemonic "test test ... junk"), funded at start.
#: A well-known test key: never use it on a real chain.
DEV_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class AnvilNode:
    """A running Anvil process and the URL of its JSON-RPC endpoint."""

    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]


def start_anvil(binary: Path = ANVIL, *, timeout: float = 30.0) -> AnvilNode:
    """Start Anvil on a free port of 127.0.0.1 and wait until it answers JSON-RPC.

    Fails the calling test (``pytest.fail``) if the process exits or does not answer within
    ``timeout`` seconds; the process is stopped in that case.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", str(port), "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    node = AnvilNode(process, url, log)
    deadline = time.monotonic() + timeout
    probe = Web3(HTTPProvider(url, request_kwargs={"timeout": 2}))
    while not probe.is_connected():
        if process.poll() is not None:
            log.seek(0)
            message = f"Anvil exited with {process.returncode}: {log.read()!r}"
            stop_anvil(node)
            pytest.fail(message)
        if time.monotonic() > deadline:
            stop_anvil(node)
            pytest.fail(f"Anvil did not answer on {url} within {timeout:.0f} s")
        time.sleep(0.05)
    return node


def stop_anvil(node: AnvilNode) -> None:
    """Terminate the node (kill it if it does not exit within 10 s) and close its log."""
    try:
        if node.process.poll() is None:
            node.process.terminate()
            try:
                node.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()
    finally:
        node.log.close()


@contextmanager
def running_anvil() -> Iterator[str]:
    """Anvil's JSON-RPC URL while the block runs; skips (or fails) if Anvil is not installed."""
    require_or_skip(ANVIL.exists(), f"Anvil is not installed at {ANVIL}: run `npm ci`")
    node = start_anvil()
    try:
        yield node.url
    finally:
        stop_anvil(node)
