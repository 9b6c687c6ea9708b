"""Allow-path latency of guard() over each transport against a bare Temporal workflow start, in one run.

Run by bench/python-client.ts (``BENCH_ONLY=python npm run bench``), which starts the dev server, a worker whose
policy allows everything, and the API, and passes their addresses in the environment. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from typing import Awaitable, Callable

from durable_guard import AsyncGuard
from durable_guard.temporal_transport import TemporalTransport


async def measure(fn: Callable[[int], Awaitable[object]], n: int, warmup: int) -> dict[str, float]:
    for i in range(warmup):
        await fn(i)
    samples = []
    for i in range(n):
        started = time.perf_counter()
        await fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    return {"n": n, "p50_ms": pick(0.5), "p90_ms": pick(0.9), "p99_ms": pick(0.99), "mean_ms": statistics.fmean(samples)}


async def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    warmup = 20
    temporal = AsyncGuard("temporal")
    http = AsyncGuard("http", url=os.environ["DG_PY_API_URL"], token=os.environ["DG_PY_CALLER_TOKEN"])
    transport = temporal.transport
    assert isinstance(transport, TemporalTransport)
    client = await transport.client()
    input = {"path": "/tmp/report.csv"}

    async def bare_start(_: int) -> object:
        return await client.start_workflow(
            "guardedCall", {"tool": "read_file", "input": input}, id=f"bench-bare-{uuid.uuid4()}",
            task_queue=transport.task_queue,
        )

    async def over_temporal(_: int) -> object:
        result = await temporal.guard("read_file", input)
        assert result.action == "allow", result
        return result

    async def over_http(_: int) -> object:
        result = await http.guard("read_file", input)
        assert result.action == "allow", result
        return result

    # Bare starts last: each one leaves a call for the worker to decide, which would slow the guard() runs.
    figures = {
        "guard() over Temporal": await measure(over_temporal, n, warmup),
        "guard() over HTTP": await measure(over_http, n, warmup),
        "bare start_workflow (Python SDK)": await measure(bare_start, n, warmup),
    }
    await http.close()
    print(json.dumps(figures))


asyncio.run(main())
