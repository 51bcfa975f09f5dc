"""Declared intent in the source: inline `# routeguard:` directives and `# noqa` comments.

Two halves of one pipeline stage around the rules:

* `declare(graph, config)` (after the graph, before the rules): applies the configuration
  (`config.apply_config`) and `# routeguard: public -- reason` on route declarations, so the rules see
  the final route states; parses every directive into `graph.intent`.
* `suppress(findings, intent, ran)` (after the rules, before the reporters): a finding on a line with
  `# routeguard: ignore[RG001] -- reason`, `# routeguard: ignore -- reason`, `# noqa: RG001` or a bare
  `# noqa` gets `Finding.suppressed` = the justification (the reason, "" without one). Suppressed
  findings do not count for the exit code but stay in the JSON and SARIF reports. What each directive
  suppressed is recorded, so RG012 (unused-suppression) can report the ones that did nothing.

Directive syntax (case-insensitive keywords, several codes comma-separated, rule names accepted too):

    @router.post("/webhooks/stripe")  # routeguard: public -- signed payload, verified in the handler
    @router.get("/legacy")  # routeguard: ignore[RG001] -- removed in 2.0, see #412
    def get_user(token: str):  # noqa: RG003

A comment anywhere on a multi-line decorator counts as written on the decorator's `@` line.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from routeguard_lint.auth.judge import AuthState, Verdict, judgement_of
from routeguard_lint.facts.extract import ModuleFacts
from routeguard_lint.intent.config import Config, PublicEntry, apply_config
from routeguard_lint.model import Finding, SuppressionKind
from routeguard_lint.parsing.source import ParseFailure, decode, read_source, source_lines
from routeguard_lint.routes.model import Graph, Route

# `# routeguard: <body>`; the body ends where another comment starts (`  # expect: ...`, `# noqa`),
# but not at an issue reference (`#412`).
_ROUTEGUARD = re.compile(r"#\s*routeguard\s*:\s*(?P<body>.*?)\s*(?=\s#(?!\d)|$)", re.IGNORECASE)
_PUBLIC = re.compile(r"^public\b\s*(?P<rest>.*)$", re.IGNORECASE)
_IGNORE = re.compile(r"^ignore\b\s*(?:\[(?P<codes>[^\]]*)\])?\s*(?P<rest>.*)$", re.IGNORECASE)
# ruff-compatible noqa: `# noqa`, `# noqa: RG001, E501`, `#noqa:RG001`
_NOQA = re.compile(r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)?)?",
                   re.IGNORECASE)
_OUR_CODE = re.compile(r"^RG\d{3}$")
_UNSUPPRESSIBLE = ("RG012",)  # computed after suppression; disable it with `ignore = ["RG012"]`


@dataclass
class Directive:
    """One directive in one comment."""

    path: str
    line: int  # the comment's line
    anchor: int  # the line it covers: the decorator's `@` line for a comment inside a decorator, else `line`
    kind: str  # "public" | "ignore" | "noqa" | "invalid"
    head: str  # as written, without the reason: "routeguard: ignore[RG001]", "noqa: RG001", "noqa"
    offset: int  # where the directive starts inside the comment text
    comment: str = ""  # the whole comment
    codes: tuple[str, ...] | None = None  # rule codes; None = every rule (blanket)
    reason: str = ""
    problems: list[str] = field(default_factory=list)  # what is wrong with it as written
    used: set[str] = field(default_factory=set)  # codes it suppressed ("*" for a blanket one)
    applied: bool = False  # a `public` directive that is on a route declaration

    def covers(self, line: int) -> bool:
        return line == self.line or line == self.anchor

    def suppresses(self, rule_id: str) -> bool:
        if self.kind not in ("ignore", "noqa") or rule_id in _UNSUPPRESSIBLE:
            return False
        return self.codes is None or rule_id in self.codes


@dataclass
class Intent:
    """Everything declared, and what it did. Lives on `graph.intent` for RG011 and RG012."""

    config: Config
    unmatched_public: list[PublicEntry]
    directives: list[Directive]
    ran: frozenset[str] = frozenset()  # rule codes whose findings went through `suppress()`
    verdicts: dict[int, Verdict] = field(default_factory=dict)  # id(route) -> the verdict the declarations decide
    suppressed: bool = False  # `suppress()` has run: directive usage is final
    made_public: list[DeclaredPublic] = field(default_factory=list)


@dataclass(frozen=True)
class DeclaredPublic:
    """A route declared public, by the configuration or an inline directive."""

    route: Route
    reason: str  # the declaration's reason
    kind: SuppressionKind  # where it was declared


# ---------------------------------------------------------------------------------------------- parsing


def _reason(rest: str, head: str) -> tuple[str, str | None]:
    """(reason, problem) from what follows the verb: nothing, or `-- reason`."""
    rest = rest.strip()
    if not rest:
        return "", None
    if rest.startswith("--"):
        return rest[2:].strip(), None
    return "", f"malformed `# {head}`: write the reason after ` -- `, e.g. `# {head} -- why`"


def _rule_codes(raw: str, where: str) -> tuple[list[str], list[str]]:
    """(codes, problems) for a comma-separated list of rule codes or names."""
    from routeguard_lint.rules import get_rule

    codes: list[str] = []
    problems: list[str] = []
    for part in re.split(r"[\s,]+", raw.strip()):
        if not part:
            continue
        rule = get_rule(part)
        if rule is None:
            problems.append(f"unknown rule {part!r} in `# {where}` (see `routeguard rules`)")
        elif rule.code in _UNSUPPRESSIBLE:
            problems.append(f"{rule.code} cannot be suppressed inline; disable it with "
                            f"ignore = [\"{rule.code}\"] in the configuration")
        elif rule.code not in codes:
            codes.append(rule.code)
    return codes, problems


def parse_comment(path: str, line: int, anchor: int, text: str) -> list[Directive]:
    """The directives in one comment (`text` starts with `#`)."""
    out: list[Directive] = []
    for match in _ROUTEGUARD.finditer(text):
        body = match.group("body")
        offset = match.start()
        public = _PUBLIC.match(body)
        ignore = _IGNORE.match(body)
        if public:
            reason, problem = _reason(public.group("rest"), "routeguard: public")
            d = Directive(path, line, anchor, "public", "routeguard: public", offset, reason=reason)
            if problem:
                d.problems.append(problem)
            elif not reason:
                d.problems.append("`# routeguard: public` needs a reason: "
                                  "`# routeguard: public -- why this route needs no authentication`")
            out.append(d)
        elif ignore:
            raw = ignore.group("codes")
            head = "routeguard: ignore" + (f"[{raw}]" if raw is not None else "")
            reason, problem = _reason(ignore.group("rest"), head)
            d = Directive(path, line, anchor, "ignore", head, offset, reason=reason)
            if problem:
                d.problems.append(problem)
                d.kind = "invalid"
            if raw is not None:
                codes, problems = _rule_codes(raw, head)
                d.problems.extend(problems)
                if not raw.strip():
                    d.problems.append(f"`# {head}` lists no rule: write the codes, or `# routeguard: ignore` "
                                      f"for every rule")
                d.codes = tuple(codes)
            out.append(d)
        else:
            out.append(Directive(path, line, anchor, "invalid", f"routeguard: {body}", offset, problems=[
                f"unknown directive `# routeguard: {body}`: expected `# routeguard: public -- reason` or "
                f"`# routeguard: ignore[RG001] -- reason`"]))
    for match in _NOQA.finditer(text):
        raw = match.group("codes")
        if raw is None:
            out.append(Directive(path, line, anchor, "noqa", "noqa", match.start()))  # blanket, like ruff
            continue
        ours = [c.upper() for c in re.split(r"[\s,]+", raw) if _OUR_CODE.match(c.upper())]
        if not ours:
            continue  # another tool's noqa (`# noqa: E501`)
        head = f"noqa: {', '.join(ours)}"
        codes, problems = _rule_codes(" ".join(ours), head)
        out.append(Directive(path, line, anchor, "noqa", head, match.start(), codes=tuple(codes),
                             problems=problems))
    for d in out:
        d.comment = text
    return out


def _decorator_anchors(facts: ModuleFacts) -> tuple[list[int], list[int]]:
    """Sorted (start, end) line spans of every function decorator: a decorator runs until the next
    decorator or the `def` line."""
    spans: list[tuple[int, int]] = []
    for func in facts.functions.values():
        decorators = sorted(d.line for d in func.decorators)
        for i, start in enumerate(decorators):
            end = (decorators[i + 1] if i + 1 < len(decorators) else func.line) - 1
            spans.append((start, max(start, end)))
    spans.sort()
    return [s for s, _ in spans], [e for _, e in spans]


def collect_directives(graph: Graph) -> list[Directive]:
    out: list[Directive] = []
    for facts in graph.index.modules:
        if not facts.comments:
            continue
        starts, ends = _decorator_anchors(facts)
        for line in sorted(facts.comments):
            i = bisect.bisect_right(starts, line) - 1
            anchor = starts[i] if i >= 0 and line <= ends[i] else line
            out.extend(parse_comment(facts.path, line, anchor, facts.comments[line]))
    return out


# ------------------------------------------------------------------------------------------ the stage


def declare(graph: Graph, config: Config) -> Intent:
    """Apply the configuration and inline `public` directives to the route states; before the rules."""
    outcome = apply_config(graph, config)
    made_public = [DeclaredPublic(route, f"declared public in {config.display}: {entry.reason}",
                                  SuppressionKind.EXTERNAL) for route, entry in outcome.made_public]
    directives = collect_directives(graph)
    public: dict[str, list[Directive]] = {}
    for d in directives:
        if d.kind == "public" and not d.problems:
            public.setdefault(d.path, []).append(d)
    verdicts = dict(outcome.verdicts)
    if public:
        judgement = judgement_of(graph)
        for route in graph.routes:
            decl = route.decl
            for d in public.get(decl.file, ()):
                if d.anchor != decl.line and d.line != decl.line:
                    continue
                d.applied = True
                current = verdicts.get(id(route), judgement.of(route))
                if current.state is not AuthState.PROTECTED:
                    reason = f"declared public in {d.path}:{d.line}: {d.reason}"
                    verdicts[id(route)] = Verdict(AuthState.PUBLIC, reason, public_reason=reason,
                                                  scheme=current.scheme)
                    made_public.append(DeclaredPublic(route, d.reason, SuppressionKind.IN_SOURCE))
                break
    return Intent(config, outcome.unmatched, directives, verdicts=verdicts, made_public=made_public)


def suppress(findings: list[Finding], intent: Intent, ran: set[str] | frozenset[str]) -> list[Finding]:
    """Mark the findings an inline directive suppresses; record what each directive did."""
    by_place: dict[str, list[Directive]] = {}
    for d in intent.directives:
        if d.kind in ("ignore", "noqa"):
            by_place.setdefault(d.path, []).append(d)
    for place in by_place.values():  # a reasoned `routeguard: ignore` wins over a `noqa` on the same line
        place.sort(key=lambda d: (d.kind != "ignore", d.line, d.offset))
    out: list[Finding] = []
    for finding in findings:
        for d in by_place.get(finding.path, ()):
            if d.covers(finding.line) and d.suppresses(finding.rule_id):
                d.used.add(finding.rule_id if d.codes is not None else "*")
                finding = replace(finding, suppressed=d.reason)
                break
        out.append(finding)
    intent.ran = frozenset(ran)
    intent.suppressed = True
    return out


def declared_public_findings(judged: Graph, intent: Intent) -> list[Finding]:
    """The RG001 findings that declaring routes public (configuration `public`, inline `# routeguard: public`)
    silenced, as suppressed findings with the declaration's reason: SARIF and JSON show them as suppressed
    (kind `external` for the configuration, `inSource` for a comment) rather than not at all. `judged`: the
    graph with the auth judgement as it was before the declarations."""
    from routeguard_lint.rules import rg001_unprotected_route

    out: list[Finding] = []
    seen: set[int] = set()
    judgement = judgement_of(judged)
    for declared in intent.made_public:
        route = declared.route
        if id(route) in seen or judgement.of(route).state is not AuthState.UNPROTECTED:
            continue
        seen.add(id(route))
        for found in rg001_unprotected_route.check(replace(judged, routes=[route])):  # RG001 on this route alone
            out.append(replace(found, suppressed=declared.reason, suppression_kind=declared.kind))
    return out


def config_ignored(findings: list[Finding], config: Config, rules: set[str] | frozenset[str]) -> list[Finding]:
    """Findings of `rules` (those the configuration's `ignore` turned off) as suppressed, kind `external`."""
    where = config.display or "the configuration"
    return [f if f.rule_id not in rules or f.suppressed is not None else
            replace(f, suppressed=f'ignore = ["{f.rule_id}"] in {where}', suppression_kind=SuppressionKind.EXTERNAL)
            for f in findings]


# ------------------------------------------------------------------------------------- RG012's question


def directive_problems(d: Directive, ran: frozenset[str]) -> list[str]:
    """Why a directive is wrong or did nothing (empty when it is fine)."""
    problems = list(d.problems)
    if d.kind == "public":
        if not d.problems and not d.applied:
            problems.append("`# routeguard: public` is not on a route declaration: put it on the route "
                            "decorator's line (or the `add_api_route(` line)")
    elif d.kind in ("ignore", "noqa"):
        if d.codes is None:
            if d.kind == "ignore" and not d.used and ran:
                problems.append(f"unused suppression `# {d.head}`: there is no finding here to suppress")
        else:
            unused = [c for c in d.codes if c in ran and c not in d.used]
            if unused:
                problems.append(f"unused suppression `# {d.head}`: no {', '.join(unused)} finding here")
    return problems


def comment_column(d: Directive, cache: dict[str, list[str] | None]) -> int:
    """1-based column where the directive starts; 1 when the file cannot be read again."""
    if d.path not in cache:
        try:
            cache[d.path] = source_lines(decode(read_source(d.path)))
        except (OSError, ParseFailure):
            cache[d.path] = None
    lines = cache[d.path]
    if not lines or not 1 <= d.line <= len(lines):
        return 1
    start = lines[d.line - 1].rfind(d.comment)  # a comment runs to the end of its line
    return start + d.offset + 1 if start >= 0 else 1
