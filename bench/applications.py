"""Applications API throughput and p99 with 10,000 seeded candidates, against bare FastAPI and raw asyncpg."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg
import psutil

from bench.loadgen import LoadClient, Request, RequestFactory
from bench.stack import cpu_seconds
from deploy.local.demo_data import application_body
from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.supervisor import free_port, serve_http
from services.applications.config import ApplicationsSettings
from services.common.auth import dev_token, ensure_dev_keys
from services.common.crypto import KeyWrapper, decode_key, encrypt_field, keyed_hash, new_key_b64
from services.common.migrations import upgrade_to_head

MIGRATIONS = REPO_ROOT / "services" / "applications" / "migrations"


@dataclass
class Figures:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    open_rate: float = 0.0
    open_p50_ms: float = 0.0
    open_p99_ms: float = 0.0
    server_cpu_ms: float = 0.0  # the server's CPU per request, closed loop
    server_busy_pct: float = 0.0  # of one core, closed loop
    client_busy_pct: float = 0.0  # the load generator's, of one core, closed loop
    own_rate: float = 0.0  # half the server's own maximum
    own_p50_ms: float = 0.0
    own_p99_ms: float = 0.0


async def seed(dsn: str, settings: ApplicationsSettings, n: int) -> list[uuid.UUID]:
    """n candidates with submitted applications, written with COPY (encrypted ID numbers, wrapped keys)."""
    keys = KeyWrapper(decode_key(settings.master_key))
    hash_key = decode_key(settings.hash_key)
    candidates: list[tuple[object, ...]] = []
    consents: list[tuple[object, ...]] = []
    wrapped: list[tuple[object, ...]] = []
    applications: list[tuple[object, ...]] = []
    now = datetime.now(UTC)
    for i in range(n):
        cid, aid = uuid.uuid4(), uuid.uuid4()
        wk = keys.new_wrapped_key(str(cid))
        cnie = f"BK{i:06d}"
        candidates.append(
            (
                cid,
                f"First{i}",
                f"Last{i}",
                date(2001, 1, 1 + i % 28),
                "M",
                2001,
                "MA",
                "MA",
                "casablanca-settat",
                "upper_secondary",
                "BAC",
                "[]",
                encrypt_field(keys.unwrap(wk, str(cid)), str(cid), "national_id", cnie),
                "******" + cnie[-2:],
                keyed_hash(hash_key, "cnie", cnie),
            )
        )
        wrapped.append((cid, wk))
        # every registration records its consents (three here, as the demo's): the read joins them
        for purpose in ("processing", "sharing_employers", "statistics"):
            consents.append((uuid.uuid4(), cid, purpose, True, "2026-01", "fr", now))
        applications.append((aid, cid, "submitted", "casablanca-settat", ["29302"], "thamm-ausbildung", [], "[]", now))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "candidate",
            records=candidates,
            columns=[
                "id",
                "first_name",
                "last_name",
                "date_of_birth",
                "sex",
                "birth_year",
                "nationality",
                "country_of_residence",
                "region",
                "education_level",
                "diploma",
                "languages",
                "national_id_enc",
                "national_id_masked",
                "national_id_hash",
            ],
        )
        await conn.copy_records_to_table("candidate_key", records=wrapped, columns=["candidate_id", "wrapped_key"])
        await conn.copy_records_to_table(
            "consent",
            records=consents,
            columns=["id", "candidate_id", "purpose", "granted", "text_version", "language", "recorded_at"],
        )
        await conn.copy_records_to_table(
            "application",
            records=applications,
            columns=[
                "id",
                "candidate_id",
                "status",
                "region",
                "occupation_codes",
                "programme_id",
                "review_flags",
                "eligibility",
                "submitted_at",
            ],
        )
        await conn.execute("""CREATE TABLE IF NOT EXISTS bench_candidate (id uuid PRIMARY KEY, first_name text,
                              last_name text, region text);
                              CREATE TABLE IF NOT EXISTS bench_application (id uuid PRIMARY KEY,
                              candidate_id uuid REFERENCES bench_candidate(id), status text); ANALYZE""")
    finally:
        await conn.close()
    return [uuid.UUID(str(a[0])) for a in applications]


async def load(
    base: str, request: RequestFactory, *, total: int, concurrency: int, headers: dict[str, str]
) -> tuple[float, list[float]]:
    """(seconds, each request's seconds) for `total` requests from `concurrency` workers; any non-2xx aborts."""
    latencies: list[float] = []
    remaining = total

    async def worker(client: LoadClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            status, body = await client.send(request())
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                raise RuntimeError(f"{status}: {body[:300]!r}")

    async with LoadClient(base, headers, connections=concurrency) as client:
        for _ in range(20):  # warm-up
            await client.send(request())
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies


async def open_loop(
    base: str, request: RequestFactory, *, rate: float, total: int, headers: dict[str, str]
) -> tuple[float, float]:
    """(p50 ms, p99 ms) when requests start on a fixed schedule at `rate`/s, whether or not earlier ones are
    done (open loop: a slow answer does not slow the arrivals, so queueing shows in the latency)."""
    latencies: list[float] = []
    async with LoadClient(base, headers, connections=64) as client:  # waiting for a connection is queueing
        for _ in range(20):  # warm-up
            await client.send(request())

        async def one(at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            started = time.perf_counter()
            status, body = await client.send(request())
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                raise RuntimeError(f"{status}: {body[:300]!r}")

        t0 = time.perf_counter() + 0.2
        await asyncio.gather(*(one(t0 + i / rate) for i in range(total)))
    latencies.sort()
    return statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000


async def migrated_database(stack: StackSettings, db: str) -> ApplicationsSettings:
    """A fresh applications database at the newest revision, with new keys; the settings to reach it."""
    await stack.provision_database(db)
    _, public = ensure_dev_keys()
    settings = ApplicationsSettings(
        database_url=stack.database_url(db), migration_database_url=stack.database_url(db, "owner"),
        master_key=new_key_b64(), hash_key=new_key_b64(), auth_public_key_file=public,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
    )  # fmt: skip
    await upgrade_to_head(settings, MIGRATIONS)
    return settings


def service_env(stack: StackSettings, settings: ApplicationsSettings, port: int) -> dict[str, str]:
    """The environment of an applications API process serving `settings`' database on `port`."""
    return {
        **os.environ, "APPLICATIONS_DATABASE_URL": settings.database_url,
        "APPLICATIONS_MASTER_KEY": settings.master_key, "APPLICATIONS_HASH_KEY": settings.hash_key,
        "APPLICATIONS_AUTH_PUBLIC_KEY_FILE": str(settings.auth_public_key_file),
        "APPLICATIONS_HTTP_PORT": str(port), "APPLICATIONS_DOCUMENT_DIR": str(stack.run_dir / "docs"),
        "APPLICATIONS_KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
    }  # fmt: skip


async def run(
    stack: StackSettings, *, candidates: int = 10000, requests: int = 6000, concurrency: int = 16
) -> list[Figures]:
    settings = await migrated_database(stack, "bench_applications")
    ids = await seed(settings.owner_database_url.replace("postgresql+asyncpg:", "postgresql:"), settings, candidates)
    token = dev_token("case_officer", "bench")
    headers = {"Authorization": f"Bearer {token}"}
    ports = {"service": free_port(), "bare": free_port(), "asyncpg": free_port(), "same-work": free_port()}
    env = service_env(stack, settings, ports["service"])
    py = sys.executable

    def serve(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
        return serve_http(argv, env=env, port=port, log=stack.run_dir / "logs" / f"bench-{port}.log", cwd=REPO_ROOT)

    servers = {
        "service": serve([py, "-m", "services.applications", "api"], env, ports["service"]),
        "bare": serve([py, "-m", "bench.http_baselines", "bare", "--port", str(ports["bare"])], env, ports["bare"]),
        "asyncpg": serve(
            [
                py,
                "-m",
                "bench.http_baselines",
                "asyncpg",
                "--port",
                str(ports["asyncpg"]),
                "--dsn",
                settings.asyncpg_dsn,
            ],
            env,
            ports["asyncpg"],
        ),
        "same-work": serve(
            [
                py,
                "-m",
                "bench.http_baselines",
                "same-work",
                "--port",
                str(ports["same-work"]),
                "--dsn",
                settings.asyncpg_dsn,
            ],
            env,
            ports["same-work"],
        ),
    }
    figures: list[Figures] = []
    operations: dict[tuple[str, str], tuple[str, RequestFactory]] = {}
    cpu: dict[tuple[str, str], list[tuple[float, float, float]]] = {}  # (server, client, wall) seconds a round
    serial = itertools.count()

    def get() -> Request:
        return ("GET", f"/v1/applications/{random.choice(ids)}", None)

    def post() -> Request:
        # A distinct person each time: the same name and birth date would make every POST a possible duplicate
        # of all the earlier ones, and a random ID number repeats now and then.
        n = next(serial)
        return ("POST", "/v1/applications", application_body(f"Bench{n}", f"Post{n}", national_id_number=f"PB{n:06d}"))

    me = psutil.Process()
    try:
        # Closed loop, in rounds: each round gives every server its share of the requests in turn, so a slower
        # or faster spell of this shared machine falls on all of them rather than on one.
        rounds = 3
        timings: dict[tuple[str, str], list[tuple[float, list[float]]]] = {}
        for _ in range(rounds):
            for name, port in ports.items():
                base = f"http://127.0.0.1:{port}"
                ops: tuple[tuple[str, RequestFactory], ...] = (
                    ("GET /v1/applications/{id}", get), ("POST /v1/applications", post)
                )  # fmt: skip
                server = psutil.Process(servers[name].pid)
                for op, request in ops[1:] if name == "same-work" else ops:  # the same-work server writes only
                    share = requests // rounds
                    before = (cpu_seconds(server), cpu_seconds(me), time.perf_counter())
                    timing = await load(base, request, total=share, concurrency=concurrency, headers=headers)
                    after = (cpu_seconds(server), cpu_seconds(me), time.perf_counter())
                    cpu.setdefault((name, op), []).append(tuple(b - a for a, b in zip(before, after, strict=True)))  # type: ignore[arg-type]
                    timings.setdefault((name, op), []).append(timing)
                    operations[(name, op)] = (base, request)
        for (name, op), runs in timings.items():
            elapsed = sum(e for e, _ in runs)
            latencies = sorted(x for _, lat in runs for x in lat)
            count = sum(len(lat) for _, lat in runs)
            p50, p99 = statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000
            server_s, client_s, wall = (sum(x) for x in zip(*cpu[(name, op)], strict=True))
            figures.append(
                Figures(f"{op} [{name}]", count / elapsed, p50, p99, server_cpu_ms=server_s / count * 1000,
                        server_busy_pct=100 * server_s / wall, client_busy_pct=100 * client_s / wall)
            )  # fmt: skip
        # Latency, open loop: at half the bare server's maximum for the operation, the same rate for all; then
        # at half each server's own maximum, its latency at half its load.
        for figure in figures:
            op, name = figure.name.rsplit(" [", 1)
            target, call = operations[(name.rstrip("]"), op)]
            figure.open_rate = next(f.rps for f in figures if f.name == f"{op} [bare]") / 2
            figure.own_rate = figure.rps / 2
            for rate, field in ((figure.open_rate, "open"), (figure.own_rate, "own")):
                count = max(300, min(int(rate * 4), requests))
                p50, p99 = await open_loop(target, call, rate=rate, total=count, headers=headers)
                setattr(figure, f"{field}_p50_ms", p50)
                setattr(figure, f"{field}_p99_ms", p99)
    finally:
        for proc in servers.values():
            proc.terminate()
            proc.wait(timeout=20)
    return figures
