"""`python -m bench [backbone ...]`: start a private stack, run the benchmarks, print figures and ratios."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bench import applications, backbone, journey, matching, webhooks
from bench.stack import BENCH_SETTINGS, bench_infra

SUITES = ("backbone", "applications", "journey", "matching", "webhooks")


RESULTS = BENCH_SETTINGS.run_dir.parent / "results.json"


def _record(results: dict[str, Any], suite: str, figures: Any) -> None:
    results["suites"][suite] = [asdict(f) for f in figures] if isinstance(figures, list) else asdict(figures)


def _context(selected: list[str], events: int) -> dict[str, Any]:
    """What two runs must share to be compared: the machine, the commit and the settings."""
    import os
    import platform
    import subprocess

    import psutil

    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=False).stdout)
    return {
        "started_at": datetime.now(UTC).isoformat(),
        "commit": commit or None,
        "uncommitted_changes": dirty,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "settings": {"suites": selected, "events": events, "postgres_durable": BENCH_SETTINGS.postgres_durable},
        "suites": {},
    }


async def main(selected: list[str], events: int, scale: bool = False) -> int:
    started = time.monotonic()
    results = _context(selected, events)
    async with bench_infra() as _stack:
        print(f"stack up in {time.monotonic() - started:.1f}s (run folder {BENCH_SETTINGS.run_dir})\n")
        if "backbone" in selected:
            f = await backbone.run(BENCH_SETTINGS, n=events)
            _record(results, "backbone", f)
            print("== event backbone: outbox -> relay -> Kafka -> consumer with inbox ==")
            print(f"events                              {f.events}")
            print(f"raw aiokafka, producer and consumer {f.raw_aiokafka_eps:10.0f} ev/s   (baseline: two processes")
            print("                                                   at once, the pipeline's records)")
            if f.producer_performance_eps:
                print(f"Kafka ProducerPerformance (produce) {f.producer_performance_eps:10.0f} rec/s")
            print(f"outbox writes (1 event per tx)      {f.outbox_write_eps:10.0f} ev/s   (20 writers)")
            print(f"raw asyncpg INSERT+COMMIT, 20 writers {f.raw_insert_eps:8.0f} tx/s   (baseline)")
            print(f"  ratio outbox / raw insert          {f.outbox_write_eps / f.raw_insert_eps:10.3f}")
            print(f"pipeline with inbox                 {f.pipeline_eps:10.0f} ev/s")
            print(f"  ratio pipeline / raw aiokafka     {f.pipeline_eps / f.raw_aiokafka_eps:10.3f}")
            if f.producer_performance_eps:
                print(f"  ratio pipeline / ProducerPerf     {f.pipeline_eps / f.producer_performance_eps:10.3f}")
            print(f"the whole path at once (20 writers, relay, consumer) {f.path_eps:6.0f} ev/s   (its maximum)")
            print(
                f"commit -> consumer commit, open loop at {f.latency_rate_eps:.0f} ev/s (half the path's maximum):\n"
                f"  p50 / p99 / p99.9                 {f.latency_p50_ms:7.1f} ms / {f.latency_p99_ms:.1f} ms"
                f" / {f.latency_p999_ms:.1f} ms   (the machine's CPUs {f.latency_cpu_busy_pct:.0f}% busy)\n"
                f"  at a tenth of the maximum, {f.light_rate_eps:.0f} ev/s: p50 / p99"
                f"  {f.light_p50_ms:.1f} ms / {f.light_p99_ms:.1f} ms"
            )
            spent = ", ".join(f"{name} {ms:.2f}" for name, ms in f.latency_cpu_ms_per_event.items())
            print(f"  CPU per event at half load, ms: {spent}")
            print()
        if "applications" in selected:
            rows = await applications.run(BENCH_SETTINGS)
            _record(results, "applications", rows)
            print("== applications API: 10,000 seeded candidates, 16 concurrent clients, one server process ==")
            by_name = {r.name: r for r in rows}
            print(f"{'closed loop (16 connections)':<44} {'':>8}         server CPU   load generator")
            for row in rows:
                print(
                    f"{row.name:<44} {row.rps:8.0f} req/s   p50 {row.p50_ms:6.1f} ms   p99 {row.p99_ms:6.1f} ms"
                    f"   {row.server_cpu_ms:5.2f} ms/req ({row.server_busy_pct:3.0f}% of a core)"
                    f"   {row.client_busy_pct:3.0f}% of a core"
                )
            print("open loop                                    at half bare's maximum          at half its own")
            for row in rows:
                half_bare = f"{row.open_rate:5.0f}/s: p50 {row.open_p50_ms:7.1f} ms  p99 {row.open_p99_ms:7.1f} ms"
                half_own = f"{row.own_rate:5.0f}/s: p50 {row.own_p50_ms:6.1f} ms  p99 {row.own_p99_ms:6.1f} ms"
                print(f"{row.name:<44} {half_bare}   {half_own}")
            for op in ("GET /v1/applications/{id}", "POST /v1/applications"):
                service = by_name[f"{op} [service]"]
                for base in ("bare", "asyncpg", "same-work") if op.startswith("POST") else ("bare", "asyncpg"):
                    other = by_name[f"{op} [{base}]"]
                    print(
                        f"  {op:<30} service / {base:<8} throughput {service.rps / other.rps:6.3f}"
                        f"   CPU per request {service.server_cpu_ms / other.server_cpu_ms:6.2f}x"
                    )
            print()
        if "journey" in selected:
            j = await journey.run(BENCH_SETTINGS)
            _record(results, "journey", j)
            print("== journeys on the Temporal dev server (in-process worker, stub activities) ==")
            print(f"journeys driven to IN_TRAINING      {j.journeys_per_s:8.1f} /s   ({j.journeys} journeys)")
            print(f"same-shape skeletons, same harness  {j.skeleton_per_s:8.1f} /s   (baseline)")
            print(f"  ratio journey / skeleton          {j.journeys_per_s / j.skeleton_per_s:8.3f}")
            events = j.history_events_per_journey
            print(f"history events per journey          {events:8d}     ({j.journeys_per_s * events:,.0f} events/s)")
            print(f"CPU, journeys:  worker {j.worker_cpu_s:6.1f} s, server {j.server_cpu_s:6.1f} s")
            print(f"CPU, skeletons: worker {j.skeleton_worker_cpu_s:6.1f} s, server {j.skeleton_server_cpu_s:6.1f} s")
            print(f"no-op workflows started+completed   {j.noop_per_s:8.1f} /s   (reference)")
            kib, floor = j.rss_per_1000_open_mib * 1024 / 1000, j.kib_per_open_waiting
            print(f"worker memory per 1,000 open journeys {j.rss_per_1000_open_mib:6.1f} MiB"
                  f" ({kib:.0f} KiB per journey; goal 100)")  # fmt: skip
            print(f"  an open workflow that only waits  {floor:8.1f} KiB   (the SDK's floor, a worker of its own)")
            print(f"  ratio journey / floor             {kib / max(floor, 0.1):8.2f}")
            print()
        if "matching" in selected:
            m = await matching.run(BENCH_SETTINGS)
            _record(results, "matching", m)
            print(
                f"== matching: {m.profiles:,} profiles, {m.positions} positions, every criterion explained (median) =="
            )
            one, top = m.candidate_ranking_ms, m.position_ranking_ms
            print(f"rank one candidate's request and store it       {one:7.1f} ms   (one durable commit)")
            print(f"  plain SQL top-k of positions (baseline, read) {m.candidate_sql_topk_ms:7.1f} ms")
            print(f"  ratio SQL / ranking                           {m.candidate_sql_topk_ms / one:7.3f}")
            print(f"top 20 candidates for one position              {top:7.1f} ms")
            print(f"  plain SQL top-k of profiles (baseline)        {m.position_sql_topk_ms:7.1f} ms")
            print(f"  ratio SQL / ranking                           {m.position_sql_topk_ms / top:7.3f}")
            print()
        if "webhooks" in selected:
            w = await webhooks.run(BENCH_SETTINGS)
            _record(results, "webhooks", w)
            print(f"== webhooks: {w.deliveries:,} deliveries to {w.endpoints} endpoints on a local receiver ==")
            print(f"signed deliveries (sign, POST, record)   {w.signed_per_s:8.0f} /s")
            print(f"raw httpx POST loop, same concurrency    {w.raw_post_per_s:8.0f} /s   (baseline)")
            print(f"  ratio signed / raw                     {w.signed_per_s / w.raw_post_per_s:8.3f}")
            print(
                f"event published -> receiver, open loop at {w.latency_rate_eps:.0f} ev/s:"
                f" p50 {w.latency_p50_ms:.1f} ms, p99 {w.latency_p99_ms:.1f} ms"
            )
            print()
        if scale:
            from bench import scale as scale_suite

            _record(results, "scale", await scale_suite.run(BENCH_SETTINGS))
    results["duration_s"] = round(time.monotonic() - started, 1)
    if RESULTS.exists():  # the run before, kept beside it for comparison
        RESULTS.replace(RESULTS.with_suffix(".previous.json"))
    RESULTS.write_text(json.dumps(results, indent=2, default=str))
    print(f"results with the machine, commit and settings: {RESULTS}")
    return 0


if __name__ == "__main__":
    import logging

    # Figures only: the clients' transient notices (a consumer group still forming) are not results.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suites", nargs="*", help=f"any of {', '.join(SUITES)} (default: all)")
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument(
        "--scale", action="store_true",
        help="also the scale run: 100,000 candidates, 10,000 open journeys, purges (about 15 minutes more)",
    )  # fmt: skip
    args = parser.parse_args()
    from deploy.local.__main__ import exit_now
    from services.common.runner import tune_gc

    selected = args.suites if args.suites or args.scale else list(SUITES)
    tune_gc()  # the outbox writers here stand for a service's process, which settles its collector the same way
    exit_now(asyncio.run(main(selected, args.events, args.scale)))
