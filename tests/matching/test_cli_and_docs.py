"""CLI, doctests of the engine modules, and the import guard."""

import ast
import doctest
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import matching

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "matching"
EXAMPLE = ENGINE / "examples" / "scheme.json"
MODULES = sorted(p.stem for p in ENGINE.glob("*.py") if p.stem not in ("__main__",))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    mod = importlib.import_module("matching" if name == "__init__" else f"matching.{name}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_public_functions_have_docstrings():
    for name in matching.__all__:
        obj = getattr(matching, name)
        if callable(obj) and not isinstance(obj, type):
            assert obj.__doc__, name


FORBIDDEN = {"flask", "sqlmodel", "sqlalchemy", "shared_lives"}


def test_engine_imports_nothing_from_the_app():
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for n in names:
                assert n.split(".")[0] not in FORBIDDEN, f"{path.name} imports {n}"
    code = "import sys, matching, matching.__main__; print(sorted(m for m in sys.modules if m.split('.')[0] in %r))"
    out = subprocess.run([sys.executable, "-c", code % FORBIDDEN], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("method", ["optimal", "stable"])
def test_cli_solve(method):
    out = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(EXAMPLE), "--method", method, "--top-k", "3"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["method"] == method
    assert data["weights_version"] == matching.WEIGHTS_VERSION
    assert data["proposals"]
    for p in data["proposals"]:
        assert p["explanation"]["factors"] and p["summary"]
    assert set(data["shortlists"]) == {"people", "households"}
    assert all(len(v) <= 3 for v in data["shortlists"]["people"].values())
    first = next(v for v in data["shortlists"]["people"].values() if v)
    assert "explanation" in first[0]
    if method == "stable":
        assert data["stability"] == {"blocking_pairs": [], "valid": True}


def test_stated_preferences_are_used_for_stable():
    data = json.loads(EXAMPLE.read_text())
    data["preferences"] = {"people": {"p1": ["h6", "h1"]}, "households": {"h6": ["p1", "p5"]}}
    out = matching.solve(data, "stable", 2)
    got = {p["person_id"]: p["household_id"] for p in out["proposals"]}
    assert got["p1"] == "h6"
    assert out["stability"]["blocking_pairs"] == []
