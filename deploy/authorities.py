"""The authorities simulator (local stacks only): stands in for the Federal Employment Agency (BA), the
foreigners authority (ABH) and the consulate with its appointment provider, which have no public API.

It reads `thamm.visa` from the beginning (so a restart rebuilds what is pending from the topic itself), and
answers the visa service's requests the way an officer entering the authority's answer would: by calling the
visa service's endpoints with a `service` token and an Idempotency-Key per answer, so a repeat is harmless.

- `labour_approval_requested` -> the BA grants, refuses (with a reason) or stays silent (the journey's timer
  then records the deemed approval);
- BA approval of a §81a case -> the ABH issues the pre-approval;
- `appointment_requested` -> an appointment is booked; at its time the application is lodged (retried while
  the checklist is incomplete);
- `visa_lodged` / `reapplication_lodged` -> the consulate grants or refuses.

Outcomes come from a seeded random generator per case and step; delays are drawn in days and a profile says
how long a day takes (`realistic`: a day is a day; `fast`: a day is a fraction of a second, for demos). Each
authority can be told to `fail` (every answer a refusal), be `slow` or go `down` (no answers until it is back).

    python -m deploy.authorities [--fast] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("thamm.authorities")

Authority = Literal["ba", "abh", "consulate"]
Mode = Literal["normal", "fail", "slow", "down"]


class Rates(BaseModel):
    """One authority's behaviour: outcome rates and the delay of an answer, in days."""

    refusal_rate: float = Field(ge=0, le=1)
    silent_rate: float = Field(default=0.0, ge=0, le=1, description="BA only: no answer (deemed approval).")
    min_days: float = Field(ge=0)
    max_days: float = Field(ge=0)


class Profile(BaseModel):
    name: str
    day_seconds: float = Field(gt=0, description="How long a simulated day takes.")
    rates: dict[str, Rates]
    visa_validity_days: int = 180
    lodge_retry_days: float = 2.0


def realistic() -> dict[str, Rates]:
    """Rates and delays seen in practice (BA answers within its 2 weeks; consulates take weeks)."""
    return {
        "ba": Rates(refusal_rate=0.08, silent_rate=0.05, min_days=3, max_days=12),
        "abh": Rates(refusal_rate=0.0, min_days=7, max_days=28),
        "appointment": Rates(refusal_rate=0.0, min_days=14, max_days=56),
        "appointment_81a": Rates(refusal_rate=0.0, min_days=3, max_days=20),
        "consulate": Rates(refusal_rate=0.08, min_days=14, max_days=56),
        "consulate_81a": Rates(refusal_rate=0.05, min_days=5, max_days=20),
    }


PROFILES = {
    "realistic": Profile(name="realistic", day_seconds=86_400, rates=realistic()),
    "fast": Profile(name="fast", day_seconds=0.05, rates=realistic()),
}


class SimulatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTHORITIES_", frozen=True, extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = 8009
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    visa_url: str = "http://127.0.0.1:8004"
    signing_key_file: Path | None = Field(default=None, description="Its own key (not the journey's service key).")
    issuer: str = "thamm-authorities-dev"
    auth_audience: str = "thamm"
    profile: str = "realistic"
    seed: int = 20260101


@dataclass
class Case:
    accelerated: bool = False
    pending: dict[str, float] = field(default_factory=dict)  # step -> monotonic time it is due


class FaultChange(BaseModel):
    mode: Mode
    slow_factor: float = Field(default=10.0, ge=1, le=1000)


