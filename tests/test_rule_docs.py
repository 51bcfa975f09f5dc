"""Every rule is a module that carries its documentation (and its fix); docs/rules.md and README.md's table are
generated from them; adding a rule is adding a module."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from cli_helpers import REPO, cli, write
from routeguard_lint import rules
from routeguard_lint.api import analyze
from routeguard_lint.rules.base import example_files
from routeguard_lint.rules.docs import readme_table, rules_markdown, with_readme_table

# rules whose example is deliberately not (only) Python: what the example shows instead
NOT_PYTHON_EXAMPLES = {
    "analysis-error": "a file with a syntax error",
}
DOCS = REPO / "docs" / "rules.md"
README = REPO / "README.md"
REGENERATE = "run `python -m routeguard_lint.rules --write`"


def test_docs_rules_md_is_in_sync() -> None:
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(), f"docs/rules.md is stale: {REGENERATE}"


def test_readme_rule_table_is_in_sync() -> None:
    readme = README.read_text(encoding="utf-8")
    assert with_readme_table(readme) == readme, f"README.md's rule table is stale: {REGENERATE}"
    assert readme_table() in readme


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [r.code for r in rules.ALL_RULES]
    names = [r.name for r in rules.ALL_RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    assert codes == sorted(codes)
    for rule in rules.ALL_RULES:
        assert re.fullmatch(r"RG\d{3}", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert rule.severity in ("error", "warning", "note")


@pytest.mark.parametrize("rule", rules.ALL_RULES, ids=[r.code for r in rules.ALL_RULES])
def test_each_rule_is_documented(rule: rules.Rule) -> None:
    for part in ("summary", "what", "why", "example", "fix"):
        assert len(getattr(rule, part).strip()) >= 20, f"{rule.code}: {part} is missing or too short"
    for name, text in example_files(rule.example).items():
        if not name.endswith(".py"):
            continue
        if rule.name in NOT_PYTHON_EXAMPLES:
            with pytest.raises(SyntaxError):
                ast.parse(text)
        else:
            ast.parse(text)  # the bad example is real Python
    assert rules.get_rule(rule.code) is rule
    assert rules.get_rule(rule.name) is rule


@pytest.mark.parametrize("module", rules.modules(), ids=[m.RULE.code for m in rules.modules()])
def test_rule_module_is_named_after_its_rule(module: ModuleType) -> None:
    rule = module.RULE
    expected = f"{rule.code.lower()}_{rule.name.replace('-', '_')}"
    assert module.__name__.rsplit(".", 1)[-1] == expected
    assert callable(module.check)


def test_every_rule_module_in_the_package_is_registered() -> None:
    on_disk = sorted(p.stem for p in Path(rules.__file__).parent.glob("rg[0-9][0-9][0-9]_*.py")
                     if not p.stem.endswith("_fix"))
    assert [m.__name__.rsplit(".", 1)[-1] for m in rules.modules()] == on_disk
    fixes = sorted(p.stem.removesuffix("_fix") for p in Path(rules.__file__).parent.glob("rg*_fix.py"))
    assert [rules.module_name(r) for r in rules.ALL_RULES if r.fixable] == fixes


# --------------------------------------------------------------------------- a rule is one module


THROWAWAY = '''
    """RG990 throwaway-rule: a rule that exists only for the duration of one test."""

    from routeguard_lint.rules._util import finding
    from routeguard_lint.rules.base import Rule

    RULE = Rule(
        code="RG990",
        name="throwaway-rule",
        summary="Every GET route, reported so that a test can see a rule it added from a temporary module.",
        severity="warning",
        what="Every route declared with a GET decorator, for the tests of the rule registry.",
        why="A rule added as one module must reach every surface: rules, explain, docs, findings and fixes.",
        example="""
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/anything")
    def anything(skip: int = 0):
        return {}
    """,
        good="""
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/anything")
    def anything(skip: int = 0):
        return {}
    """,
        fix="Declare the route with another method; `--fix` marks it `include_in_schema=False` (for the test).",
    )


    def check(graph):
        for route in graph.routes:
            if "GET" in route.methods:
                decl = route.decl
                yield finding(RULE, f"throwaway finding on GET {route.full_path}", decl.file, decl.line, decl.col,
                              decl.end_col, route=route)
'''
THROWAWAY_FIX = '''
    """The throwaway rule's fix, beside it: the reported decorator call gets `include_in_schema=False`."""

    import libcst as cst

    from routeguard_lint.fix.codemod import Unfixable, append_arg


    def fix(finding, file):
        calls = [s.node for s in file.sites(file.scan.calls, finding)
                 if isinstance(s.node.func, cst.Attribute) and s.node.func.attr.value == "get"]
        if len(calls) != 1:
            raise Unfixable("no route decorator where the finding points")
        arg = cst.Arg(keyword=cst.Name("include_in_schema"), value=cst.Name("False"),
                      equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
        file.edit(calls[0], lambda node: append_arg(node, arg) or node)
        return "include_in_schema=False"
'''


@pytest.fixture
def throwaway_rule(tmp_path: Path) -> Iterator[Path]:
    """RG990 added to the rules package from a module (and its fix module) in a temporary directory, for
    this test only."""
    extra = write(tmp_path / "extra_rules", {"rg990_throwaway_rule.py": THROWAWAY,
                                             "rg990_throwaway_rule_fix.py": THROWAWAY_FIX}, top=False)
    original = list(rules.__path__)
    rules.__path__.append(str(extra))
    try:
        rules.refresh()
        yield extra
    finally:
        rules.__path__[:] = original
        for name in [n for n in sys.modules if n.startswith("routeguard_lint.rules.rg990_")]:
            del sys.modules[name]
        rules.refresh()
    assert rules.get_rule("RG990") is None


def test_a_rule_is_one_module(throwaway_rule: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rule = rules.get_rule("throwaway-rule")
    assert rule is not None
    assert rule.code == "RG990"
    assert rule.fixable
    project = write(tmp_path / "app", {"main.py": example_files(rule.example)["main.py"]})

    code, out, _ = cli("rules", cwd=project, monkeypatch=monkeypatch)
    assert re.search(r"^RG990 +throwaway-rule +warning +fixable +Every GET route", out, re.MULTILINE), out
    code, out, _ = cli("explain", "RG990", cwd=project, monkeypatch=monkeypatch)
    assert code == 0
    assert out == rule.markdown()
    assert "## RG990 throwaway-rule" in rules_markdown()
    assert "| [RG990](docs/rules.md#rg990-throwaway-rule) | throwaway-rule | yes |" in readme_table()

    code, out, _ = cli("check", ".", cwd=project, monkeypatch=monkeypatch)
    assert code == 1
    assert "main.py:6:1: RG990 [throwaway-rule] throwaway finding on GET /anything" in out
    code, out, _ = cli("check", ".", "--ignore", "RG990", cwd=project, monkeypatch=monkeypatch)
    assert "RG990" not in out

    code, out, err = cli("check", "--diff", ".", cwd=project, monkeypatch=monkeypatch)
    assert code == 1, err
    assert '+@app.get("/anything", include_in_schema=False)' in out
    assert "would fix 1 finding in 1 file (RG990: 1)" in err


def test_a_module_named_like_a_rule_must_be_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = write(tmp_path / "bad", {"rg991_not_a_rule.py": "X = 1\n"}, top=False)
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(extra)])
    with pytest.raises(rules.RuleModuleError, match="defines no RULE"):
        rules.discover([str(extra)], rules.__name__)
    sys.modules.pop("routeguard_lint.rules.rg991_not_a_rule", None)


def test_a_rule_module_is_named_after_its_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = write(tmp_path / "bad", {"rg992_other_name.py": THROWAWAY}, top=False)
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(extra)])
    with pytest.raises(rules.RuleModuleError, match=r"name it rg990_throwaway_rule\.py"):
        rules.discover([str(extra)], rules.__name__)
    sys.modules.pop("routeguard_lint.rules.rg992_other_name", None)


# ------------------------------------------------------------------------ the examples are run


def _findings_of(example: str, code: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    project = write(root, example_files(example))
    monkeypatch.chdir(project)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    result = analyze([Path(".")])  # with the example's own configuration, when it has one
    return [f"{f.path}:{f.line}: {f.message}" for f in result.findings if f.rule_id == code and f.suppressed is None]


@pytest.mark.parametrize("rule", rules.ALL_RULES, ids=[r.code for r in rules.ALL_RULES])
def test_the_documented_example_is_reported(rule: rules.Rule, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert _findings_of(rule.example, rule.code, tmp_path / "bad", monkeypatch), (
        f"{rule.code}: its documented example is not reported")


@pytest.mark.parametrize("rule", rules.ALL_RULES, ids=[r.code for r in rules.ALL_RULES])
def test_the_documented_good_example_is_not_reported(rule: rules.Rule, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert rule.good.strip(), f"{rule.code}: no `good` example"
    assert _findings_of(rule.good, rule.code, tmp_path / "good", monkeypatch) == []
