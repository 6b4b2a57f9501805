"""Small timing helper: warm up, take wall-clock samples, summarise them robustly.

Every sample times one call with :func:`time.perf_counter`. The garbage collector is paused
while samples are taken (as :mod:`timeit` does) so that a collection triggered by earlier
allocations is not charged to whichever call happens to be running. The summary is the median
with the 10th/90th percentiles and the median absolute deviation, which are insensitive to the
occasional scheduler hiccup that would distort a mean.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Stats", "measure", "measure_round_robin", "percentile"]


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear-interpolation percentile of an already sorted, non-empty list."""
    if not sorted_values:
        raise ValueError("no samples")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must lie in [0, 1]")
    position = fraction * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] * (1.0 - weight) + sorted_values[high] * weight


@dataclass(frozen=True)
class Stats:
    """Summary of the samples (in seconds) of one timed operation."""

    samples: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.samples:
            raise ValueError("Stats needs at least one sample")

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p10(self) -> float:
        return percentile(sorted(self.samples), 0.10)

    @property
    def p90(self) -> float:
        return percentile(sorted(self.samples), 0.90)

    @property
    def mad(self) -> float:
        """Median absolute deviation from the median (unscaled)."""
        centre = self.median
        return statistics.median(abs(s - centre) for s in self.samples)

    def to_dict(self) -> dict[str, float | int]:
        """Figures in milliseconds, for the JSON report."""
        return {
            "n": self.n,
            "median_ms": self.median * 1e3,
            "p10_ms": self.p10 * 1e3,
            "p90_ms": self.p90 * 1e3,
            "mad_ms": self.mad * 1e3,
        }


@contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _sample(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(
    fn: Callable[[], object],
    *,
    repeat: int,
    warmup: int = 1,
    budget_s: float | None = None,
    min_repeat: int = 3,
) -> Stats:
    """Time ``fn`` ``repeat`` times after ``warmup`` untimed calls.

    With ``budget_s`` the series stops early once that much time has been spent on timed calls
    and at least ``min_repeat`` samples exist, so one slow operation cannot blow the run time.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    spent = 0.0
    with _gc_paused():
        for _ in range(repeat):
            elapsed = _sample(fn)
            samples.append(elapsed)
            spent += elapsed
            if budget_s is not None and spent >= budget_s and len(samples) >= min_repeat:
                break
    return Stats(tuple(samples))


def measure_round_robin(
    fns: Mapping[str, Callable[[], object]],
    *,
    repeat: int,
    warmup: int = 1,
    every: Mapping[str, int] | None = None,
) -> dict[str, Stats]:
    """Time several operations in interleaved rounds: one call of each per round.

    Interleaving spreads slow drifts of the machine (frequency scaling, noisy neighbours) evenly
    over all operations, which matters when their medians are divided by each other. An
    operation named in ``every`` with value ``k`` only takes part in every ``k``-th round, so
    slow operations can share the rounds of fast ones without dominating the run time.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    strides = {name: 1 for name in fns}
    for name, stride in (every or {}).items():
        if name not in fns or stride < 1:
            raise ValueError(f"bad stride for {name!r}")
        strides[name] = stride
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    with _gc_paused():
        for round_index in range(repeat):
            for name, fn in fns.items():
                if round_index % strides[name] == 0:
                    samples[name].append(_sample(fn))
    return {name: Stats(tuple(values)) for name, values in samples.items()}
