"""Bring a whole local stack (or part of it) up, down, and report on it."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

from deploy.local.components import Component
from deploy.local.settings import StackSettings
from deploy.local.supervisor import StackError, port_in_use, spawn, stop, tail
from deploy.local.table import all_components


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int | None
    port: int | None
    healthy: bool


class Stack:
    """A local stack rooted in settings.run_dir."""

    def __init__(self, settings: StackSettings, components: Sequence[Component] | None = None) -> None:
        self.settings = settings
        self.components = list(components) if components is not None else all_components(settings)

    def select(self, names: Sequence[str] | None) -> list[Component]:
        if not names:
            return self.components
        known = {c.name: c for c in self.components}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise StackError(f"unknown component(s): {', '.join(unknown)}; known: {', '.join(known)}")
        return [c for c in self.components if c.name in names]

    async def up(self, names: Sequence[str] | None = None, *, echo: bool = True) -> None:
        """Start what is not running, in order, each healthy before the next; idempotent."""
        selected = self.select(names)
        for component in selected:
            component.preflight()
        for component in selected:
            await self._start_one(component, echo)

    async def _start_one(self, component: Component, echo: bool) -> None:
        say = print if echo else (lambda *_a, **_k: None)
        (self.settings.run_dir / "pids").mkdir(parents=True, exist_ok=True)
        if component.pid_file.running_pid() is not None:
            if await self._wait_healthy(component, 30):
                say(f"  {component.name:<20} already running")
                await component.after_start()
                return
            raise StackError(f"{component.name} runs but is not healthy; see {component.log}")
        if component.port is not None and port_in_use(self.settings.host, component.port):
            raise StackError(
                f"port {component.port} for {component.name} is taken by another program; "
                f"free it or choose another port (THAMM_STACK_* settings)"
            )
        started = time.monotonic()
        component.prepare()
        spawn(
            component.argv(),
            log=component.log,
            pid_file=component.pid_file,
            env=component.env(),
            options=component.spawn_options(),
        )
        if not await self._wait_healthy(component, self.settings.start_timeout_s):
            stop(component.pid_file, sig=component.stop_signal, timeout_s=5)
            raise StackError(
                f"{component.name} did not become healthy in {self.settings.start_timeout_s:.0f}s; "
                f"last lines of {component.log}:\n{tail(component.log)}"
            )
        await component.after_start()
        where = f"port {component.port}" if component.port else "no port"
        say(f"  {component.name:<20} started ({where}, {time.monotonic() - started:.1f}s)")

    async def _wait_healthy(self, component: Component, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if component.pid_file.running_pid() is None:
                return False
            if await component.healthy():
                return True
            await asyncio.sleep(0.3)
        return False

    async def watch(
        self, names: Sequence[str] | None = None, *, interval_s: float = 2.0, max_backoff_s: float = 60.0
    ) -> None:
        """Restart platform processes that died, with an exponential back-off per process, until cancelled."""
        selected = [c for c in self.select(names) if c.kind == "platform"]
        backoff = {c.name: 1.0 for c in selected}
        next_try = {c.name: 0.0 for c in selected}
        while True:
            now = time.monotonic()
            for component in selected:
                if component.pid_file.running_pid() is not None or now < next_try[component.name]:
                    continue
                stamp = time.strftime("%H:%M:%S")
                print(f"{stamp}  {component.name} is down; restarting (next retry in {backoff[component.name]:.0f}s)")
                try:
                    await self._start_one(component, echo=True)
                    backoff[component.name] = 1.0
                except StackError as exc:
                    print(f"{stamp}  {component.name} did not come back: {str(exc).splitlines()[0]}")
                    next_try[component.name] = now + backoff[component.name]
                    backoff[component.name] = min(max_backoff_s, backoff[component.name] * 2)
            await asyncio.sleep(interval_s)

    def down(self, names: Sequence[str] | None = None, *, echo: bool = True) -> None:
        """Stop the platform's processes together, then the infrastructure in reverse order.

        Each gets SIGTERM (SIGINT, a fast shutdown, for PostgreSQL) and is killed after the stop timeout.
        """
        selected = self.select(names)
        platform = [c for c in selected if c.kind == "platform"]
        infra = [c for c in reversed(selected) if c.kind != "platform"]
        with ThreadPoolExecutor(max_workers=max(len(platform), 1)) as pool:
            stopped = list(pool.map(self._stop_one, platform))
        stopped += [self._stop_one(c) for c in infra]
        if echo:
            for component, was_running in zip([*platform, *infra], stopped, strict=True):
                if was_running:
                    print(f"  {component.name:<20} stopped")

    def _stop_one(self, component: Component) -> bool:
        return stop(component.pid_file, sig=component.stop_signal, timeout_s=self.settings.stop_timeout_s)

    def clean(self) -> None:
        """Delete what the components keep outside the run folder (PostgreSQL's data when run as root)."""
        for component in self.components:
            component.clean()

    async def status(self) -> list[ComponentStatus]:
        result = []
        for component in self.components:
            pid = component.pid_file.running_pid()
            healthy = pid is not None and await component.healthy()
            result.append(ComponentStatus(component.name, pid, component.port, healthy))
        return result


@asynccontextmanager
async def private_infrastructure(settings: StackSettings) -> AsyncIterator[Stack]:
    """Fresh PostgreSQL, Kafka and Temporal in their own run folder (tests, benchmarks); all stopped after."""
    from deploy.local.table import infrastructure

    Stack(settings).down(echo=False)  # an interrupted earlier run may have left processes
    shutil.rmtree(settings.run_dir, ignore_errors=True)
    settings.run_dir.mkdir(parents=True)
    stack = Stack(settings, infrastructure(settings))
    try:
        await stack.up(echo=False)
        yield stack
    finally:
        Stack(settings).down(echo=False)
        stack.clean()
