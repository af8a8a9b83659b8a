"""Where document contents live, behind an interface; a local folder by default."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from typing import Protocol


class DocumentStorage(Protocol):
    """Content-addressed blob storage."""

    async def put(self, content: bytes) -> tuple[str, str]:
        """Store content; returns (storage key, sha256 hex)."""
        ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


class LocalFolderStorage:
    """Blobs as files named by their SHA-256 under a root folder (two-level fan-out); files 0600, folders 0700."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    async def put(self, content: bytes) -> tuple[str, str]:
        digest = hashlib.sha256(content).hexdigest()
        path = self._path(digest)

        def write() -> None:
            for folder in (self.root, path.parent):  # private: readable by the service's user only
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                folder.chmod(0o700)
            if not path.exists():
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(content)
                tmp.replace(path)

        await asyncio.to_thread(write)
        return digest, digest

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


#: Accepted document formats, told by their first bytes (the declared type must agree).
MAGIC = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


def sniff(content: bytes) -> str | None:
    """The accepted content type whose signature the content starts with, if any."""
    return next((ctype for ctype, magic in MAGIC.items() if content.startswith(magic)), None)
