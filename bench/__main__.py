"""`python -m bench [backbone ...]`: start a private stack, run the benchmarks, print figures and ratios."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from bench import backbone
from bench.stack import BENCH_SETTINGS, bench_infra

SUITES = ("backbone",)


async def main(selected: list[str], events: int) -> int:
    started = time.monotonic()
    async with bench_infra() as _stack:
        print(f"stack up in {time.monotonic() - started:.1f}s (run folder {BENCH_SETTINGS.run_dir})\n")
        if "backbone" in selected:
            f = await backbone.run(BENCH_SETTINGS, n=events)
            print("== event backbone: outbox -> relay -> Kafka -> consumer with inbox ==")
            print(f"events                              {f.events}")
            print(f"raw aiokafka produce+consume        {f.raw_aiokafka_eps:10.0f} ev/s   (baseline)")
            if f.producer_performance_eps:
                print(f"Kafka ProducerPerformance (produce) {f.producer_performance_eps:10.0f} rec/s")
            print(f"outbox writes (1 event per tx)      {f.outbox_write_eps:10.0f} ev/s")
            print(f"pipeline with inbox                 {f.pipeline_eps:10.0f} ev/s")
            print(f"  ratio pipeline / raw aiokafka     {f.pipeline_eps / f.raw_aiokafka_eps:10.3f}")
            if f.producer_performance_eps:
                print(f"  ratio pipeline / ProducerPerf     {f.pipeline_eps / f.producer_performance_eps:10.3f}")
            print(f"commit -> effect latency p50 / p99  {f.latency_p50_ms:7.1f} ms / {f.latency_p99_ms:.1f} ms")
            print()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suites", nargs="*", help=f"any of {', '.join(SUITES)} (default: all)")
    parser.add_argument("--events", type=int, default=10000)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.suites or list(SUITES), args.events)))
