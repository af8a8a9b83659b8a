"""`python -m deploy.local install|up|down|status|logs|demo`: the local stack from the command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time

from deploy.local.infra import install_kafka_jars
from deploy.local.settings import StackSettings
from deploy.local.stack import Stack
from deploy.local.supervisor import StackError, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="fetch what a first start needs (Kafka jars)")
    for name, text in (("up", "start (idempotent)"), ("down", "stop gracefully")):
        p = sub.add_parser(name, help=text)
        p.add_argument("components", nargs="*", help="only these (default: all)")
        if name == "up":
            p.add_argument(
                "--watch", action="store_true", help="stay in the foreground and restart a crashed platform process"
            )
    sub.add_parser("status", help="each component with its pid, port and health")
    sub.add_parser("clean", help="stop everything and delete the run folder and PostgreSQL's data")
    logs = sub.add_parser("logs", help="last lines of a component's log")
    logs.add_argument("component")
    logs.add_argument("-n", type=int, default=50)
    logs.add_argument("-f", "--follow", action="store_true")
    sub.add_parser("demo", help="run the walking-skeleton demo against a running stack")
    args = parser.parse_args(argv)

    settings = StackSettings()
    stack = Stack(settings)
    try:
        if args.command == "install":
            install_kafka_jars(settings)
            print(f"Kafka jars ready in {settings.kafka_libs}")
        elif args.command == "up":
            started = time.monotonic()
            print(f"starting the local stack (run folder {settings.run_dir})")
            asyncio.run(stack.up(args.components))
            print(f"stack up in {time.monotonic() - started:.1f}s")
            _print_urls(settings)
            if args.watch:
                print("watching the platform's processes (Ctrl-C stops watching; the stack keeps running)")
                asyncio.run(stack.watch(args.components))
        elif args.command == "down":
            stack.down(args.components)
            print("stack down")
        elif args.command == "clean":
            stack.down()
            stack.clean()
            shutil.rmtree(settings.run_dir, ignore_errors=True)
            print(f"removed {settings.run_dir}")
        elif args.command == "status":
            rows = asyncio.run(stack.status())
            print(f"{'component':<20} {'pid':>8} {'port':>6}  health")
            for row in rows:
                health = "healthy" if row.healthy else ("unhealthy" if row.pid else "stopped")
                print(f"{row.name:<20} {row.pid or '-':>8} {row.port or '-':>6}  {health}")
            return 0 if all(r.healthy for r in rows) else 1
        elif args.command == "logs":
            component = stack.select([args.component])[0]
            if args.follow:
                return subprocess.call(["tail", "-n", str(args.n), "-F", str(component.log)])
            print(tail(component.log, args.n))
        elif args.command == "demo":
            from deploy.local.demo import run_demo

            return exit_now(asyncio.run(run_demo(settings)))
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def exit_now(code: int) -> int:
    """Leave without interpreter finalisation once a Temporal client was used.

    The Temporal SDK's Rust core keeps threads that may call into Python while the interpreter shuts down,
    which aborts the process (`Fatal Python error: PyGILState_Release`) after the work is done. Everything
    is flushed first; nothing else is left to clean up by then.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _print_urls(s: StackSettings) -> None:
    print(f"""
  Temporal UI          http://{s.host}:{s.temporal_ui_port}
  applications API     http://{s.host}:{s.applications_port}/docs
  training API         http://{s.host}:{s.training_port}/docs
  journey API          http://{s.host}:{s.journey_port}/docs
  Kafka bootstrap      {s.kafka_bootstrap}
  PostgreSQL           postgresql://<db>_app:<password>@{s.host}:{s.postgres_port}/<db>  (passwords: {s.secrets_dir})
""")


if __name__ == "__main__":
    sys.exit(main())
