"""Running test code in real threads at the same instant."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_together(functions: list[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Start all functions at the same instant (a barrier); each one's result, or the exception it raised."""
    barrier = threading.Barrier(len(functions))
    results: list[Any] = [None] * len(functions)

    def runner(index: int, function: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = function()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), f"a thread still ran after {timeout} s"
    return results


def raised(results: list[Any]) -> list[Exception]:
    """The exceptions among `run_together`'s results."""
    return [result for result in results if isinstance(result, Exception)]