class Simulator:
    """Pending requests per case, rebuilt from the topic, answered when due."""

    def __init__(self, settings: SimulatorSettings, profile: Profile, http: httpx.AsyncClient | None = None) -> None:
        self.settings, self.profile = settings, profile
        self.cases: dict[str, Case] = {}
        self.faults: dict[str, FaultChange] = {}
        self.answered: list[dict[str, Any]] = []
        self.http = http or httpx.AsyncClient(timeout=10)
        self._tokens = None
        if settings.signing_key_file is not None:
            from services.common.auth import ServiceTokens

            self._tokens = ServiceTokens(
                settings.signing_key_file.read_bytes(),
                issuer=settings.issuer,
                audience=settings.auth_audience,
                subject="authorities-simulator",
            )

    # --- randomness and time ----------------------------------------------------------------------

    def _rng(self, case_id: str, step: str) -> random.Random:
        return random.Random(f"{self.settings.seed}:{case_id}:{step}")

    def _rates(self, key: str) -> Rates:
        return self.profile.rates[key]

    def _delay(self, case_id: str, step: str, key: str, authority: str) -> float:
        rates = self._rates(key)
        days = self._rng(case_id, step + ":delay").uniform(rates.min_days, rates.max_days)
        fault = self.faults.get(authority)
        factor = fault.slow_factor if fault is not None and fault.mode == "slow" else 1.0
        return days * self.profile.day_seconds * factor

    def _schedule(self, case_id: str, step: str, key: str, authority: str) -> None:
        case = self.cases.setdefault(case_id, Case())
        if step not in case.pending:
            case.pending[step] = time.monotonic() + self._delay(case_id, step, key, authority)

    # --- reading the topic -------------------------------------------------------------------------

    def observe(self, event_type: str, data: dict[str, Any]) -> None:
        """Update what is pending from one `thamm.visa` event."""
        name = event_type.split(".")[2]
        case_id = str(data.get("visa_case_id"))
        case = self.cases.setdefault(case_id, Case())
        if "accelerated" in data:  # told by visa_case_opened
            case.accelerated = bool(data["accelerated"])
        if name == "labour_approval_requested":
            self._schedule(case_id, f"ba:{data['attempt']}", "ba", "ba")
        elif name in ("labour_approval_granted", "labour_approval_deemed", "labour_approval_refused"):
            case.pending.pop(f"ba:{data.get('attempt', 1)}", None)
            if name != "labour_approval_refused" and case.accelerated:
                self._schedule(case_id, "abh", "abh", "abh")
        elif name == "preapproval_issued":
            case.pending.pop("abh", None)
        elif name == "appointment_requested":
            self._schedule(
                case_id, "appointment", "appointment_81a" if case.accelerated else "appointment", "consulate"
            )
        elif name == "appointment_booked":
            case.pending.pop("appointment", None)
            at = datetime.fromisoformat(str(data["appointment_at"]))
            wait = max((at - datetime.now(UTC)).total_seconds(), 0.0)
            case.pending.setdefault("lodge", time.monotonic() + min(wait, 30 * self.profile.day_seconds))
        elif name in ("visa_lodged", "reapplication_lodged"):
            case.pending.pop("lodge", None)
            key = "consulate_81a" if case.accelerated else "consulate"
            self._schedule(case_id, f"decision:{data.get('application', 1)}", key, "consulate")
        elif name in ("visa_granted", "visa_refused"):
            case.pending = {k: v for k, v in case.pending.items() if not k.startswith("decision")}
        elif name == "visa_case_cancelled":
            case.pending.clear()

    # --- answering ---------------------------------------------------------------------------------

    def due(self, now: float | None = None) -> list[tuple[str, str]]:
        now = time.monotonic() if now is None else now
        return [(cid, step) for cid, case in self.cases.items() for step, at in case.pending.items() if at <= now]

    def _authority(self, step: str) -> str:
        return {"ba": "ba", "abh": "abh"}.get(step.split(":")[0], "consulate")

    async def answer(self, case_id: str, step: str) -> None:
        """Call the visa service with this authority's answer; keep it pending if the service is away."""
        fault = self.faults.get(self._authority(step))
        if fault is not None and fault.mode == "down":
            return
        failing = fault is not None and fault.mode == "fail"
        path, body = self._answer_body(case_id, step, failing)
        if path is None:
            self.cases[case_id].pending.pop(step, None)
            return
        headers = {
            "Idempotency-Key": f"authorities:{case_id}:{step}",
            **(self._tokens.header() if self._tokens else {}),
        }
        try:
            response = await self.http.post(
                f"{self.settings.visa_url}/v1/visa-cases/{case_id}/{path}", json=body, headers=headers
            )
        except httpx.HTTPError as exc:
            log.warning("visa service away (%s): %s stays pending", exc, step)
            return
        case = self.cases[case_id]
        log.info("%s %s -> %s", step, path, response.status_code)
        if response.status_code < 300:
            case.pending.pop(step, None)
            self.answered.append({"visa_case_id": case_id, "step": step, "path": path, "body": body})
        elif step == "lodge" and response.status_code == 409:  # documents not verified yet: come back later
            case.pending[step] = time.monotonic() + self.profile.lodge_retry_days * self.profile.day_seconds
        elif 400 <= response.status_code < 500:
            log.warning("%s refused %s: %s", path, step, response.text[:300])
            case.pending.pop(step, None)
        else:
            case.pending[step] = time.monotonic() + self.profile.day_seconds

    def _answer_body(self, case_id: str, step: str, failing: bool) -> tuple[str | None, dict[str, Any]]:
        today = datetime.now(UTC).date()
        rng = self._rng(case_id, step)
        kind = step.split(":")[0]
        if kind == "ba":
            rates = self._rates("ba")
            roll = rng.random()
            if not failing and roll < rates.silent_rate:
                return None, {}  # the BA stays silent: the approval will be deemed given
            refused = failing or roll < rates.silent_rate + rates.refusal_rate
            body: dict[str, Any] = {"attempt": int(step.split(":")[1]), "decided_on": str(today)}
            body.update(
                {"outcome": "refused", "reason_code": "PAY_BELOW_COMPARABLE"} if refused else {"outcome": "granted"}
            )
            return "labour-approval/decision", body
        if kind == "abh":
            return "preapproval", {"issued_on": str(today)}
        if kind == "appointment":  # a slot one to seven days after it is offered
            slot = datetime.now(UTC) + timedelta(seconds=rng.uniform(1, 7) * self.profile.day_seconds)
            return "appointment", {"appointment_at": slot.replace(microsecond=0).isoformat()}
        if kind == "lodge":
            return "lodgement", {"lodged_on": str(today), "visa_fee_payer": "employer"}
        rates = self._rates("consulate_81a" if self.cases.setdefault(case_id, Case()).accelerated else "consulate")
        if failing or rng.random() < rates.refusal_rate:
            return "decision", {"outcome": "refused", "decided_on": str(today), "reason_code": "DOCUMENTS_INCOMPLETE"}
        until = today + timedelta(days=self.profile.visa_validity_days)
        return "decision", {
            "outcome": "granted",
            "decided_on": str(today),
            "valid_from": str(today),
            "valid_until": str(until),
        }

    async def tick(self) -> None:
        for case_id, step in self.due():
            await self.answer(case_id, step)

    def state(self) -> dict[str, Any]:
        now = time.monotonic()
        pending = {
            cid: {step: round(max(at - now, 0.0), 3) for step, at in case.pending.items()}
            for cid, case in self.cases.items()
            if case.pending
        }
        return {
            "profile": self.profile.name,
            "day_seconds": self.profile.day_seconds,
            "seed": self.settings.seed,
            "faults": {k: v.model_dump() for k, v in self.faults.items()},
            "rates": {k: v.model_dump() for k, v in self.profile.rates.items()},
            "pending_seconds": pending,
            "answered": len(self.answered),
        }


