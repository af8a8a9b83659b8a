"""Compatibility rules for published event schemas (FULL: old readers and new readers both keep working).

Within one version (`...v1`) a schema may only gain optional properties and change documentation. Breaking:
a removed or renamed property, a type or format change, a new required property, a required property made
optional, any change to an enum or const, a removed definition.

`python -m contracts.tools.compat` compares the schemas generated from the models now with every version of each
schema committed in git history, so a breaking change fails even when the schema files were regenerated. Only
released types are held to this (`contracts.catalog.RELEASED_TOPICS`): a service's events may change in place
until the service ships on main.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

DOC_KEYS = frozenset({"description", "title", "examples", "default", "$comment"})
_STRUCTURE = frozenset({"properties", "required", "$defs"})


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "#") -> list[str]:
    """Every incompatible difference between a published schema and its successor, as readable lines."""
    problems: list[str] = []
    _compare(old, new, path, problems)
    return problems


def _compare(old: Any, new: Any, path: str, problems: list[str]) -> None:
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            problems.append(f"{path}: changed from {old!r} to {new!r}")
        return
    if "properties" in old or "properties" in new:
        _compare_object(old, new, path, problems)
    old_defs, new_defs = old.get("$defs", {}), new.get("$defs", {})
    for name in old_defs:
        if name not in new_defs:
            problems.append(f"{path}/$defs/{name}: definition removed")
        else:
            _compare(old_defs[name], new_defs[name], f"{path}/$defs/{name}", problems)
    for key in sorted((set(old) | set(new)) - DOC_KEYS - _STRUCTURE):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "enum":
            added = sorted(set(after or []) - set(before or []))
            removed = sorted(set(before or []) - set(after or []))
            problems.append(f"{path}: enum changed (added {added}, removed {removed})")
        elif (
            key in ("anyOf", "oneOf", "allOf")
            and isinstance(before, list)
            and isinstance(after, list)
            and len(before) == len(after)
        ):
            for i, (b, a) in enumerate(zip(before, after, strict=True)):
                _compare(b, a, f"{path}/{key}/{i}", problems)
        elif key in ("items", "additionalProperties") and isinstance(before, dict) and isinstance(after, dict):
            _compare(before, after, f"{path}/{key}", problems)
        else:
            problems.append(f"{path}: {key} changed from {before!r} to {after!r}")


def _compare_object(old: dict[str, Any], new: dict[str, Any], path: str, problems: list[str]) -> None:
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for name in old_props:
        if name not in new_props:
            problems.append(f"{path}/{name}: property removed (or renamed)")
        else:
            _compare(old_props[name], new_props[name], f"{path}/{name}", problems)
    for name in sorted(new_req - old_req):
        problems.append(
            f"{path}/{name}: "
            + ("new required property" if name not in old_props else "optional property made required")
        )
    for name in sorted((old_req - new_req) & set(new_props)):
        problems.append(f"{path}/{name}: required property made optional (old readers rely on it)")


def _git(*args: str, cwd: Path) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    return result.stdout if result.returncode == 0 else None


def published_versions(path: Path, since: datetime | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(commit, schema) for every committed version of a schema file, oldest first.

    With `since` (the release), only the version current at that time and the ones committed after it.
    """
    repo = path.parent
    top = _git("rev-parse", "--show-toplevel", cwd=repo)
    if top is None:
        return []
    relative = path.resolve().relative_to(Path(top.strip()).resolve())
    log = (_git("log", "--format=%H %cI", "--", str(relative), cwd=repo) or "").split("\n")
    commits = [(c, datetime.fromisoformat(d)) for c, d in (line.split() for line in log if line.strip())]
    commits.reverse()  # oldest first
    if since is not None:
        before = [c for c in commits if c[1] < since]
        commits = before[-1:] + [c for c in commits if c[1] >= since]
    versions = []
    for commit, _when in commits:
        text = _git("show", f"{commit}:{relative}", cwd=repo)
        if text:
            versions.append((commit[:10], json.loads(text)))
    return versions


def check_against_history() -> list[str]:
    """Breaking changes of the models now against every committed version of their schemas."""
    from contracts.catalog import ALL_EVENTS, is_released, released_at
    from contracts.tools.generate import SCHEMAS_DIR, schema_of

    problems = []
    current = {SCHEMAS_DIR / f"{cls.TYPE}.json": schema_of(cls) for cls in ALL_EVENTS if is_released(cls.TYPE)}
    for path in sorted(SCHEMAS_DIR.glob("*.json")):
        if path not in current and is_released(path.stem) and published_versions(path):
            problems.append(f"{path.name}: a published type was removed from the catalog")
    for path, schema in current.items():
        for commit, old in published_versions(path, released_at(path.stem)):
            problems += [f"{path.name} (vs {commit}): {p}" for p in breaking_changes(old, schema)]
    return problems


def main() -> int:
    problems = check_against_history()
    if problems:
        print("breaking changes to published event versions (publish a .v2 type instead):")
        print("\n".join(f"  {p}" for p in problems))
        return 1
    print("contracts compatible with every published version")
    return 0


if __name__ == "__main__":
    sys.exit(main())
