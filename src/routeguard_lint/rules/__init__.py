"""The rules: one module each, its documentation beside its check, its autofix beside it.

A rule is a module `rgNNN_<name>.py` in this package (the name is the rule's code and name) that defines

- `RULE`: a `base.Rule`, the metadata and the documentation (`routeguard explain`, docs/rules.md, SARIF),
  written `RULE = Rule(...)` with literal keyword arguments;
- `check(graph) -> Iterable[Finding]`: a pure function over the route graph;
- optionally `PHASE = "after-suppression"` for a rule that judges the suppressions themselves;
- optionally a safe autofix: `fix(finding, file) -> str` in the module itself or in `rgNNN_<name>_fix.py`
  beside it (see `fix/codemod.py` for what `file` offers). A rule with a fix is `fixable`.

The modules are discovered, not listed: adding a rule is adding its module (and its fixtures under
tests/fixtures/). `refresh()` discovers again (after `__path__` changed, say: the tests add a throwaway rule
from a temporary directory that way).

Metadata without the analysis. Discovery reads `RULE`, `PHASE` and whether there is a `fix` from each
module's *source* (the `RULE = Rule(...)` statement is parsed and its literal arguments evaluated), so
`routeguard rules`, `explain`, `--help`, configuration checks and the report writers never import a rule
module, and through it the route graph and LibCST. A module is imported when its check or fix is needed
(`modules()`, `rule_module()`, `fixer()`), and then its `RULE` must equal what was read, or discovery was
wrong and that is an error. A module whose metadata cannot be read that way (a computed `RULE`, a `check`
that is not a plain `def`) is imported at discovery instead: slower to start, still correct.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
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
DEFAULT_PHASE = "graph"

# what discovery looks for in a rule module's source (at the start of a line: top-level statements)
_RULE_START = re.compile(r"^RULE(?:[ \t]*:[ \t]*Rule)?[ \t]*=[ \t]*Rule\(", re.MULTILINE)
_CLOSING_LINE = re.compile(r"^\)[ \t]*(?:#[^\n]*)?$", re.MULTILINE)  # the `)` that may end the call
_DEF_CHECK = re.compile(r"^def check\(", re.MULTILINE)
_DEF_FIX = re.compile(r"^def fix\(", re.MULTILINE)
_PHASE = re.compile(r"^PHASE(?:[ \t]*:[ \t]*str)?[ \t]*=[ \t]*(['\"])([a-z-]+)\1[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_ANY_PHASE = re.compile(r"^PHASE\b", re.MULTILINE)
_MAX_CLOSINGS = 50  # `)` lines tried as the end of `RULE = Rule(` (examples in the docs hold some too)


class RuleModuleError(Exception):
    """A module named like a rule that is not one (no RULE, no check, a name that is not its rule's)."""


@dataclass(frozen=True)
class RuleModule:
    """A discovered rule module, before (or without) importing it."""

    name: str  # the module's dotted name
    rule: Rule
    phase: str  # one of base.PHASES
    fix_in_module: bool  # the module defines `fix` itself
    fix_module: str | None  # the dotted name of its `<module>_fix` companion, when there is one

    @property
    def fixable(self) -> bool:
        return self.fix_in_module or self.fix_module is not None


def module_name(rule: Rule) -> str:
    """The module a rule lives in: `rg003_credential_in_query` for RG003 credential-in-query."""
    return f"{rule.code.lower()}_{rule.name.replace('-', '_')}"


def _validated(module: ModuleType) -> ModuleType:
    rule = getattr(module, "RULE", None)
    if not isinstance(rule, Rule):
        raise RuleModuleError(f"{module.__name__} is named like a rule module but defines no RULE = Rule(...)")
    if not callable(getattr(module, "check", None)):
        raise RuleModuleError(f"{module.__name__} defines no check(graph) function")
    return module


def read_metadata(source: str) -> tuple[Rule, str] | None:
    """`(RULE, PHASE)` read from a rule module's source without running it, or None when they cannot be
    read that way: no single top-level `RULE = Rule(...)` with literal keyword arguments only, a `PHASE` that
    is not a string literal, or no top-level `def check(`."""
    if not _DEF_CHECK.search(source):
        return None
    starts = list(_RULE_START.finditer(source))
    if len(starts) != 1:
        return None
    phase = DEFAULT_PHASE
    found = _PHASE.search(source)
    if found is not None:
        phase = found.group(2)
    elif _ANY_PHASE.search(source):
        return None
    import ast  # here: only discovery needs it, and only when the rules are listed

    start = starts[0].start()
    for tried, closing in enumerate(_CLOSING_LINE.finditer(source, starts[0].end())):
        if tried >= _MAX_CLOSINGS:
            return None
        try:
            tree = ast.parse(source[start:closing.end()])
        except SyntaxError:  # that `)` is inside a string of the call: the call ends further down
            continue
        statement = tree.body[0] if len(tree.body) == 1 else None
        call = getattr(statement, "value", None)
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or not isinstance(call, ast.Call) or call.args:
            return None
        try:
            arguments = {}
            for keyword in call.keywords:
                if keyword.arg is None:  # **spread
                    return None
                arguments[keyword.arg] = ast.literal_eval(keyword.value)
            return Rule(**arguments), phase
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return None


def _source(info: pkgutil.ModuleInfo) -> str | None:
    spec = info.module_finder.find_spec(info.name, None)  # a path-entry finder: searches its folder only
    origin = getattr(spec, "origin", None)
    if not origin or not origin.endswith(".py"):
        return None
    try:
        return Path(origin).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _discovered(info: pkgutil.ModuleInfo, package: str, companion: bool) -> RuleModule:
    dotted = f"{package}.{info.name}"
    source = _source(info)
    metadata = read_metadata(source) if source is not None else None
    if metadata is not None and source is not None:
        rule, phase = metadata
        fix_here = bool(_DEF_FIX.search(source))
    else:  # not readable from the source: import it to find out
        module = _validated(importlib.import_module(dotted))
        rule, phase = module.RULE, getattr(module, "PHASE", DEFAULT_PHASE)
        fix_here = callable(getattr(module, "fix", None))
    if module_name(rule) != info.name:
        raise RuleModuleError(f"{dotted} holds {rule.code} {rule.name}; name it {module_name(rule)}.py")
    if phase not in PHASES:
        raise RuleModuleError(f"{dotted}: PHASE must be one of {', '.join(PHASES)}")
    return RuleModule(dotted, rule, phase, fix_here, f"{dotted}{FIX_SUFFIX}" if companion else None)


def discover(paths: Iterable[str], package: str) -> tuple[RuleModule, ...]:
    """The rule modules of `package` found on `paths`, validated, in code order (nothing imported when
    their metadata can be read from their source)."""
    found = {info.name: info for info in pkgutil.iter_modules(list(paths)) if RULE_MODULE.match(info.name)}
    discovered = [_discovered(info, package, f"{name}{FIX_SUFFIX}" in found)
                  for name, info in sorted(found.items()) if not name.endswith(FIX_SUFFIX)]
    codes = [d.rule.code for d in discovered]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise RuleModuleError(f"more than one module for {', '.join(duplicates)}")
    return tuple(sorted(discovered, key=lambda d: d.rule.code))


DISCOVERED: tuple[RuleModule, ...] = ()
ALL_RULES: tuple[Rule, ...] = ()
BY_CODE: dict[str, Rule] = {}
_BY_CODE_MODULE: dict[str, RuleModule] = {}
_LOADED: dict[str, ModuleType] = {}
_FIXES: dict[str, Fix | None] = {}


def refresh() -> None:
    """Discover the rule modules on this package's `__path__` (again)."""
    global DISCOVERED, ALL_RULES, BY_CODE, _BY_CODE_MODULE
    previous = BY_CODE  # a rule that did not change stays the same object (what callers hold stays current)
    DISCOVERED = tuple(replace(d, rule=previous[d.rule.code]) if previous.get(d.rule.code) == d.rule else d
                       for d in discover(__path__, __name__))
    ALL_RULES = tuple(d.rule for d in DISCOVERED)
    BY_CODE = {r.code: r for r in ALL_RULES}
    _BY_CODE_MODULE = {d.rule.code: d for d in DISCOVERED}
    _LOADED.clear()
    _FIXES.clear()


def _load(discovered: RuleModule) -> ModuleType:
    code = discovered.rule.code
    module = _LOADED.get(code)
    if module is None:
        module = _validated(importlib.import_module(discovered.name))
        if discovered.rule != module.RULE or getattr(module, "PHASE", DEFAULT_PHASE) != discovered.phase:
            raise RuleModuleError(f"{discovered.name}: its RULE or PHASE once imported differs from what its source "
                                  f"says (assign each once, at the top level, with literal values)")
        _LOADED[code] = module
    return module


def modules() -> tuple[ModuleType, ...]:
    """Every rule module, imported (what running the checks needs), in code order."""
    return tuple(_load(d) for d in DISCOVERED)


def rule_module(code: str) -> ModuleType:
    """The module of rule `code`, imported."""
    return _load(_BY_CODE_MODULE[code])


def phase(code: str) -> str:
    """When rule `code` runs (base.PHASES), without importing it."""
    return _BY_CODE_MODULE[code].phase


def __getattr__(name: str) -> tuple[ModuleType, ...]:
    if name == "MODULES":  # the imported modules, on first use (the name the registry had before)
        return modules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def has_fix(code: str) -> bool:
    """Whether rule `code` has an autofix (read from the source: nothing is imported)."""
    found = _BY_CODE_MODULE.get(code)
    return found is not None and found.fixable


def fixer(code: str) -> Fix | None:
    """The autofix of rule `code` (None: the rule has none). Fix modules load on first use: they bring in
    the LibCST codemod machinery, which a plain check never needs."""
    if code not in _FIXES:
        _FIXES[code] = _fix_of(_BY_CODE_MODULE[code]) if code in _BY_CODE_MODULE else None
    return _FIXES[code]


def _fix_of(discovered: RuleModule) -> Fix | None:
    """The rule's autofix: `fix` in its module, else `fix` in the `<module>_fix` module beside it."""
    if discovered.fix_in_module:
        found = getattr(_load(discovered), "fix", None)
        if callable(found):
            return found
    if discovered.fix_module is None or importlib.util.find_spec(discovered.fix_module) is None:
        return None
    found = getattr(importlib.import_module(discovered.fix_module), "fix", None)
    if not callable(found):
        raise RuleModuleError(f"{discovered.fix_module} defines no fix(finding, file) function")
    return found


def fixable_codes() -> tuple[str, ...]:
    return tuple(r.code for r in ALL_RULES if r.fixable)


def get_rule(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    for rule in ALL_RULES:
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None


refresh()
