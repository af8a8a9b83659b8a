"""`python -m bench --scale`: the platform at one machine's scale.

- the applications list with each filter over 100,000 candidates (p99 goal 50 ms);
- the journey worker holding 10,000 open journeys (goal 100 KiB each);
- purging 100,000 published outbox rows and 100,000 inbox rows in batches, while a writer keeps writing
  (the writer's p99 shows whether a purge holds anyone up).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import asyncpg

from bench.applications import migrated_database, open_loop, service_env
from bench.loadgen import Request
from bench.worker_process import kib_per_open_journey
from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.supervisor import free_port, serve_http
from services.common.auth import dev_token

STATUSES = (("draft", 10), ("submitted", 45), ("preselected", 25), ("rejected", 15), ("withdrawn", 5))
REGIONS = ("tanger-tetouan-al-hoceima", "oriental", "fes-meknes", "rabat-sale-kenitra", "beni-mellal-khenifra",
           "casablanca-settat", "marrakech-safi", "draa-tafilalet", "souss-massa", "guelmim-oued-noun",
           "laayoune-sakia-el-hamra", "dakhla-oued-ed-dahab")  # fmt: skip
OCCUPATIONS = ("29302", "63302", "63222", "25102", "26112", "25212", "24232", "29212", "26252", "32122", "22342",
               "34212")  # fmt: skip
P99_GOAL_MS = 50.0
KIB_GOAL = 100.0


@dataclass
class ListFigure:
    name: str
    query: dict[str, str]
    rate: float
    p50_ms: float
    p99_ms: float


@dataclass
class ScaleFigures:
    candidates: int
    lists: list[ListFigure] = field(default_factory=list)
    open_journeys: int = 0
    kib_per_open_journey: float = 0.0
    purged_outbox_rows: int = 0
    outbox_purge_s: float = 0.0
    purged_inbox_rows: int = 0
    inbox_purge_s: float = 0.0
    writer_p99_ms_during_purge: float = 0.0
    writer_p99_ms_alone: float = 0.0


async def seed(dsn: str, n: int, seed_value: int = 7) -> None:
    """n candidates with one application each, spread over statuses, regions, occupations and two years."""
    rng = random.Random(seed_value)
    weights = [w for _, w in STATUSES]
    now = datetime.now(UTC)
    candidates: list[tuple[object, ...]] = []
    applications: list[tuple[object, ...]] = []
    for _ in range(n):
        cid = uuid.uuid4()
        region = rng.choice(REGIONS)
        status = rng.choices([s for s, _ in STATUSES], weights)[0]
        created = now - timedelta(days=rng.uniform(0, 730))
        submitted = None if status == "draft" else created + timedelta(days=rng.uniform(0, 5))
        codes = rng.sample(OCCUPATIONS, rng.randint(1, 3))
        candidates.append((cid, rng.choice("FM"), rng.randint(1990, 2007), "MA", "MA", region, "upper_secondary", "[]"))
        applications.append(
            (uuid.uuid4(), cid, status, region, codes, "thamm-ausbildung", [], "[]", created, submitted)
        )
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "candidate", records=candidates,
            columns=["id", "sex", "birth_year", "nationality", "country_of_residence", "region", "education_level",
                     "languages"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "application", records=applications,
            columns=["id", "candidate_id", "status", "region", "occupation_codes", "programme_id", "review_flags",
                     "eligibility", "created_at", "submitted_at"],
        )  # fmt: skip
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def list_queries() -> list[tuple[str, dict[str, str]]]:
    """The list endpoint with each filter, alone and combined, newest first (the officers' default)."""
    month = datetime.now(UTC) - timedelta(days=200)
    window = {"submitted_from": month.isoformat(), "submitted_to": (month + timedelta(days=30)).isoformat()}
    return [
        ("no filter", {}),
        ("status=submitted", {"status": "submitted"}),
        ("status=withdrawn (rare)", {"status": "withdrawn"}),
        ("region=souss-massa", {"region": "souss-massa"}),
        ("occupation=25102", {"occupation": "25102"}),
        ("submitted in a 30-day window", {**window, "sort": "submitted_at"}),
        ("status + region + occupation", {"status": "preselected", "region": "oriental", "occupation": "29302"}),
        ("region, oldest first", {"region": "dakhla-oued-ed-dahab", "order": "asc"}),
    ]


async def applications_lists(stack: StackSettings, n: int, rate: float = 40.0, total: int = 400) -> list[ListFigure]:
    settings = await migrated_database(stack, "bench_scale_applications")
    await seed(settings.owner_database_url.replace("postgresql+asyncpg:", "postgresql:"), n)
    port = free_port()
    env = service_env(stack, settings, port)
    server = serve_http([sys.executable, "-m", "services.applications", "api"], env=env, port=port,
                        log=stack.run_dir / "logs" / f"bench-scale-{port}.log", cwd=REPO_ROOT)  # fmt: skip
    headers = {"Authorization": f"Bearer {dev_token('case_officer', 'bench')}"}
    figures = []
    try:
        for name, query in list_queries():

            def get(query: dict[str, str] = query) -> Request:
                return ("GET", "/v1/applications?" + urlencode({**query, "limit": "50"}), None)

            p50, p99 = await open_loop(f"http://127.0.0.1:{port}", get, rate=rate, total=total, headers=headers)
            figures.append(ListFigure(name, query, rate, p50, p99))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return figures


_WRITE = (
    "INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, topic, source, payload, occurred_at)"
    " VALUES ($1, 'bench', $2, 'thamm.bench.x.v1', 'thamm.bench', '/bench', $3, now())"
)


async def _writer(dsn: str, seconds: float) -> list[float]:
    """One event per transaction, back to back, for `seconds`: each commit's latency."""
    conn = await asyncpg.connect(dsn)
    latencies: list[float] = []
    try:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await conn.execute(_WRITE, uuid.uuid4(), str(uuid.uuid4()), json.dumps({"x": 1}))
            latencies.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return latencies


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000 if ordered else 0.0


async def purges(stack: StackSettings, rows: int) -> tuple[int, float, int, float, float, float]:
    """Published outbox rows and inbox rows past retention, purged in batches while a writer writes."""
    from services.common.db import create_engine, session_factory
    from services.common.inbox import purge as purge_inbox
    from services.common.relay import OutboxRelay

    settings = await migrated_database(stack, "bench_scale_purge")
    dsn = settings.asyncpg_dsn
    conn = await asyncpg.connect(dsn)
    try:
        old = datetime.now(UTC) - timedelta(days=30)
        await conn.execute(
            "INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, topic, source, payload,"
            " occurred_at, created_at, published_at) SELECT gen_random_uuid(), 'bench', gen_random_uuid()::text,"
            " 'thamm.bench.x.v1', 'thamm.bench', '/bench', '{}'::jsonb, $1, $1, $1 FROM generate_series(1, $2)",
            old, rows,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO inbox (consumer_group, event_id, event_type, topic, partition, \"offset\", received_at)"
            " SELECT 'bench', gen_random_uuid()::text, 'thamm.bench.x.v1', 'thamm.bench', 0, g, $1"
            " FROM generate_series(1, $2) g", old, rows,
        )  # fmt: skip
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    alone = _p99(await _writer(dsn, 3.0))
    relay = OutboxRelay(settings)
    sessions = session_factory(create_engine(settings))
    purge_conn = await asyncpg.connect(dsn)
    try:
        writer = asyncio.create_task(_writer(dsn, 6.0))
        started = time.perf_counter()
        outbox = await relay.purge(purge_conn)
        outbox_s = time.perf_counter() - started
        started = time.perf_counter()
        inbox = await purge_inbox(sessions, "bench", 8 * 86400)
        inbox_s = time.perf_counter() - started
        during = _p99(await writer)
    finally:
        await purge_conn.close()
        await relay.producer.stop()  # made with the relay, never started: only its purge is measured here
    return outbox, outbox_s, inbox, inbox_s, during, alone


async def run(stack: StackSettings, candidates: int = 100_000, journeys: int = 10_000) -> ScaleFigures:
    """Each part printed as it is done."""
    figures = ScaleFigures(candidates=candidates)
    figures.lists = await applications_lists(stack, candidates)
    report_lists(figures)
    (figures.purged_outbox_rows, figures.outbox_purge_s, figures.purged_inbox_rows, figures.inbox_purge_s,
     figures.writer_p99_ms_during_purge, figures.writer_p99_ms_alone) = await purges(stack, candidates)  # fmt: skip
    report_purges(figures)
    figures.open_journeys = journeys
    figures.kib_per_open_journey = await kib_per_open_journey(stack, journeys)
    report_journeys(figures)
    print()
    return figures


def report_lists(f: ScaleFigures) -> None:
    print(f"== scale: the applications list over {f.candidates:,} candidates (open loop, 50 per page) ==")
    for row in f.lists:
        verdict = "ok" if row.p99_ms <= P99_GOAL_MS else "ABOVE GOAL"
        print(f"{row.name:<34} {row.rate:4.0f}/s  p50 {row.p50_ms:6.1f} ms  p99 {row.p99_ms:6.1f} ms   {verdict}")
    worst = max(f.lists, key=lambda r: r.p99_ms)
    print(f"  worst p99 / goal ({P99_GOAL_MS:.0f} ms)            {worst.p99_ms / P99_GOAL_MS:6.2f}   ({worst.name})")


def report_journeys(f: ScaleFigures) -> None:
    print(f"worker memory, {f.open_journeys:,} open journeys   {f.kib_per_open_journey:6.1f} KiB per journey"
          f"   ratio to goal ({KIB_GOAL:.0f} KiB) {f.kib_per_open_journey / KIB_GOAL:.2f}")  # fmt: skip


def report_purges(f: ScaleFigures) -> None:
    print(f"outbox purge {f.purged_outbox_rows:,} rows in batches  {f.outbox_purge_s:6.2f} s"
          f"   inbox purge {f.purged_inbox_rows:,} rows {f.inbox_purge_s:6.2f} s")  # fmt: skip
    ratio = f.writer_p99_ms_during_purge / max(f.writer_p99_ms_alone, 0.001)
    print(f"a writer's commit p99 alone / during the purges  {f.writer_p99_ms_alone:6.1f} ms / "
          f"{f.writer_p99_ms_during_purge:6.1f} ms   ratio {ratio:.2f}")  # fmt: skip
