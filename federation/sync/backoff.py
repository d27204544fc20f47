"""Pure backoff policy: exponential with jitter, capped. State lives in the database."""

from __future__ import annotations


def backoff_delay(failures: int, *, base: float, cap: float, rand: float) -> float:
    """Seconds to wait after ``failures`` consecutive failures (``failures >= 1``).

    The ceiling doubles per failure from ``base`` up to ``cap``; the delay is drawn uniformly
    from the upper half of it ("equal jitter"), so peers retried together drift apart but
    never retry sooner than half the ceiling. ``rand`` is a number in ``[0, 1)``.
    """
    if failures < 1:
        return 0.0
    ceiling = min(cap, base * (1 << min(failures - 1, 62)))
    return ceiling / 2 + ceiling / 2 * rand
