"""Write the secret files docker-compose mounts (`python -m deploy.compose_secrets`), once, private (0600/0700).

Each process is given only its own files (see docker-compose.yml): the applications API its keys and its
runtime database URL, the relay its runtime URL, the migrations the owner URL, the journey worker the
service token key. Existing files are kept, so passwords and keys stay stable across runs.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import sys
from pathlib import Path

from deploy.local.settings import REPO_ROOT
from deploy.provision import SERVICE_DATABASES
from services.common.auth import DEV_KEYS_DIR, ensure_dev_keys, ensure_key_pair, ensure_service_keys

OUT = REPO_ROOT / ".run" / "compose-secrets"


def _write(folder: Path, name: str, value: str) -> None:
    path = folder / name
    if path.exists():
        return
    path.write_text(value)
    path.chmod(0o600)


def _read(folder: Path, name: str) -> str:
    return (folder / name).read_text().strip()


def write_secrets(folder: Path = OUT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    _write(folder, "postgres_password", secrets.token_urlsafe(24))
    for database in SERVICE_DATABASES:
        for role in ("owner", "app"):
            _write(folder, f"postgres-{database}-{role}", secrets.token_urlsafe(24))
    for database in ("applications", "training", "matching", "visa", "monitoring", "webhooks", "journey"):
        prefix = database
        for role, name in (("app", "database_url"), ("owner", "migration_database_url")):
            password = _read(folder, f"postgres-{database}-{role}")
            url = f"postgresql+asyncpg://{database}_{role}:{password}@postgres:5432/{database}"
            _write(folder, f"{prefix}_{name}", url)
    _write(folder, "applications_master_key", base64.b64encode(os.urandom(32)).decode())
    _write(folder, "applications_hash_key", base64.b64encode(os.urandom(32)).decode())
    _write(folder, "webhooks_secret_key", base64.b64encode(os.urandom(32)).decode())
    for source in (*ensure_dev_keys(), *ensure_service_keys(), *ensure_key_pair(DEV_KEYS_DIR, "authorities")):
        target = folder / source.name
        if not target.exists():
            shutil.copyfile(source, target)
            target.chmod(0o600 if "private" in source.name else 0o644)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.compose_secrets", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    print(write_secrets(parser.parse_args().out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
