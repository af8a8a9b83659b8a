"""Matching: one candidate's ranking against 500 positions, and one position's top 20 among 10,000 profiles,
both with every criterion explained, against a plain SQL top-k query over the same rows in the same run."""

from __future__ import annotations

import random
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg

from deploy.local.settings import REPO_ROOT, StackSettings
from services.common.auth import Principal, Role
from services.common.db import create_engine, session_factory
from services.common.migrations import upgrade_to_head
from services.matching.commands import RequestMatch
from services.matching.config import MatchingSettings
from services.matching.context import MatchingContext
from services.matching.handlers import ranking
from services.matching.reference import reference_data

MIGRATIONS = REPO_ROOT / "services" / "matching" / "migrations"
LEVELS = ("A2", "B1", "B1", "B2")


@dataclass
class Figures:
    profiles: int
    positions: int
    candidate_ranking_ms: float
    candidate_sql_topk_ms: float
    position_ranking_ms: float
    position_sql_topk_ms: float


async def seed(dsn: str, profiles: int, positions: int, rng: random.Random) -> list[uuid.UUID]:
    """One employer, `positions` published positions and `profiles` matchable profiles, written with COPY."""
    codes = list(reference_data().durations)
    lands = list(reference_data().lands)
    today = date.today()
    employer = uuid.uuid4()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO employer (id, name, nace_code, sites, contacts, agreement) VALUES ($1, 'Bench GmbH', 'I56.10',"
            " '[]', '[]', '{}')",
            employer,
        )
        rows = []
        for _ in range(positions):
            starts = date(today.year + 1, rng.choice((8, 9)), 1)
            places = rng.randint(1, 4)
            rows.append((uuid.uuid4(), employer, "main", rng.choice(lands), rng.choice(codes), places,
                         rng.randint(0, places), starts, starts + timedelta(days=60), "B1", [110000, 120000, 130000],
                         False, 39.0, "none", "published"))  # fmt: skip
        await conn.copy_records_to_table(
            "position",
            records=rows,
            columns=["id", "employer_id", "site", "land", "occupation_code", "places", "places_left", "starts_on",
                     "latest_start_on", "required_level", "monthly_pay_cents", "collective_agreement", "weekly_hours",
                     "housing_support", "status"],
        )  # fmt: skip
        candidates = [uuid.uuid4() for _ in range(profiles)]
        await conn.copy_records_to_table(
            "profile",
            records=[
                (cid, rng.sample(codes, rng.randint(1, 3)), "souss-massa", rng.choice(LEVELS), "B1",
                 today + timedelta(days=rng.randint(60, 400)), rng.sample(lands, rng.randint(0, 2)), "anywhere",
                 True, True, True)
                for cid in candidates
            ],
            columns=["candidate_id", "occupation_codes", "region", "level", "target_level", "available_from",
                     "preferred_lands", "mobility", "consent", "active", "matchable"],
        )  # fmt: skip
        await conn.execute("ANALYZE")
        return candidates
    finally:
        await conn.close()


CANDIDATE_TOPK = """
SELECT id FROM position
WHERE status = 'published' AND places_left > 0 AND left(occupation_code, 3) = ANY($1::text[])
ORDER BY (occupation_code = $2) DESC, starts_on, id LIMIT 20
"""
POSITION_TOPK = """
SELECT candidate_id FROM profile
WHERE matchable AND EXISTS (SELECT 1 FROM unnest(occupation_codes) AS c WHERE left(c, 3) = $1)
ORDER BY (occupation_codes[1] = $2) DESC, level DESC, available_from, candidate_id LIMIT 20
"""


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def run(stack: StackSettings, *, profiles: int = 10_000, positions: int = 500, rounds: int = 40) -> Figures:
    db = "bench_matching"
    await stack.provision_database(db)
    settings = MatchingSettings(
        database_url=stack.database_url(db), migration_database_url=stack.database_url(db, "owner")
    )
    await upgrade_to_head(settings, MIGRATIONS)
    rng = random.Random(7)
    dsn = stack.database_url(db).replace("postgresql+asyncpg:", "postgresql:")
    candidates = await seed(dsn, profiles, positions, rng)
    engine = create_engine(settings)
    ctx = MatchingContext.build(session_factory(engine), settings)
    officer = Principal("bench", frozenset({Role.CASE_OFFICER}), issuer="bench")
    conn = await asyncpg.connect(dsn)
    try:
        mine, sql = [], []
        position_ids = [r["id"] for r in await conn.fetch("SELECT id FROM position")]
        for cid in rng.sample(candidates, rounds):
            codes = (await conn.fetchval("SELECT occupation_codes FROM profile WHERE candidate_id = $1", cid))[:2]
            started = time.perf_counter()
            await ranking.request_match(ctx, officer, RequestMatch(cid, tuple(codes), 1))
            mine.append(time.perf_counter() - started)
            started = time.perf_counter()
            await conn.fetch(CANDIDATE_TOPK, sorted({c[:3] for c in codes}), codes[0])
            sql.append(time.perf_counter() - started)
        by_position, by_position_sql = [], []
        for pid in rng.sample(position_ids, rounds):
            code = await conn.fetchval("SELECT occupation_code FROM position WHERE id = $1", pid)
            started = time.perf_counter()
            await ranking.candidates_for(ctx, officer, pid, 20)
            by_position.append(time.perf_counter() - started)
            started = time.perf_counter()
            await conn.fetch(POSITION_TOPK, code[:3], code)
            by_position_sql.append(time.perf_counter() - started)
    finally:
        await conn.close()
        await engine.dispose()
    return Figures(profiles, positions, _ms(mine), _ms(sql), _ms(by_position), _ms(by_position_sql))
