"""Every rule carries its documentation, and docs/rules.md is generated from it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from routeguard_lint.rules import ALL_RULES, MODULES, get_rule
from routeguard_lint.rules.docs import rules_markdown

# rules whose example is deliberately not Python: what the example shows instead
NOT_PYTHON_EXAMPLES = {
    "analysis-error": "a file with a syntax error",
    "stale-public-entry": "a pyproject.toml [tool.routeguard] entry",
}
DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_docs_rules_md_is_in_sync() -> None:
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run `python -m routeguard_lint.rules > docs/rules.md`")


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [r.code for r in ALL_RULES]
    names = [r.name for r in ALL_RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    assert codes == sorted(codes)
    for rule in ALL_RULES:
        assert re.fullmatch(r"RG\d{3}", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert rule.severity in ("error", "warning", "note")


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_each_rule_is_documented(rule) -> None:
    for part in ("summary", "what", "why", "example", "fix"):
        assert len(getattr(rule, part).strip()) >= 20, f"{rule.code}: {part} is missing or too short"
    if rule.name in NOT_PYTHON_EXAMPLES:
        with pytest.raises(SyntaxError):
            ast.parse(rule.example)
    else:
        ast.parse(rule.example)  # the bad example is real Python
    assert get_rule(rule.code) is rule and get_rule(rule.name) is rule


@pytest.mark.parametrize("module", MODULES, ids=[m.RULE.code for m in MODULES])
def test_rule_module_is_named_after_its_rule(module) -> None:
    rule = module.RULE
    expected = f"{rule.code.lower()}_{rule.name.replace('-', '_')}"
    assert module.__name__.rsplit(".", 1)[-1] == expected
    assert callable(module.check)
