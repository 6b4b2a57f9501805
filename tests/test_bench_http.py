"""The HTTP throughput benchmark (``python -m benchmarks --only http``) in its quick mode.

The quick plan starts the real ``chancery serve`` on SQLite and drives every window with a few
concurrent operations: the figures are meaningless, but every count, status and outcome the
report is built from must be real. The load generator's bookkeeping is also checked on a mock
transport, where the answers are known.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from benchmarks import http as http_bench
from benchmarks import http_server
from benchmarks.http_load import Recorder, drive


def test_the_quick_run_on_sqlite_counts_only_successful_operations() -> None:
    report = http_bench.run(True, databases=("sqlite",))
    result = report.databases["sqlite"]
    assert result.skipped is None
    assert result.problems == []
    for name in http_bench.WINDOWS:
        window = result.windows[name]
        assert window.ok > 0, name
        assert window.failed == 0, (name, window.errors)
        assert window.all_2xx, (name, window.statuses)
        assert set(window.statuses) <= {"200", "201"}, name
        assert window.requests >= window.ok
        assert len(window.latencies) == window.ok
    # One full issuance is five requests: offer, offer by reference, token, nonce, credential.
    flow = result.windows["issuance_flow"]
    assert set(flow.steps) == {
        "POST /issuer/offers",
        "GET credential offer",
        "POST /token",
        "POST /nonce",
        "POST /credential",
    }
    assert flow.requests == 5 * flow.ok
    # Every presentation posted in the verification window reads 'verified' afterwards.
    assert result.verified_outcomes == result.windows["verification"].ok
    assert "n/a" not in {goal.status for goal in report.targets}
    figures = json.loads(json.dumps(report.to_dict()))
    assert figures["databases"]["sqlite"]["windows"]["verification"]["operations_ok"] > 0
    text = http_bench.render(report)
    assert "SQLite" in text and "ACA-Py" in text


def test_postgresql_unreachable_is_reported_as_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 (discard) on loopback: nothing listens there.
    monkeypatch.setattr(
        http_server, "POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:9/test"
    )
    report = http_bench.run(True, databases=("postgresql",))
    result = report.databases["postgresql"]
    assert result.skipped is not None and "PostgreSQL" in result.skipped
    assert result.windows == {}
    assert "SKIPPED" in http_bench.render(report)
    assert {goal.status for goal in report.targets} == {"n/a"}


def _answer_every_third_with_500(request: httpx.Request) -> httpx.Response:
    number = int(request.url.path.rsplit("/", 1)[1])
    return httpx.Response(500 if number % 3 == 0 else 200, json={"n": number})


def test_a_non_2xx_answer_fails_its_operation_and_is_not_throughput() -> None:
    async def run() -> tuple[int, int, dict[str, int], bool]:
        transport = httpx.MockTransport(_answer_every_third_with_500)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def operation(recorder: Recorder, number: int) -> None:
                await recorder.send("GET", "GET", f"/op/{number}")

            window = await drive(
                client, "mock", operation, count=30, concurrency=4, time_cap_s=30.0
            )
        return window.ok, window.failed, window.statuses, window.all_2xx

    ok, failed, statuses, all_2xx = asyncio.run(run())
    assert (ok, failed) == (20, 10)
    assert statuses == {"200": 20, "500": 10}
    assert not all_2xx


def test_the_count_bounds_a_window() -> None:
    async def run() -> tuple[int, int]:
        transport = httpx.MockTransport(lambda request: httpx.Response(204))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def operation(recorder: Recorder, number: int) -> None:
                await recorder.send("GET", "GET", f"/op/{number}")

            window = await drive(client, "mock", operation, count=7, concurrency=3, time_cap_s=30.0)
        return window.started, window.requests

    assert asyncio.run(run()) == (7, 7)
