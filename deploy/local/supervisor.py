"""Child processes with pid files and logs: start detached, tell alive from dead, stop gracefully."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil


class StackError(RuntimeError):
    """A launcher failure with a message meant for the person at the terminal."""


@dataclass(frozen=True)
class PidFile:
    """Pid and start time of one detached child, so a reused pid is never mistaken for ours."""

    path: Path

    def write(self, pid: int) -> None:
        created = psutil.Process(pid).create_time()
        self.path.write_text(json.dumps({"pid": pid, "created": created}))

    def running_pid(self) -> int | None:
        """The recorded pid if that very process is still alive (zombies count as dead)."""
        try:
            data = json.loads(self.path.read_text())
            proc = psutil.Process(int(data["pid"]))
            if abs(proc.create_time() - float(data["created"])) > 0.5:
                return None
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            return int(proc.pid)
        except (FileNotFoundError, ValueError, KeyError, psutil.NoSuchProcess, psutil.AccessDenied):
            return None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def spawn(
    argv: list[str],
    *,
    log: Path,
    pid_file: PidFile,
    env: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> int:
    """Start argv in its own session, output appended to log; returns the pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n--- start {time.strftime('%Y-%m-%dT%H:%M:%S')}: {' '.join(argv)}\n".encode())
        out.flush()
        try:
            proc = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
                **(options or {}),
            )
        except FileNotFoundError as exc:
            raise StackError(f"cannot start {argv[0]}: {exc.strerror}") from exc
    pid: int = proc.pid
    pid_file.write(pid)
    return pid


def stop(pid_file: PidFile, *, sig: int = signal.SIGTERM, timeout_s: float = 20.0) -> bool:
    """Signal the process group, wait up to timeout_s, then kill it; True if something was running."""
    pid = pid_file.running_pid()
    if pid is None:
        pid_file.clear()
        return False
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        procs = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
    _gone, alive = psutil.wait_procs(procs, timeout=timeout_s)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    pid_file.clear()
    return True


def port_in_use(host: str, port: int) -> bool:
    """True if something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (for servers started by tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve_http(
    argv: list[str], *, env: dict[str, str], port: int, log: Path, cwd: Path | None = None, timeout_s: float = 60
) -> subprocess.Popen[bytes]:
    """Start an HTTP server process in the foreground (tests, benchmarks), output appended to log, and wait
    until its port accepts connections (uvicorn binds after the app's start-up); StackError if it does not."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        if port_in_use("127.0.0.1", port):
            return proc
        time.sleep(0.2)
    proc.kill()
    proc.wait(timeout=10)
    raise StackError(f"{' '.join(argv)} did not start on port {port}; last lines of {log}:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, or a note that there is none."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no log at {path})"
