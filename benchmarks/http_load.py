"""The load generator of the HTTP benchmark: concurrent tasks over one HTTP client.

:func:`drive` runs ``concurrency`` asyncio tasks that share a counter; each task takes the next
operation number and runs the operation (one request, or a whole protocol flow of several), until
``count`` operations were started or ``time_cap_s`` has passed. Every request goes through
:meth:`Recorder.send`, which times it, counts its status and refuses a non-2xx answer, so a run's
figures only ever count operations whose every request succeeded.

The generator runs in the benchmark's own process and on the same CPUs as the server; the CPU time
it spends is recorded (:class:`Window`) so that the report can say how much it took.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ._timing import percentile
from .http_client import LeanClient, LeanResponse

__all__ = ["Client", "Recorder", "Refused", "Response", "Window", "drive", "process_cpu_seconds"]

#: The load generator's HTTP client: the lean one (the default) or httpx's, to compare.
Client = LeanClient | httpx.AsyncClient
Response = LeanResponse | httpx.Response

#: Error descriptions kept per window (the counts are complete; the texts are examples).
_KEPT_ERRORS = 2


class Refused(Exception):
    """A request answered with a non-2xx status (or did not complete): the operation failed."""


@dataclass
class Recorder:
    """Times and counts every request of one window, by step name."""

    client: Client
    steps: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    requests: int = 0

    async def send(self, step: str, method: str, url: str, **kwargs: Any) -> Response:
        """Send one request; raise :class:`Refused` unless it is answered with a 2xx status."""
        start = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.statuses[type(exc).__name__] += 1
            raise Refused(f"{step}: {type(exc).__name__}: {exc}") from exc
        elapsed = time.perf_counter() - start
        self.requests += 1
        self.statuses[str(response.status_code)] += 1
        if not 200 <= response.status_code < 300:
            raise Refused(f"{step}: HTTP {response.status_code}: {response.text[:300]}")
        self.steps.setdefault(step, []).append(elapsed)
        return response


#: One operation: given the recorder and the operation number, do its requests.
Operation = Callable[[Recorder, int], Awaitable[None]]


@dataclass
class Window:
    """What one bounded run measured.

    ``latencies`` are the wall-clock durations of the successful operations (seconds);
    ``elapsed_s`` runs from the start of the first operation to the end of the last one.
    ``server_cpu_s`` and ``client_cpu_s`` are CPU seconds spent by the server process and by this
    process during the window.
    """

    name: str
    concurrency: int
    started: int = 0
    ok: int = 0
    failed: int = 0
    elapsed_s: float = 0.0
    stopped_by: str = "count"
    latencies: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    server_cpu_s: float | None = None
    client_cpu_s: float | None = None

    @property
    def rate(self) -> float:
        """Successful operations per second of the window."""
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def all_2xx(self) -> bool:
        """Whether every request of the window was answered, with a 2xx status."""
        return self.failed == 0 and all(s.startswith("2") for s in self.statuses)

    def quantile(self, fraction: float, step: str | None = None) -> float | None:
        """A latency quantile in seconds (of whole operations, or of one step's requests)."""
        values = self.latencies if step is None else self.steps.get(step, [])
        return percentile(sorted(values), fraction) if values else None

    def to_dict(self) -> dict[str, Any]:
        def ms(value: float | None) -> float | None:
            return None if value is None else value * 1e3

        return {
            "concurrency": self.concurrency,
            "operations_started": self.started,
            "operations_ok": self.ok,
            "operations_failed": self.failed,
            "http_requests": self.requests,
            "http_statuses": self.statuses,
            "elapsed_s": self.elapsed_s,
            "stopped_by": self.stopped_by,
            "per_second": self.rate,
            "latency_ms": {
                "p50": ms(self.quantile(0.50)),
                "p90": ms(self.quantile(0.90)),
                "p99": ms(self.quantile(0.99)),
                "max": ms(max(self.latencies, default=None)),
            },
            "steps_ms": {
                step: {
                    "n": len(values),
                    "p50": ms(self.quantile(0.50, step)),
                    "p99": ms(self.quantile(0.99, step)),
                }
                for step, values in self.steps.items()
            },
            "server_cpu_s": self.server_cpu_s,
            "client_cpu_s": self.client_cpu_s,
            "errors": self.errors,
        }


def process_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of process ``pid`` and its child processes, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            stat = Path(f"/proc/{current}/stat").read_text(encoding="ascii")
        except OSError:
            if current == pid:
                return None
            continue
        # The command name (field 2) may hold spaces; the fields after it are plain numbers.
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text(encoding="ascii").split()
                pending.extend(int(child) for child in children)
        except OSError:
            pass
    return total


async def drive(
    client: Client,
    name: str,
    operation: Operation,
    *,
    count: int,
    concurrency: int,
    time_cap_s: float,
    server_pid: int | None = None,
) -> Window:
    """Run ``operation`` ``count`` times on ``concurrency`` tasks, stopping early at the cap."""
    window = Window(name, concurrency)
    recorder = Recorder(client)
    counter = iter(range(count))
    deadline = time.perf_counter() + time_cap_s
    ends: list[float] = []

    async def worker() -> None:
        for number in counter:
            if time.perf_counter() >= deadline:
                window.stopped_by = "time cap"
                return
            window.started += 1
            start = time.perf_counter()
            try:
                await operation(recorder, number)
            except Refused as exc:
                window.failed += 1
                if len(window.errors) < _KEPT_ERRORS:
                    window.errors.append(str(exc))
                continue
            end = time.perf_counter()
            window.ok += 1
            window.latencies.append(end - start)
            ends.append(end)

    server_before = process_cpu_seconds(server_pid) if server_pid is not None else None
    client_before = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    finish = max(ends, default=time.perf_counter())
    window.elapsed_s = finish - start
    window.client_cpu_s = time.process_time() - client_before
    if server_pid is not None and server_before is not None:
        server_after = process_cpu_seconds(server_pid)
        if server_after is not None:
            window.server_cpu_s = server_after - server_before
    window.steps = recorder.steps
    window.statuses = dict(recorder.statuses)
    window.requests = recorder.requests
    return window
