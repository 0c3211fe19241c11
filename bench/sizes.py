"""How big each benchmark is: the full run (about 15 minutes on 2 cores) and the smoke run (seconds)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    name: str
    connections: tuple[int, ...]   # wrk concurrency levels
    rounds: int                    # interleaved rounds per concurrency level
    seconds: int                   # one wrk run
    warmup_seconds: int
    resident_pool: int             # registered residents the webhook load writes from, in turn
    sweep_cases: tuple[int, int]   # open cases for the small and the large sweep
    due_fraction: float
    dashboard_cases: int
    dashboard_repeats: int         # timed calls of each statistics query
    outbox_pushes: int
    outbox_failure_rate: float
    figures_cases: int = 1_000_000   # the panoramic window's roll-ups: cases …
    figures_days: int = 3 * 365      # … spread over this many days
    figures_repeats: int = 30        # timed calls of each view


FULL = Sizes(name="full", connections=(1, 16, 64), rounds=3, seconds=5, warmup_seconds=2, resident_pool=20_000,
             sweep_cases=(100_000, 1_000_000), due_fraction=0.01, dashboard_cases=1_000_000,
             dashboard_repeats=40, outbox_pushes=10_000, outbox_failure_rate=0.10)

SMOKE = Sizes(name="smoke", connections=(1, 16, 64), rounds=1, seconds=1, warmup_seconds=1, resident_pool=2_000,
              sweep_cases=(1_000, 10_000), due_fraction=0.01, dashboard_cases=5_000,
              dashboard_repeats=3, outbox_pushes=200, outbox_failure_rate=0.10, figures_cases=3_000,
              figures_days=90, figures_repeats=3)
