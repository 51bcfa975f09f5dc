"""Planning the safe autofixes: which of the findings' fixes apply to a file, checked before they count.

A pure function of the analysis result and the sources (`plan`), shared by the driver (fix/apply.py, which
writes nothing and re-analyses) and by the fixable counts `check` reports ("N fixable with --fix"), which
must not run the analysis again. Every rewritten file must parse (LibCST and CPython's compiler, which never
runs it), keep every comment, and differ from the original only by the fixes.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from collections.abc import Callable
from dataclasses import dataclass

from routeguard_lint import rules
from routeguard_lint.fix.codemod import FileFix, Project, Unfixable, source_comments
from routeguard_lint.model import Finding
from routeguard_lint.parsing.source import ParseFailure, decode
from routeguard_lint.routes.model import Graph


@dataclass(frozen=True)
class Applied:
    rule_id: str
    path: str
    line: int  # in the file as it was when the fix was planned
    description: str


@dataclass(frozen=True)
class Skipped:
    rule_id: str
    path: str
    line: int
    reason: str


@dataclass
class Source:
    """A file as read from disk, with what is needed to write it back the same way."""

    path: str  # display path
    data: bytes
    text: str
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode(self.encoding)


def read_source(path: str) -> Source:
    with open(path, "rb") as handle:
        data = handle.read()
    text = decode(data)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    return Source(path, data, text, encoding, data.startswith(codecs.BOM_UTF8))


def _compiles(text: str, path: str) -> bool:
    """Whether CPython compiles the source (compiling never runs it)."""
    try:
        compile(text, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


# ------------------------------------------------------------------------------------------- driver


def plan(graph: Graph, findings: list[Finding], texts: dict[str, str],
         read: Callable[[str], str]) -> tuple[dict[str, str], list[Applied], list[Skipped]]:
    """Fix the fixable, active findings of one analysis. `texts`: sources already rewritten (by path);
    `read(path)`: any other file's text. Returns ({path: fixed text}, applied, skipped)."""
    project = Project(graph)
    wanted = [f for f in findings if f.suppressed is None and f.rule_id in rules.BY_CODE
              and rules.fixer(f.rule_id) is not None]
    by_path: dict[str, list[Finding]] = {}
    for finding in sorted(wanted, key=Finding.sort_key):
        by_path.setdefault(finding.path, []).append(finding)
    fixed: dict[str, str] = {}
    applied: list[Applied] = []
    skipped: list[Skipped] = []
    for path, items in sorted(by_path.items()):
        facts = project.by_path.get(path)
        if facts is None or facts.error:
            skipped.extend(Skipped(f.rule_id, f.path, f.line, "the file could not be analysed") for f in items)
            continue
        try:
            text = texts[path] if path in texts else read(path)
        except (OSError, ParseFailure) as exc:
            skipped.extend(Skipped(f.rule_id, f.path, f.line, f"cannot read the file: {exc}") for f in items)
            continue
        if not _compiles(text, path):
            skipped.extend(Skipped(f.rule_id, f.path, f.line, "this Python cannot compile the file, so a fix could "
                                   "not be checked") for f in items)
            continue
        try:
            file = FileFix(project, facts, text, {f.line for f in items})
        except ParseFailure as exc:
            skipped.extend(Skipped(f.rule_id, f.path, f.line, f"the file does not parse: {exc.message}")
                           for f in items)
            continue
        done, left = _fix_file(file, items)
        skipped.extend(left)
        try:
            new_text = _checked(file.result(), text, path)
        except Unfixable as exc:
            skipped.extend(Skipped(a.rule_id, a.path, a.line, str(exc)) for a in done)
            continue
        if new_text != text:
            fixed[path] = new_text
            applied.extend(done)
    return fixed, applied, skipped


def _fix_file(file: FileFix, findings: list[Finding]) -> tuple[list[Applied], list[Skipped]]:
    """Each finding fixed by its rule's own fix, driven by the node the finding reported."""
    applied: list[Applied] = []
    skipped: list[Skipped] = []
    for finding in findings:
        fix = rules.fixer(finding.rule_id)
        if fix is None:
            continue
        try:
            description = file.attempt(finding, fix)
        except Unfixable as exc:
            skipped.append(Skipped(finding.rule_id, finding.path, finding.line, str(exc)))
            continue
        applied.append(Applied(finding.rule_id, finding.path, finding.line, description))
    return applied, skipped


def _checked(text: str, original: str, path: str) -> str:
    """`text`, once it passed the checks every fixed file must pass before it may be written."""
    if text == original:
        return text
    if not _compiles(text, path):  # (the code LibCST generates from a tree it parsed: CPython is the judge)
        raise Unfixable("internal error: the fixed source does not compile")
    if source_comments(text) != source_comments(original):
        raise Unfixable("the rewrite would move or drop a comment")
    return text