async def follow_topic(sim: Simulator, stop: asyncio.Event) -> None:
    """Follow the topic until stopped; a failure is logged and the topic read again (answers are idempotent)."""
    while not stop.is_set():
        try:
            await _follow(sim, stop)
        except Exception:
            log.exception("reading thamm.visa failed; starting again")
            await asyncio.sleep(1)


async def _follow(sim: Simulator, stop: asyncio.Event) -> None:
    """Read `thamm.visa` from the beginning (no consumer group: the topic is the simulator's memory)."""
    from aiokafka import AIOKafkaConsumer

    from contracts.topics import VISA

    consumer = AIOKafkaConsumer(
        VISA,
        bootstrap_servers=sim.settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        metadata_max_age_ms=5000,
    )
    await consumer.start()
    log.info("following %s from the beginning", VISA)
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            for records in batches.values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers or ()}
                    event_type = headers.get("ce_type", "")
                    if event_type.startswith("thamm.visa.") and record.value:
                        sim.observe(event_type, json.loads(record.value))
            await sim.tick()
    finally:
        await consumer.stop()


def create_app(sim: Simulator) -> FastAPI:
    app = FastAPI(title="THAMM authorities simulator (local stacks only)")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/state")
    async def state() -> dict[str, Any]:
        """Profile, faults, outcome rates and what is pending per case (seconds until its answer)."""
        return sim.state()

    @app.put("/v1/faults/{authority}")
    async def set_fault(authority: Authority, change: FaultChange) -> dict[str, Any]:
        """`fail`: every answer a refusal; `slow`: delays times `slow_factor`; `down`: no answers; `normal`."""
        sim.faults[authority] = change
        return sim.state()

    @app.put("/v1/rates/{key}")
    async def set_rates(
        key: Literal["ba", "abh", "appointment", "appointment_81a", "consulate", "consulate_81a"], rates: Rates
    ) -> dict[str, Any]:
        """Change one authority's outcome rates and delays (the demo makes every answer a grant)."""
        sim.profile.rates[key] = rates
        return sim.state()

    return app


async def serve(settings: SimulatorSettings) -> None:
    import uvicorn

    profile = PROFILES[settings.profile].model_copy(deep=True)
    sim = Simulator(settings, profile)
    stop = asyncio.Event()
    server = uvicorn.Server(
        uvicorn.Config(create_app(sim), host=settings.http_host, port=settings.http_port, log_level="warning")
    )
    follower = asyncio.create_task(follow_topic(sim, stop))
    try:
        await server.serve()
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await follower
        await sim.http.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.authorities", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="a day takes 0.05 s (demos and tests)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.fast:
        overrides["profile"] = "fast"
    if args.seed is not None:
        overrides["seed"] = args.seed
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(serve(SimulatorSettings(**overrides)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
