"""A sample webhook receiver: verifies each delivery with the `standardwebhooks` library, skips a
`webhook-id` it has already handled, and prints what it received.

    python -m services.webhooks.sample_receiver --secret whsec_... [--port 9300] [--log deliveries.jsonl]

Copy its `handle` function into your own receiver: verify first (over the raw body, with the headers as
received), answer 2xx quickly, deduplicate on `webhook-id`, and do the work afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class Receiver:
    """Verification and deduplication, independent of the HTTP server around it."""

    def __init__(self, secrets: list[str], log: Path | None = None) -> None:
        self.verifiers = [Webhook(secret) for secret in secrets]
        self.seen: set[str] = set()
        self.log = log
        self.lock = threading.Lock()

    def handle(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status to answer, the verified payload or None)."""
        payload = None
        for verifier in self.verifiers:  # several secrets while the sender rotates
            try:
                payload = verifier.verify(body, headers)
                break
            except WebhookVerificationError:
                continue
        if payload is None:
            return 400, None
        msg_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
        with self.lock:
            if msg_id in self.seen:
                return 200, None  # a retry of something already handled: acknowledge, do nothing
            self.seen.add(msg_id)
            if self.log:
                with self.log.open("a") as out:
                    out.write(json.dumps({"webhook_id": msg_id, **payload}) + "\n")
        return 204, payload


def serve(receiver: Receiver, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            status, payload = receiver.handle(self.rfile.read(min(length, 1_000_000)), dict(self.headers))
            self.send_response(status)
            self.end_headers()
            if payload is not None:
                print(f"verified {self.headers['webhook-id']}: {payload['type']} {json.dumps(payload['data'])[:160]}")
                sys.stdout.flush()

        def log_message(self, *_: Any) -> None:
            return

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.webhooks.sample_receiver", description=__doc__)
    parser.add_argument("--secret", action="append", required=True, help="whsec_... (repeat during a rotation)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9300)
    parser.add_argument("--log", type=Path, help="append each verified delivery as a JSON line")
    args = parser.parse_args(argv)
    server = serve(Receiver(args.secret, args.log), args.host, args.port)
    print(f"listening on http://{args.host}:{args.port}/")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
