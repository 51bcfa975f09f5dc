"""The rules: one module each, its documentation beside its check, its autofix beside it.

A rule is a module `rgNNN_<name>.py` in this package (the name is the rule's code and name) that defines

- `RULE`: a `base.Rule`, the metadata and the documentation (`routeguard explain`, docs/rules.md, SARIF);
- `check(graph) -> Iterable[Finding]`: a pure function over the route graph;
- optionally `PHASE = "after-suppression"` for a rule that judges the suppressions themselves;
- optionally a safe autofix: `fix(finding, file) -> str` in the module itself or in `rgNNN_<name>_fix.py`
  beside it (see `fix/codemod.py` for what `file` offers). A rule with a fix is `fixable`.

The modules are discovered, not listed: adding a rule is adding its module (and its fixtures under
tests/fixtures/). `refresh()` discovers again (after `__path__` changed, say: the tests add a throwaway rule
from a temporary directory that way).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING

from routeguard_lint.rules.base import PHASES, Rule

if TYPE_CHECKING:
    from routeguard_lint.fix.codemod import FileFix
    from routeguard_lint.model import Finding

    Fix = Callable[[Finding, FileFix], str]
else:
    Fix = Callable[..., str]

RULE_MODULE = re.compile(r"^rg\d{3}_[a-z0-9]+(?:_[a-z0-9]+)*$")
FIX_SUFFIX = "_fix"


class RuleModuleError(Exception):
    """A module named like a rule that is not one (no RULE, no check, a name that is not its rule's)."""


def module_name(rule: Rule) -> str:
    """The module a rule lives in: `rg003_credential_in_query` for RG003 credential-in-query."""
    return f"{rule.code.lower()}_{rule.name.replace('-', '_')}"


def _validated(module: ModuleType) -> ModuleType:
    short = module.__name__.rsplit(".", 1)[-1]
    rule = getattr(module, "RULE", None)
    if not isinstance(rule, Rule):
        raise RuleModuleError(f"{module.__name__} is named like a rule module but defines no RULE = Rule(...)")
    if not callable(getattr(module, "check", None)):
        raise RuleModuleError(f"{module.__name__} defines no check(graph) function")
    if module_name(rule) != short:
        raise RuleModuleError(f"{module.__name__} holds {rule.code} {rule.name}; name it {module_name(rule)}.py")
    if getattr(module, "PHASE", "graph") not in PHASES:
        raise RuleModuleError(f"{module.__name__}: PHASE must be one of {', '.join(PHASES)}")
    return module


def discover(paths: Iterable[str], package: str) -> tuple[ModuleType, ...]:
    """The rule modules of `package` found on `paths`, validated, in code order."""
    names = sorted({info.name for info in pkgutil.iter_modules(list(paths))
                    if RULE_MODULE.match(info.name) and not info.name.endswith(FIX_SUFFIX)})
    modules = [_validated(importlib.import_module(f"{package}.{name}")) for name in names]
    codes = [m.RULE.code for m in modules]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise RuleModuleError(f"more than one module for {', '.join(duplicates)}")
    return tuple(sorted(modules, key=lambda m: m.RULE.code))


def _fix_of(module: ModuleType) -> Fix | None:
    """The rule's autofix: `fix` in its module, else `fix` in the `<module>_fix` module beside it."""
    found = getattr(module, "fix", None)
    if callable(found):
        return found
    companion = f"{module.__name__}{FIX_SUFFIX}"
    if importlib.util.find_spec(companion) is None:
        return None
    found = getattr(importlib.import_module(companion), "fix", None)
    if not callable(found):
        raise RuleModuleError(f"{companion} defines no fix(finding, file) function")
    return found


MODULES: tuple[ModuleType, ...] = ()
ALL_RULES: tuple[Rule, ...] = ()
BY_CODE: dict[str, Rule] = {}
_FIXES: dict[str, Fix | None] = {}


def refresh() -> None:
    """Discover the rule modules on this package's `__path__` (again)."""
    global MODULES, ALL_RULES, BY_CODE
    MODULES = discover(__path__, __name__)
    ALL_RULES = tuple(m.RULE for m in MODULES)
    BY_CODE = {r.code: r for r in ALL_RULES}
    _FIXES.clear()


def rule_module(code: str) -> ModuleType:
    for module in MODULES:
        if module.RULE.code == code:
            return module
    raise KeyError(code)


def fixer(code: str) -> Fix | None:
    """The autofix of rule `code` (None: the rule has none). Fix modules load on first use: they bring in
    the LibCST codemod machinery, which a plain check never needs."""
    if code not in _FIXES:
        _FIXES[code] = _fix_of(rule_module(code)) if code in BY_CODE else None
    return _FIXES[code]


def fixable_codes() -> tuple[str, ...]:
    return tuple(r.code for r in ALL_RULES if r.fixable)


def get_rule(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    for rule in ALL_RULES:
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None


refresh()
