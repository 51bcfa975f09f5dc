"""Safe autofixes: the driver and the writer (which fixes apply is planned in fix/plan.py). Each rule's
codemod lives beside the rule (`rules/rgNNN_<name>_fix.py`, found by `rules.fixer(code)`); fix/codemod.py
is what they share.

`run_fixes(paths, ...)` analyses the project, re-parses only the files that hold a fixable finding
(`parse.parse_text`), lets each finding's rule rewrite exactly the node that finding reported, and analyses
again with the rewritten sources (in memory) until nothing more is fixed: a fix can make another one possible
(a token read from a scheme is a credential, so its comparison becomes an RG005 finding). Nothing is written
here; `write_changes()` writes, `unified_diff()` shows.

A finding is fixed only when the rewrite cannot change what the program does beyond the fix itself; every
other case is reported as skipped with the reason (the rule's fix module says which cases it leaves alone).

Every rewritten file is checked before it counts: it must parse (LibCST and CPython's compiler, which
never runs it), keep every comment, and differ from the original only by the fixes.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from routeguard_lint.files.discovery import Project
from routeguard_lint.fix.plan import Applied, Skipped, Source, plan, read_source
from routeguard_lint.intent.config import Config
from routeguard_lint.model import Finding, Result
from routeguard_lint.parsing.source import parse_text
from routeguard_lint.report._common import sanitize
from routeguard_lint.routes.model import Graph

MAX_ROUNDS = 4


# ----------------------------------------------------------------------------------------------- data


@dataclass
class FixOutcome:
    changes: dict[str, tuple[Source, str]] = field(default_factory=dict)  # path -> (original, fixed text)
    applied: list[Applied] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # fixable findings left as they are (last round)
    result: Result | None = None  # the analysis of the fixed sources
    rounds: int = 0


def run_fixes(paths: list[Path], *, excludes: tuple[str, ...] = (), jobs: int | None = None,
              select: Iterable[str] | None = None, config: Config | None = None, cache_dir: Path | None = None,
              max_rounds: int = MAX_ROUNDS, project: Project | None = None) -> FixOutcome:
    """Analyse, fix, and analyse the fixed sources again (in memory) until nothing more is fixed. `project`: the
    project (or the part of it, `api.project_parts`) as discovered for these arguments (default: discovered here)."""
    from routeguard_lint.api import analyze_with_graph

    outcome = FixOutcome()
    originals: dict[str, Source] = {}
    current: dict[str, str] = {}
    overlay: dict[str, bytes] = {}

    def read(path: str) -> str:
        if path not in originals:
            originals[path] = read_source(path)
        return originals[path].text

    select = list(select) if select is not None else None
    for round_number in range(max_rounds + 1):
        result, graph = analyze_with_graph(paths, excludes=excludes, jobs=jobs, select=select, config=config,
                                 cache_dir=cache_dir, overlay=overlay, project=project)
        outcome.result = result
        if round_number == max_rounds:
            break
        fixed, applied, skipped = plan(graph, result.findings, current, read)
        outcome.skipped = skipped
        if not fixed:
            break
        outcome.rounds += 1
        outcome.applied.extend(applied)
        for path, text in fixed.items():
            text = _keep_final_break(read(path), text)
            current[path] = text
            overlay[path] = originals[path].encode(text)
    outcome.changes = {path: (originals[path], text) for path, text in sorted(current.items())
                       if text != originals[path].text}
    return outcome


def fixable_by_file(graph: Graph, findings: list[Finding]) -> dict[str, dict[str, int]]:
    """How many of `findings` `check --fix` would fix now (the plan of one round, nothing written): per
    file, per rule. The "N fixable with --fix" of the reports (api.Checked)."""
    out: dict[str, dict[str, int]] = {}
    if not findings:
        return out
    _, applied, _ = plan(graph, list(findings), {}, lambda path: read_source(path).text)
    for item in applied:
        by_rule = out.setdefault(item.path, {})
        by_rule[item.rule_id] = by_rule.get(item.rule_id, 0) + 1
    return out


def _keep_final_break(original: str, text: str) -> str:
    """The fixed text ends with the line break the original ended with (a lone-CR file keeps its last
    "\\r"; LibCST's code generation normalises the end of the module)."""
    for end in ("\r\n", "\n", "\r"):
        if original.endswith(end):
            if text.endswith(("\r", "\n")):
                return text if end != "\r" or text.endswith("\r") else text.rstrip("\n") + "\r"
            return text + end
    return text


def unified_diff(outcome: FixOutcome) -> str:
    """The diff of every fixed file; the file names in its headers escaped like every other output."""
    chunks = []
    for path, (source, text) in sorted(outcome.changes.items()):
        shown = sanitize(path)
        for line in difflib.unified_diff(source.text.splitlines(keepends=True), text.splitlines(keepends=True),
                                         fromfile=f"a/{shown}", tofile=f"b/{shown}"):
            chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(chunks)


@dataclass
class WriteOutcome:
    """What `write_changes` did: the files written, the files not written with why, and the signal (a
    BaseException such as KeyboardInterrupt) that stopped it part-way, if any (the caller re-raises it
    once it has reported)."""

    written: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    interrupted: BaseException | None = None


def write_changes(outcome: FixOutcome, roots: Sequence[Path] | None = None) -> WriteOutcome:
    """Write every fixed file, keeping its encoding, BOM, line endings, mode and inode. A file that
    cannot be written (permission denied, changed since it was analysed, a symlink to outside `roots`)
    is listed with why, and the others are still written; an interruption stops before the next file."""
    done = WriteOutcome()
    pending = sorted(outcome.changes.items())
    real_roots = [os.path.realpath(r) for r in roots] if roots else None
    for number, (path, (source, text)) in enumerate(pending):
        try:
            why = _write_one(path, source, text, real_roots)
        except OSError as exc:
            why = exc.strerror or str(exc)
        except BaseException as exc:  # Ctrl-C: report, then the caller re-raises it
            done.interrupted = exc
            done.failed.extend((p, "interrupted before it was written") for p, _ in pending[number:])
            return done
        if why is None:
            done.written.append(path)
        else:
            done.failed.append((path, why))
    return done


def _write_one(path: str, source: Source, text: str, real_roots: list[str] | None) -> str | None:
    """Write one fixed file; None when written, else why not (nothing was changed then)."""
    parse_text(text)  # never write a file that does not parse (checked when planned; checked again)
    data = source.encode(text)
    target = os.path.realpath(path)
    if real_roots is not None and not any(target == r or target.startswith(r.rstrip(os.sep) + os.sep)
                                          for r in real_roots):
        return "it is a symlink to a file outside the project; not written"
    fd = os.open(target, os.O_RDWR | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file; not written"
        current = b""
        while chunk := os.read(fd, 1 << 20):
            current += chunk
        if current != source.data:
            return "it changed after it was analysed; not written"
        if info.st_nlink > 1:  # hard links: rewrite in place, so that every name keeps seeing one file
            os.lseek(fd, 0, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.ftruncate(fd, len(data))
            os.fsync(fd)
            return None
    finally:
        os.close(fd)
    directory = os.path.dirname(target)
    handle, tmp = tempfile.mkstemp(prefix=".routeguard-fix-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, info.st_mode & 0o7777)
        os.replace(tmp, target)  # atomic: a reader sees the old file or the new one
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return None


def summary(outcome: FixOutcome, *, would: bool) -> list[str]:
    """Lines for stderr: what was (or would be) fixed, and each fixable finding left as it is, with why."""
    lines = []
    if outcome.applied:
        counts: dict[str, int] = {}
        for item in outcome.applied:
            counts[item.rule_id] = counts.get(item.rule_id, 0) + 1
        per_rule = ", ".join(f"{rule}: {n}" for rule, n in sorted(counts.items()))
        files = len(outcome.changes)
        verb = "would fix" if would else "fixed"
        names = ", ".join(sanitize(path) for path in sorted(outcome.changes))
        lines.append(f"routeguard: {verb} {len(outcome.applied)} finding{'s' if len(outcome.applied) != 1 else ''} "
                     f"in {files} file{'s' if files != 1 else ''} ({per_rule}): {names}")
    else:
        lines.append("routeguard: nothing to fix")
    for skip in sorted(outcome.skipped, key=lambda s: (s.path, s.line, s.rule_id, s.reason)):
        lines.append(f"routeguard: not fixed: {sanitize(skip.path)}:{skip.line}: {skip.rule_id} "
                     f"{sanitize(skip.reason)}")
    return lines


def write_summary(done: WriteOutcome) -> list[str]:
    """Lines for stderr after a write that did not write everything: what was changed, what was not."""
    if not done.failed:
        return []
    lines = [f"routeguard: changed: {', '.join(sanitize(p) for p in done.written) or 'no file'}"]
    for path, why in done.failed:
        lines.append(f"routeguard: not changed: {sanitize(path)}: {sanitize(why)}")
    return lines
