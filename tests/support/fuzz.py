"""Run a service as a real process and schemathesis against its OpenAPI document: all checks, all phases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from deploy.local.settings import REPO_ROOT
from deploy.local.supervisor import free_port

CONFIG = REPO_ROOT / "tests" / "schemathesis.toml"


def serve(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """Start the API and wait for /healthz."""
    server = subprocess.Popen(argv, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            output = server.stdout.read().decode(errors="replace") if server.stdout else ""
            raise AssertionError(f"the API did not start:\n{output[-3000:]}")
        time.sleep(0.2)


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


__all__ = ["free_port", "run_schemathesis", "serve"]
