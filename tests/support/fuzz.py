"""Run a service as a real process and schemathesis against its OpenAPI document: all checks, all phases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from deploy.local.settings import REPO_ROOT
from deploy.local.supervisor import free_port, serve_http
from tests.support.helpers import token as officer_token

CONFIG = REPO_ROOT / "tests" / "schemathesis.toml"


def fuzz_service(argv: list[str], env_on: Callable[[int], dict[str, str]], workdir: Path) -> str:
    """Serve the API (`env_on(port)` is its environment) as a real process, run schemathesis, stop it."""
    port = free_port()
    server = serve_http(argv, env={**os.environ, **env_on(port)}, port=port, log=workdir / "server.log", cwd=REPO_ROOT)
    try:
        return run_schemathesis(port, officer_token(), workdir)
    finally:
        server.terminate()
        server.wait(timeout=20)


def run_schemathesis(port: int, token: str, workdir: Path, *, max_examples: int = 15, seed: int = 7) -> str:
    """schemathesis with every check and the stateful phase; returns its output, raises on any failure."""
    binary = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks",
        "PYTHONPATH": str(REPO_ROOT),
        "THAMM_FUZZ_TOKEN": token,
    }
    result = subprocess.run(
        [
            binary,
            "--config-file",
            str(CONFIG),
            "run",
            f"http://127.0.0.1:{port}/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(max_examples),
            "--seed",
            str(seed),
            "--request-timeout",
            "10",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=workdir,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "failures" not in result.stdout.splitlines()[-1] or " 0 failures" in result.stdout, result.stdout[-3000:]
    return result.stdout


__all__ = ["fuzz_service", "run_schemathesis"]
