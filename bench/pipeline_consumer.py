"""The backbone benchmark's consumer, in a process of its own as in a deployment: the kit's EventConsumer with
an inbox and one effect row per event; after each commit it appends `<event id> <time>` lines to a file.

    python -m bench.pipeline_consumer <database url> <bootstrap> <topic> <group> <file>
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Envelope
from contracts.monitoring import CheckinRecorded
from services.common.consumer import EventConsumer
from services.common.db import create_engine, session_factory
from services.common.runner import run_async
from services.common.settings import ServiceSettings


async def main(url: str, bootstrap: str, topic: str, group: str, out: Path) -> None:
    engine = create_engine(ServiceSettings(service_name="bench", database_url=url, database_pool_size=8))
    sessions = session_factory(engine)
    sink = out.open("a", buffering=1)

    async def effect(event: object, envelope: Envelope, session: AsyncSession | None) -> None:
        assert session is not None
        await (await session.connection()).execute(
            sa.text("INSERT INTO effect VALUES (:e, :t)").bindparams(e=envelope.id, t=time.time())
        )
        session.sync_session.info.setdefault("bench_ids", []).append(envelope.id)

    def committed(sync_session: Session) -> None:  # the effect is visible from here on
        ids = sync_session.info.pop("bench_ids", None)
        if ids:
            now = time.time()
            sink.write("".join(f"{i} {now}\n" for i in ids))

    sa.event.listen(Session, "after_commit", committed)
    consumer = EventConsumer(
        bootstrap_servers=bootstrap, group=group, topics=(topic,), handlers={CheckinRecorded.TYPE: effect},
        sessions=sessions,
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, consumer.stop)
    try:
        await consumer.run()
    finally:
        sink.close()
        await engine.dispose()


if __name__ == "__main__":
    url, bootstrap, topic, group, out = sys.argv[1:6]
    run_async(main(url, bootstrap, topic, group, Path(out)))
