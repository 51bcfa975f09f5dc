"""What starting routeguard imports: the commands that only print (`--version`, `--help`, `rules`, `explain`)
and discovering the rules load neither LibCST nor the analysis. The rule registry reads each rule's metadata
from its module's source (rules/__init__.py), and imports a rule module only to run its check or its fix.

Timings are in docs/speed.md ("Startup"); the tests check what is imported, which does not depend on the
machine's load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import write
from routeguard_lint import rules
from routeguard_lint.rules.base import PRECISIONS

# what a command that only prints must not load: the parser, the analysis stages, the rule modules, rich
HEAVY = ("libcst", "rich", "routeguard_lint.parsing", "routeguard_lint.facts", "routeguard_lint.project",
         "routeguard_lint.routes", "routeguard_lint.auth", "routeguard_lint.fix", "routeguard_lint.api",
         "routeguard_lint.rules.rg")

PROBE = """
import json, sys
from typer.testing import CliRunner
before = set(sys.modules)  # what the CLI library loads by itself (typer < 0.14 imports rich): not ours
from routeguard_lint.cli import app
codes = {}
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(app, args)
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    codes[" ".join(args)] = (result.exit_code, repr(result.exception) if crashed else "")
heavy = tuple(json.loads(sys.argv[2]))
loaded = sorted(m for m in sys.modules if m.startswith(heavy) and m not in before)
print(json.dumps({"codes": codes, "loaded": loaded}))
"""


def _probe(*commands: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if k != "ROUTEGUARD_NO_CACHE"} | (env or {})
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(commands), json.dumps(HEAVY)],
                          capture_output=True, text=True, check=False, timeout=120, env=environ)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_printing_commands_import_no_analysis() -> None:
    commands = [["--version"], ["--help"], ["-h"], ["rules"], ["explain", "RG001"], ["explain", "nope"],
                ["check", "--help"], ["routes", "--help"], ["cache", "--help"]]
    result = _probe(*commands)
    assert result["codes"] == {" ".join(c): [2 if c == ["explain", "nope"] else 0, ""] for c in commands}
    assert result["loaded"] == []


def test_the_probe_sees_what_a_check_imports(tmp_path: Path) -> None:
    """The probe above can fail: running a check loads the analysis and the rule modules."""
    project = write(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    result = _probe(["check", "--no-cache", str(project)])
    assert result["codes"] == {f"check --no-cache {project}": [0, ""]}
    loaded = result["loaded"]
    assert isinstance(loaded, list)
    assert "libcst" in loaded and any(name.startswith("routeguard_lint.routes.") for name in loaded)
    assert "routeguard_lint.rules.rg001_unprotected_route" in loaded


def test_a_warm_run_on_an_unchanged_tree_loads_no_parser(tmp_path: Path) -> None:
    """What a pre-commit run on an unchanged tree does: every file's facts come from the cache, so LibCST (the
    parser, the fixes) is never imported. A finding no autofix handles keeps the fixes unloaded too."""
    project = write(tmp_path / "p", {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n\n"
                                                "@app.get('/open')\ndef open_route(skip: int = 0):\n    return []\n"})
    env = {"ROUTEGUARD_CACHE_DIR": str(tmp_path / "cache")}
    cold = _probe(["check", str(project)], env=env)
    assert cold["codes"] == {f"check {project}": [1, ""]} and "libcst" in cold["loaded"]  # type: ignore[operator]
    warm = _probe(["check", str(project)], ["check", "--format", "json", str(project)], env=env)
    assert warm["codes"] == {f"check {project}": [1, ""], f"check --format json {project}": [1, ""]}
    loaded = warm["loaded"]
    assert isinstance(loaded, list)
    assert not [name for name in loaded if name.startswith(("libcst", "routeguard_lint.fix"))], loaded


def test_every_rule_module_is_read_without_importing_it() -> None:
    """No rule falls back to being imported at discovery: each `RULE = Rule(...)` is literal, and what the
    registry read is what the module holds once imported."""
    for discovered in rules.DISCOVERED:
        origin = Path(rules.__file__).parent / f"{discovered.name.rsplit('.', 1)[-1]}.py"
        read = rules.read_metadata(origin.read_text(encoding="utf-8"))
        assert read is not None, f"{discovered.name}: RULE cannot be read from the source"
        module = rules.rule_module(discovered.rule.code)
        assert read == (module.RULE, getattr(module, "PHASE", "graph"))
        assert discovered.fixable == (rules.fixer(discovered.rule.code) is not None)


@pytest.mark.parametrize("rule", rules.ALL_RULES, ids=[r.code for r in rules.ALL_RULES])
def test_each_rule_decides_its_code_scanning_properties(rule: rules.Rule) -> None:
    assert rule.precision in PRECISIONS
    # a weakness in the analysed code has a CWE and a severity; a rule about something else has neither
    assert bool(rule.cwe) == (rule.security_severity is not None), rule.code
    if rule.security_severity is not None:
        assert 0.0 < rule.security_severity <= 10.0


COMPUTED = '''
from routeguard_lint.rules.base import Rule

FIELDS = {"code": "RG993", "name": "computed-rule", "summary": "A rule whose metadata is computed.",
          "severity": "note", "what": "w", "why": "w", "example": "x = 1", "fix": "f"}
RULE = Rule(**FIELDS)


def check(graph):
    return []
'''
REASSIGNED = '''
import dataclasses

from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG994", name="reassigned-rule", summary="s", severity="note", what="w", why="w", example="x = 1", fix="f",
)
RULE = dataclasses.replace(RULE, summary="changed once imported")


def check(graph):
    return []
'''


def test_metadata_that_cannot_be_read_from_the_source_is_imported(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    extra = write(tmp_path / "extra", {"rg993_computed_rule.py": COMPUTED}, top=False)
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(extra)])
    try:
        (found,) = rules.discover([str(extra)], rules.__name__)
        assert found.rule.name == "computed-rule" and not found.fixable
        assert "routeguard_lint.rules.rg993_computed_rule" in sys.modules  # imported at discovery
    finally:
        sys.modules.pop("routeguard_lint.rules.rg993_computed_rule", None)


def test_a_rule_that_changes_once_imported_is_an_error(tmp_path: Path) -> None:
    extra = write(tmp_path / "extra", {"rg994_reassigned_rule.py": REASSIGNED}, top=False)
    original = list(rules.__path__)
    rules.__path__.append(str(extra))
    try:
        rules.refresh()
        assert rules.BY_CODE["RG994"].summary == "s"  # read from the source, nothing imported
        assert "routeguard_lint.rules.rg994_reassigned_rule" not in sys.modules
        with pytest.raises(rules.RuleModuleError, match="differs from what its source says"):
            rules.rule_module("RG994")
    finally:
        rules.__path__[:] = original
        sys.modules.pop("routeguard_lint.rules.rg994_reassigned_rule", None)
        rules.refresh()
    assert "RG994" not in rules.BY_CODE
