"""Screenshot the Temporal UI listing journeys, in headless Chromium (`python -m deploy.screenshot_ui`).

Needs a running stack with journeys (`make demo`) and Debian's chromium (`apt-get install chromium`).
Writes docs/images/temporal-ui-journeys.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from deploy.local.settings import REPO_ROOT, StackSettings

DEFAULT_QUERY = "WorkflowType='ApprenticeJourneyWorkflow'"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.screenshot_ui", description=__doc__)
    parser.add_argument("--query", default=DEFAULT_QUERY, help="visibility query to show")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "images" / "temporal-ui-journeys.png")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        print("chromium is missing: apt-get install chromium", file=sys.stderr)
        return 2
    s = StackSettings()
    url = f"http://{s.host}:{s.temporal_ui_port}/namespaces/default/workflows?query={quote(args.query)}"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                "--window-size=1600,900",
                "--virtual-time-budget=15000",
                f"--screenshot={args.out}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode != 0 or not args.out.exists():
        print(result.stderr[-2000:], file=sys.stderr)
        return 1
    print(f"wrote {args.out} from {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
