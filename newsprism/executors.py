"""Executors: run one per-batch function over a stream of batches, serially or in worker processes.

Every executor has the same interface, ``map(fn, batches, context)`` yielding ``(batch, result)`` as results
arrive, so stages never know where they run (a Ray executor implements the same interface). The process
executor keeps a bounded number of batches in flight (memory stays flat whatever the input size), watches each
batch against a deadline, and when a worker hangs (inside C code, where the per-document timer cannot reach)
it replaces the pool and retries that batch one item at a time, so only the item that hangs is lost.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, Generic, Protocol, TypeVar

from newsprism.limits import die_with_parent

log = logging.getLogger("newsprism")

Item = TypeVar("Item")
Result = TypeVar("Result")
Context = TypeVar("Context")

BatchFn = Callable[[list[Item], Context], list[Result]]
OnHang = Callable[[Item], Result]  # the result recorded for an item whose worker had to be killed


def _load_factor() -> float:
    """How many runnable processes share each core now (at least 1): a wall-clock deadline stretches with it."""
    try:
        return max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    except OSError:
        return 1.0


class Executor(Protocol):
    def map(
        self,
        fn: BatchFn[Item, Context, Result],
        batches: Iterable[list[Item]],
        context: Context,
        on_hang: OnHang[Item, Result],
    ) -> Iterator[tuple[list[Item], list[Result]]]: ...

    def close(self) -> None: ...


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of ``size`` items (the last one shorter), read lazily."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class SerialExecutor:
    """In this process: no start-up cost, models shared with the caller (tests, small inputs)."""

    def map(
        self,
        fn: BatchFn[Item, Context, Result],
        batches: Iterable[list[Item]],
        context: Context,
        on_hang: OnHang[Item, Result],
    ) -> Iterator[tuple[list[Item], list[Result]]]:
        for batch in batches:
            yield batch, fn(batch, context)

    def close(self) -> None:
        pass


def _init_worker(warm: Callable[[], None] | None) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which stops the pool
    if warm is not None:
        warm()


def _ping(_n: int) -> int:
    time.sleep(0.05)  # long enough that the pings spread over the workers
    return os.getpid()


@dataclass
class _InFlight(Generic[Item, Result]):
    batch: list[Item]
    future: AsyncResult[list[Result]]
    deadline: float
    single: bool  # already a retry of one item


class ProcessExecutor:
    """A pool of worker processes; each loads its models once (``warm``) and dies with its parent."""

    def __init__(
        self,
        workers: int,
        warm: Callable[[], None] | None = None,
        seconds_per_item: float = 30.0,
        tasks_per_worker: int = 200,
        grace_seconds: float = 30.0,
        cost: Callable[[Any], float] | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.warm = warm
        self.seconds_per_item = seconds_per_item
        self.tasks_per_worker = tasks_per_worker  # workers are recycled to bound their memory
        self.grace_seconds = grace_seconds
        self.cost = cost  # seconds one item may take at worst (a slow, loaded machine), else one budget each
        self._pool: Pool | None = None

    def _start(self) -> Pool:
        # "spawn", not "fork": a process forked after torch or spaCy started their thread pools can deadlock
        # in its first model call, and a fresh interpreter also inherits nothing else of the parent's.
        context = multiprocessing.get_context("spawn")
        pool = context.Pool(self.workers, _init_worker, (self.warm,), maxtasksperchild=self.tasks_per_worker)
        self._pool = pool
        # Start-up (a fresh interpreter loading its models) is not part of any batch's deadline: wait until
        # every worker has answered before the clock starts.
        seen: set[int] = set()
        for _ in range(self.workers * 20):
            seen.update(pool.map(_ping, range(self.workers), chunksize=1))
            if len(seen) >= self.workers:
                break
        return pool

    def _deadline(self, batch: list[Item]) -> float:
        # A backstop for hangs, not a speed limit: far above what the batch needs on a loaded machine (one
        # item at its full budget plus every item at its worst cost), doubled because two batches per worker
        # are in flight and a batch may wait for the one ahead of it.
        work = sum(self.cost(item) for item in batch) if self.cost else self.seconds_per_item * len(batch) / 4
        return time.monotonic() + 2 * (self.seconds_per_item + work) * _load_factor() + self.grace_seconds

    def map(
        self,
        fn: BatchFn[Item, Context, Result],
        batches: Iterable[list[Item]],
        context: Context,
        on_hang: OnHang[Item, Result],
    ) -> Iterator[tuple[list[Item], list[Result]]]:
        pool = self._pool or self._start()
        in_flight: deque[_InFlight[Item, Result]] = deque()
        source = iter(batches)
        exhausted = False
        max_in_flight = self.workers * 2

        def submit(batch: list[Item], single: bool = False) -> None:
            future = pool.apply_async(fn, (batch, context))
            in_flight.append(_InFlight(batch, future, self._deadline(batch), single))

        while True:
            while not exhausted and len(in_flight) < max_in_flight:
                batch = next(source, None)
                if batch is None:
                    exhausted = True
                else:
                    submit(batch)
            if not in_flight:
                return
            head = in_flight[0]
            head.future.wait(max(0.0, head.deadline - time.monotonic()))
            if head.future.ready():
                in_flight.popleft()
                yield head.batch, head.future.get()
                continue
            # The head batch overran its deadline: a worker is stuck. Replace the pool, resubmit the rest.
            log.debug("a worker overran its deadline; replacing the pool")
            stuck = in_flight.popleft()
            waiting = list(in_flight)
            in_flight.clear()
            self._terminate()
            pool = self._start()
            if stuck.single:
                yield stuck.batch, [on_hang(item) for item in stuck.batch]
            else:
                for item in stuck.batch:
                    submit([item], single=True)
            for entry in waiting:
                submit(entry.batch, entry.single)

    def _terminate(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def abort(self) -> None:
        self._terminate()


def make_executor(
    workers: int,
    warm: Callable[[], None] | None = None,
    seconds_per_item: float = 30.0,
    cost: Callable[[Any], float] | None = None,
) -> SerialExecutor | ProcessExecutor:
    if workers <= 1:
        return SerialExecutor()
    return ProcessExecutor(workers, warm, seconds_per_item, cost=cost)
