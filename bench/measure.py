"""Interleaved timing: a subject against a baseline measured in the same rounds.

The machine is shared and noisy, so absolute figures drift from one second to
the next. Timing the subject and its baseline back to back, many times, in
alternating order, and taking the median of the per-round ratios cancels most
of that drift. The absolute figures are the medians of the same rounds, so
that they agree with the ratio printed beside them; the ratio's quartiles
say how much the rounds disagreed. The cyclic garbage collector is off while
timing (as in `timeit`): otherwise its pauses land on whichever side happens
to cross its allocation threshold, a bias of several percent between two
identical clients.
"""

from __future__ import annotations

import gc
import statistics
import time
import timeit
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["Comparison", "compare_calls", "compare_operations"]

#: How long one timed batch of calls should last: far above the timer's resolution, yet short
#: enough that a burst from another process spoils few batches (their rounds fall out of the median).
_BATCH_SECONDS = 0.002
#: Rounds run and thrown away first: the first few after a server start or a first token fetch
#: are disturbed by the threads still winding down (seen as ratios from 0.6 to 3).
_WARM_UP_ROUNDS = 5
#: Batches of each side per round; the round keeps each side's fastest.
_BATCHES_PER_ROUND = 3


@dataclass(frozen=True, slots=True)
class Comparison:
    """Medians over the rounds of the subject's and baseline's figures and of their paired ratio.

    `ratio` is subject / baseline; `low` and `high` are the ratio's quartiles.
    """

    subject: float
    baseline: float
    ratio: float
    low: float
    high: float
    rounds: int

    @property
    def spread(self) -> str:
        """The ratio's interquartile range, as printed."""
        return f"IQR {self.low:.2f}-{self.high:.2f}"


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _summarise(subject: list[float], baseline: list[float], ratios: list[float]) -> Comparison:
    low, _, high = statistics.quantiles(ratios, n=4)
    return Comparison(
        subject=statistics.median(subject),
        baseline=statistics.median(baseline),
        ratio=statistics.median(ratios),
        low=low,
        high=high,
        rounds=len(ratios),
    )


def _calls_per_batch(timer: timeit.Timer) -> int:
    number = 1
    while timer.timeit(number) < _BATCH_SECONDS:
        number *= 2
    return number


def compare_calls(subject: str, baseline: str, namespace: Mapping[str, Any], *, rounds: int) -> Comparison:
    """Nanoseconds per call of the statements `subject` and `baseline`, evaluated in `namespace`.

    Statements rather than callables so that each is timed as written, with
    no wrapper frame added around it. Each round times a few batches of each,
    alternately, and keeps each side's fastest.
    """
    timers = [timeit.Timer(statement, globals=dict(namespace)) for statement in (subject, baseline)]
    calls = [_calls_per_batch(timer) for timer in timers]

    def per_call(which: int) -> float:
        return timers[which].timeit(calls[which]) / calls[which] * 1e9

    def round_of_both(subject_first: bool) -> tuple[float, float]:
        # Best of a few batches on each side: a batch another process preempted is dropped,
        # as timeit's own min-of-repeats does, while the sides stay interleaved.
        order = (0, 1) if subject_first else (1, 0)
        best = [float("inf"), float("inf")]
        for _ in range(_BATCHES_PER_ROUND):
            for which in order:
                best[which] = min(best[which], per_call(which))
        return best[0], best[1]

    for _ in range(_WARM_UP_ROUNDS):
        per_call(0)
        per_call(1)
    subject_ns: list[float] = []
    baseline_ns: list[float] = []
    for index in range(rounds):
        # Alternate which goes first so that neither always follows the other.
        subject_figure, baseline_figure = round_of_both(subject_first=bool(index % 2))
        subject_ns.append(subject_figure)
        baseline_ns.append(baseline_figure)
    return _summarise(subject_ns, baseline_ns, [s / b for s, b in zip(subject_ns, baseline_ns, strict=True)])


def compare_operations(
    subject: Callable[[], object],
    baseline: Callable[[], object],
    *,
    per_round: int,
    rounds: int,
) -> Comparison:
    """Operations per second of `subject` and `baseline`, interleaved one operation at a time.

    Within a round the two alternate A, B, B, A, … so drift slower than one
    operation hits both alike; a round's ratio is its subject rate over its
    baseline rate.
    """
    clock = time.perf_counter
    subject_rates: list[float] = []
    baseline_rates: list[float] = []
    ratios: list[float] = []
    for _ in range(rounds):
        subject_seconds = baseline_seconds = 0.0
        with _collector_paused():
            for index in range(per_round):
                first, second = (subject, baseline) if index % 2 else (baseline, subject)
                start = clock()
                first()
                middle = clock()
                second()
                end = clock()
                if index % 2:
                    subject_seconds += middle - start
                    baseline_seconds += end - middle
                else:
                    baseline_seconds += middle - start
                    subject_seconds += end - middle
        subject_rates.append(per_round / subject_seconds)
        baseline_rates.append(per_round / baseline_seconds)
        ratios.append(baseline_seconds / subject_seconds)
    return _summarise(subject_rates, baseline_rates, ratios)
