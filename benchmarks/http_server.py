"""The server under test of the HTTP benchmark: ``chancery serve`` in a child process.

:func:`serve` starts the real command (``chancery serve --host 127.0.0.1 --port P --db URL``, with
``--demo`` for the demonstration tenants) with ``CHANCERY_VAR_DIR`` in a temporary directory, waits until ``GET /healthz`` answers, and stops it
with SIGINT (uvicorn's graceful shutdown) afterwards. Its output goes to a log file in that
directory, never to a pipe that nobody reads (a full pipe would stall the server).

:func:`postgres_database` creates a fresh database ``chancery_bench_<random>`` on the PostgreSQL
server of the test suite's URL (``CHANCERY_TEST_POSTGRES_URL``, by default the trust-auth
``postgres@127.0.0.1:5432/test``) and drops it afterwards.
"""

from __future__ import annotations

import functools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = [
    "POSTGRES_URL",
    "ServerFailed",
    "Unavailable",
    "postgres_database",
    "serve",
    "serve_supports_workers",
]

#: The PostgreSQL server to create the benchmark database on (the test suite's convention).
POSTGRES_URL = os.environ.get(
    "CHANCERY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 15.0


class Unavailable(Exception):
    """A database the run needs cannot be reached: that part is skipped, with this reason."""


class ServerFailed(Exception):
    """The server did not start (or died); the message ends with the tail of its log."""


@dataclass(frozen=True)
class Server:
    """A running ``chancery serve``: its base URL, process id, state directory and log."""

    base_url: str
    pid: int
    var_dir: Path
    log: Path
    workers: int


def _command() -> list[str]:
    script = Path(sys.executable).with_name("chancery")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from vc_service._cli import main; sys.exit(main())"]


@functools.cache
def _serve_help() -> str:
    done = subprocess.run(
        [*_command(), "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout


def serve_supports_workers() -> bool:
    """Whether ``chancery serve`` has a ``--workers`` option (it decides how many we start)."""
    return "--workers" in _serve_help()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def serve(db_url: str, workdir: Path, *, workers: int = 1) -> Iterator[Server]:
    """Run ``chancery serve`` on a free loopback port until the block ends."""
    port = _free_port()
    var_dir = workdir / "var"
    log = workdir / "server.log"
    env = {**os.environ, "CHANCERY_VAR_DIR": str(var_dir), "CHANCERY_MODE": "development"}
    command = [*_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db_url]
    if "--demo" in _serve_help():
        # The demonstration tenants: an agency accredited for 'identity' and a relying party,
        # their client credentials in <var_dir>/demo-credentials.json.
        command.append("--demo")
    if workers > 1:
        command += ["--workers", str(workers)]
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env
        )
        try:
            _wait_healthy(process, base_url, log)
            yield Server(base_url, process.pid, var_dir, log, workers)
        finally:
            _stop(process)


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(
                f"chancery serve exited with status {process.returncode}:\n{_tail(log)}"
            )
        try:
            if httpx.get(base_url + "/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise ServerFailed(f"chancery serve did not answer /healthz in {_START_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one run, dropped afterwards; its URL.

    Raises :class:`Unavailable` when the server of :data:`POSTGRES_URL` does not answer.
    """
    import sqlalchemy as sa

    admin = sa.create_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"chancery_bench_{secrets.token_hex(6)}"
    try:
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.SQLAlchemyError as exc:
            reason = str(exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc).strip()
            raise Unavailable(
                f"PostgreSQL at {_redacted(POSTGRES_URL)} is not usable: {reason.splitlines()[0]}"
            ) from exc
        try:
            url = sa.make_url(POSTGRES_URL).set(database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                # FORCE (PostgreSQL 13+): a connection the server left behind cannot block it.
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _redacted(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)
