"""Idempotent provisioning of what the platform expects from its infrastructure.

Databases (one per service), Kafka topics (event and dead-letter topics, auto-create being off) and the
journey's Temporal search attributes. The local launcher calls these after each component starts;
`python -m deploy.provision` does the same in docker-compose and other deployments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import asyncpg

from contracts.topics import PARTITIONS, all_topics
from services.common.kafka import ensure_topics
from workflows import search

SERVICE_DATABASES = ("applications", "training", "matching", "visa", "monitoring", "webhooks", "journey")
#: The journey's search attributes (all Keyword), as the workflows declare them.
SEARCH_ATTRIBUTES = tuple(key.name for key in search.ALL)


async def create_databases(dsn: str, names: tuple[str, ...] = SERVICE_DATABASES) -> list[str]:
    """Create the missing databases, owned by the connecting (admin) role; returns the ones created."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
        created = [name for name in names if name not in existing]
        for name in created:
            await conn.execute(f'CREATE DATABASE "{name}"')
        return created
    finally:
        await conn.close()


def owner_role(database: str) -> str:
    return f"{database}_owner"


def runtime_role(database: str) -> str:
    return f"{database}_app"


async def create_service_database(dsn: str, database: str, owner_password: str, app_password: str) -> bool:
    """A service database with two login roles: `<db>_owner` owns the schema and runs migrations, `<db>_app`
    is what the service runs as (granted table privileges by the migrations, never DDL or audit changes).

    Idempotent: passwords are (re)set, the database is created if missing. Returns whether it was created.
    """
    owner, app = owner_role(database), runtime_role(database)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        for role, password in ((owner, owner_password), (app, app_password)):
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            verb = "ALTER" if exists else "CREATE"
            quoted = password.replace("'", "''")
            await conn.execute(f"{verb} ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{quoted}'")
        created = not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if created:
            await conn.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')
        await conn.execute(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
        await conn.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{app}"')
    finally:
        await conn.close()
    db_conn = await asyncpg.connect(dsn.rsplit("/", 1)[0] + f"/{database}", timeout=10)
    try:
        await db_conn.execute(f'ALTER SCHEMA public OWNER TO "{owner}"')
        await db_conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        await db_conn.execute(f'GRANT USAGE ON SCHEMA public TO "{app}"')
    finally:
        await db_conn.close()
    return created


async def create_topics(bootstrap_servers: str, partitions: int = PARTITIONS) -> list[str]:
    """Create the missing event and dead-letter topics; returns the ones created."""
    return await ensure_topics(bootstrap_servers, all_topics(), partitions=partitions)


async def register_search_attributes(address: str, namespace: str = "default") -> list[str]:
    """Register the missing Keyword search attributes on a Temporal server; returns the ones added."""
    from temporalio.client import Client

    return await add_search_attributes(await Client.connect(address, namespace=namespace))


async def add_search_attributes(client: Any) -> list[str]:
    """Register the missing Keyword search attributes through a connected client; returns the ones added."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
    from temporalio.service import RPCError, RPCStatusCode

    namespace = client.namespace
    try:
        listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
        existing = set(listed.custom_attributes)
    except RPCError as exc:  # the time-skipping test server cannot list them: add them all
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = [name for name in SEARCH_ATTRIBUTES if name not in existing]
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace,
                search_attributes={name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for name in missing},
            )
        )
    return missing


async def provision(postgres_dsn: str, kafka: str, temporal: str, secrets_dir: Path | None = None) -> None:
    if secrets_dir is None:
        print("databases created:", await create_databases(postgres_dsn) or "none missing")
    else:  # one owner and one runtime role per database, passwords from the mounted secret files
        for database in SERVICE_DATABASES:
            owner = (secrets_dir / f"postgres-{database}-owner").read_text().strip()
            app = (secrets_dir / f"postgres-{database}-app").read_text().strip()
            created = await create_service_database(postgres_dsn, database, owner, app)
            print(f"database {database}:", "created" if created else "roles updated")
    print("topics created:", await create_topics(kafka) or "none missing")
    print("search attributes added:", await register_search_attributes(temporal) or "none missing")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.provision", description=__doc__)
    parser.add_argument("--postgres", required=True, help="postgresql://user:password@host:port/postgres")
    parser.add_argument("--kafka", required=True, help="bootstrap servers, host:port")
    parser.add_argument("--temporal", required=True, help="Temporal frontend, host:port")
    parser.add_argument("--secrets-dir", type=Path, help="folder with postgres-<db>-owner/-app password files")
    parser.add_argument("--postgres-password-file", type=Path, help="the superuser's password, for --postgres")
    args = parser.parse_args()
    dsn = args.postgres
    if args.postgres_password_file:
        password = args.postgres_password_file.read_text().strip()
        dsn = dsn.replace("postgresql://postgres@", f"postgresql://postgres:{password}@", 1)
    asyncio.run(provision(dsn, args.kafka, args.temporal, args.secrets_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
