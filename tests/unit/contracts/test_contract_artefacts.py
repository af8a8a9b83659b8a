"""Generated schemas and AsyncAPI are fresh, compatible with what was published, and valid."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from contracts.tools.compat import breaking_changes, check_against_history
from contracts.tools.generate import ASYNCAPI_FILE, CONTRACTS_DIR, SCHEMAS_DIR, stale_files

TOOLS = CONTRACTS_DIR / "tools"

BASE = {
    "type": "object",
    "properties": {
        "candidate_id": {"type": "string", "format": "uuid", "description": "x"},
        "level": {"$ref": "#/$defs/Level"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "required": ["candidate_id", "level"],
    "$defs": {"Level": {"type": "string", "enum": ["A1", "B1"]}},
}


def test_generated_files_are_up_to_date() -> None:
    assert stale_files() == [], "run `make contracts` and commit the result"


def test_models_are_compatible_with_every_published_schema_version() -> None:
    assert check_against_history() == []


def _changed(mutate) -> list[str]:  # type: ignore[no-untyped-def]
    new = copy.deepcopy(BASE)
    mutate(new)
    return breaking_changes(BASE, new)


def test_documentation_changes_and_new_optional_fields_are_compatible() -> None:
    def mutate(s: dict) -> None:
        s["properties"]["candidate_id"]["description"] = "reworded"
        s["properties"]["extra"] = {"type": "integer", "default": 0}

    assert _changed(mutate) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s["properties"].pop("note"), "property removed"),
        (lambda s: s["properties"].__setitem__("candidate_id", {"type": "integer"}), "type changed"),
        (
            lambda s: (s["properties"].__setitem__("new", {"type": "string"}), s["required"].append("new")),
            "new required property",
        ),
        (lambda s: s["required"].append("note"), "optional property made required"),
        (lambda s: s["required"].remove("level"), "required property made optional"),
        (lambda s: s["$defs"]["Level"]["enum"].append("C1"), "enum changed"),
        (lambda s: s["$defs"]["Level"]["enum"].remove("A1"), "enum changed"),
        (lambda s: s["properties"]["candidate_id"].__setitem__("format", "date"), "format changed"),
    ],
)
def test_breaking_changes_are_named(mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    problems = _changed(mutate)
    assert problems and any(expected in p for p in problems), problems


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "Node.js is required to validate the AsyncAPI document"
    assert (TOOLS / "node_modules" / "@asyncapi" / "parser").exists(), "run `make test` (it runs npm ci)"
    return subprocess.run(
        [node, str(TOOLS / "validate-asyncapi.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_asyncapi_document_is_valid_for_the_official_parser() -> None:
    result = _validate(ASYNCAPI_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID: AsyncAPI 3.0.0" in result.stdout


def test_the_validator_rejects_a_broken_document(tmp_path: Path) -> None:
    shutil.copytree(SCHEMAS_DIR, tmp_path / "schemas")
    broken = ASYNCAPI_FILE.read_text().replace("action: send", "action: shout", 1)
    (tmp_path / "asyncapi.yaml").write_text(broken)
    result = _validate(tmp_path / "asyncapi.yaml")
    assert result.returncode == 1, result.stdout
    assert "INVALID" in result.stderr


def test_every_schema_is_a_json_schema_of_its_type() -> None:
    for path in SCHEMAS_DIR.glob("*.json"):
        schema = json.loads(path.read_text())
        assert schema["title"] == path.stem
        assert schema["$schema"].endswith("2020-12/schema")
        assert schema["description"]


def test_only_released_types_are_held_to_the_compatibility_rules() -> None:
    from contracts.catalog import CATALOG, RELEASED_TOPICS, is_released, released_at
    from contracts.topics import EVENT_TOPICS, MONITORING

    assert set(RELEASED_TOPICS) == set(EVENT_TOPICS), "every service has shipped"
    assert all(is_released(t) for t in CATALOG)
    kind = "thamm.monitoring.arrival_confirmed.v1"
    assert is_released(kind) and released_at(kind) == RELEASED_TOPICS[MONITORING]
    assert not is_released("thamm.nothing.v1") and released_at("thamm.nothing.v1") is None


def test_a_release_compares_with_the_schema_current_at_release_and_later(tmp_path: Path) -> None:
    """Versions before the release are drafts: only the last of them, and everything after, count."""
    import subprocess
    from datetime import UTC, datetime

    from contracts.tools.compat import published_versions

    def commit(text: str, when: str) -> None:
        (tmp_path / "s.json").write_text(text)
        env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "PATH": os.environ["PATH"], "HOME": str(tmp_path)}
        for argv in (["add", "s.json"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", when]):
            subprocess.run(["git", *argv], cwd=tmp_path, check=True, env=env)

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    commit('{"v": 1}', "2026-11-01T10:00:00+00:00")
    commit('{"v": 2}', "2026-11-02T10:00:00+00:00")
    commit('{"v": 3}', "2026-11-04T10:00:00+00:00")
    since = datetime(2026, 11, 3, tzinfo=UTC)
    assert [v["v"] for _, v in published_versions(tmp_path / "s.json", since)] == [2, 3]
    assert [v["v"] for _, v in published_versions(tmp_path / "s.json")] == [1, 2, 3]
