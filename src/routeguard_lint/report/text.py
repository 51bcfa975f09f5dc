"""Human output through rich: findings (``check``) and the route table (``routes --format table``).

Safety rules every function here follows:

* User-derived text (paths, messages, route paths, handler names, source lines) only ever goes
  into ``rich.text.Text`` via ``append`` -- never through the markup parser -- so ``[bold]`` or
  ``[/]`` in a route path prints literally.
* It is also passed through :func:`sanitize` first, so ESC (ANSI sequences), other control
  characters, newlines and bidi overrides are printed as visible escapes (``\\x1b[31m``).
* Every line is printed with ``soft_wrap=True``: rich never wraps or crops it, whatever the
  console width; a terminal wraps long lines visually, pipes get one finding per line.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections import Counter
from collections.abc import Iterable
from typing import IO

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from routeguard_lint.model import Finding, RouteInfo, counted
from routeguard_lint.report._common import sanitize, sort_findings, sort_routes

#: Width given to consoles that do not write to a terminal. Text never wraps anyway (soft
#: wrap); this only keeps tables and other width-bound renderables from folding in CI logs.
PIPE_WIDTH = 10_000

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "note": "cyan"}
STATE_STYLES = {
    "protected": "green",
    "public": "cyan",
    "unprotected": "bold red",
    "unverified": "yellow",
}

_NEWLINE = re.compile(r"\r\n|\r|\n")


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (ValueError, OSError):  # closed or detached stream
        return False


def _want_color(stream: IO[str], color: bool | None) -> bool:
    if color is not None:
        return color
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", ""):
        return True
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    return _isatty(stream)


def make_console(stream: IO[str], *, color: bool | None = None) -> Console:
    """A rich Console writing to ``stream``.

    ``color``: ``True`` forces colour, ``False`` disables it, ``None`` (auto) colours only when
    ``stream`` is a TTY and ``NO_COLOR`` is unset (a non-empty ``FORCE_COLOR`` forces it on;
    ``NO_COLOR`` wins; ``TERM=dumb`` turns it off). An explicit ``True``/``False`` beats the
    environment. Without colour the console emits no escape codes at all.

    The console never wraps text (``soft_wrap=True``), has ``highlight=False``, ``emoji=False``
    and ``markup=False`` -- so a stray ``console.print(user_string)`` cannot be interpreted as
    markup; pass ``markup=True`` per call for your own constant markup strings. When ``stream``
    is not a TTY the width is fixed at :data:`PIPE_WIDTH` (not the size of whatever terminal
    the process happens to have, not ``COLUMNS``), so output is identical across machines.
    """
    tty = _isatty(stream)
    want = _want_color(stream, color)
    return Console(
        file=stream,
        force_terminal=True if want else (None if tty else False),
        color_system="auto" if want else None,
        no_color=not want,
        width=None if tty else PIPE_WIDTH,
        soft_wrap=True,
        highlight=False,
        emoji=False,
        markup=False,
        force_jupyter=False,
        force_interactive=False,
        legacy_windows=None if tty else False,
        tab_size=8,
    )


def _location(path: str, line: int, column: int | None = None) -> str:
    text = f"{sanitize(path)}:{line}"
    return f"{text}:{column}" if column is not None else text


def _read_lines(path: str) -> list[str] | None:
    from routeguard_lint.parsing.source import ParseFailure, read_source

    try:
        data = read_source(path)  # never blocks on a FIFO or reads a device named .py
    except (OSError, ValueError, ParseFailure):
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding, errors="replace")
    except (SyntaxError, LookupError, UnicodeDecodeError):
        text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":  # the file's final newline does not start another line
        lines.pop()
    return lines


def _code_frame(finding: Finding, cache: dict[str, list[str] | None]) -> list[Text]:
    """The finding's line and the next one (the handler signature under a route decorator)."""
    if finding.path not in cache:
        cache[finding.path] = _read_lines(finding.path)
    lines = cache[finding.path]
    if not lines or not 1 <= finding.line <= len(lines):
        return []
    first, last = finding.line, min(finding.line + 1, len(lines))
    if last == first and first > 1:  # last line of the file: show the one before instead
        first -= 1
    width = len(str(last))
    frame = []
    for number in range(first, last + 1):
        marker = ">" if number == finding.line else " "
        row = Text(f"  {marker} {number:>{width}} | ", style="dim")
        source = sanitize(lines[number - 1].expandtabs(8))
        row.append(source, style=None if number == finding.line else "dim")
        frame.append(row)
    return frame


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(findings: Iterable[Finding], files: int, *, fixable: int = 0, baselined: int = 0,
                 stale: int = 0) -> str:
    """``Found 13 findings (RG001: 12, RG003: 1) in 3 files (11 analysed).`` / ``No findings in 11 files.``

    Suppressed findings (``Finding.suppressed`` set) are not counted as findings; when there
    are any, ``" 2 suppressed."`` is appended; so are ``" 4 fixable with --fix."`` and, with a baseline,
    ``" 5 in the baseline, 1 stale baseline entry (fixed or gone: --write-baseline drops it)."``.
    """
    findings = list(findings)
    active = [f for f in findings if f.suppressed is None]
    quiet = len(findings) - len(active)
    if active:
        counts = Counter(f.rule_id for f in active)
        by_rule = ", ".join(f"{sanitize(rule)}: {n}" for rule, n in sorted(counts.items()))
        with_findings = len({f.path for f in active})
        line = (f"Found {_plural(len(active), 'finding')} ({by_rule}) in {_plural(with_findings, 'file')} "
                f"({files} analysed).")
    else:
        line = f"No findings in {_plural(files, 'file')}."
    if fixable:
        line += f" {fixable} fixable with --fix."
    if quiet:
        line += f" {quiet} suppressed."
    if baselined or stale:
        line += f" {baselined} in the baseline"
        if stale:
            entries = "stale baseline entry" if stale == 1 else "stale baseline entries"
            line += f", {stale} {entries} (fixed or gone: --write-baseline drops them)"
        line += "."
    return line


ROUTE_STATES = ("protected", "public", "unprotected", "unverified")


def route_summary(routes: Iterable[RouteInfo]) -> str:
    """``254 routes: 180 protected, 35 public, 4 unprotected, 35 unverified (routeguard routes lists them).``"""
    states = Counter(route.state for route in counted(routes))  # (the alternatives of one route once)
    total = sum(states.values())
    if not total:
        return "No routes found."
    parts = ", ".join(f"{states.get(state, 0)} {state}" for state in ROUTE_STATES)
    return f"{_plural(total, 'route')}: {parts} (routeguard routes lists them)."


def statistics_lines(findings: Iterable[Finding], fixable: dict[str, int] | None = None) -> list[str]:
    """``--statistics``: one line per rule with active findings, most findings first, like ruff's."""
    active = [f for f in findings if f.suppressed is None]
    counts = Counter(f.rule_id for f in active)
    names = {f.rule_id: f.name for f in active}
    fixable = fixable or {}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if not ordered:
        return []
    width = max(len(str(n)) for _, n in ordered)
    name_width = max(len(sanitize(names[code])) for code, _ in ordered)
    lines = []
    for code, n in ordered:
        fix = f"{fixable[code]} fixable" if fixable.get(code) else ""
        lines.append(f"{n:>{width}}  {sanitize(code)}  {sanitize(names[code]).ljust(name_width)}  {fix}".rstrip())
    return lines


def render_text(
    findings: Iterable[Finding],
    *,
    console: Console,
    show_source: bool,
    summary_files: int,
    fixable: dict[str, int] | None = None,
    baselined: int = 0,
    stale: int = 0,
    routes: list[RouteInfo] | None = None,
    quiet: bool = False,
    statistics: bool = False,
) -> None:
    """Print findings for humans, then the summary line (and, given ``routes``, the route picture).

    Per finding: ``path:line:col: RG001 [unprotected-route] message``, then one
    ``  note: path:line: message`` per related location, then (``show_source``) a two-line code
    frame read from ``finding.path`` relative to the cwd -- silently skipped when the file cannot
    be read or the line is out of range. Suppressed findings are not listed, only counted.
    ``statistics``: per-rule counts instead of the findings. ``quiet``: the findings only, no summary.
    """
    ordered = sort_findings(findings)
    cache: dict[str, list[str] | None] = {}

    def emit(text: Text) -> None:
        console.print(text, soft_wrap=True, markup=False, highlight=False, emoji=False)

    if statistics:
        for line in statistics_lines(ordered, fixable):
            emit(Text(line))
    for finding in ordered if not statistics else ():
        if finding.suppressed is not None:
            continue
        head = Text()
        head.append(_location(finding.path, finding.line, finding.column), style="bold")
        head.append(": ")
        head.append(sanitize(finding.rule_id), style=SEVERITY_STYLES.get(finding.severity, "yellow"))
        head.append(" ")
        head.append(f"[{sanitize(finding.name)}]", style="dim")
        head.append(" ")
        head.append(sanitize(finding.message))
        emit(head)
        for related in finding.related:
            note = Text("  ")
            note.append("note", style="cyan")
            note.append(": ")
            note.append(_location(related.path, related.line))
            note.append(": ")
            note.append(sanitize(related.message))
            emit(note)
        if show_source:
            for row in _code_frame(finding, cache):
                emit(row)
    if quiet:
        return
    style = "bold red" if any(f.suppressed is None for f in ordered) else "green"
    total_fixable = sum((fixable or {}).values())
    emit(Text(summary_line(ordered, summary_files, fixable=total_fixable, baselined=baselined, stale=stale),
              style=style))
    if routes is not None:
        emit(Text(route_summary(routes)))


def _auth_cell(route: RouteInfo) -> str:
    text = " -> ".join(sanitize(a) for a in route.auth) if route.auth else sanitize(route.reason)
    if route.conditions:
        text += "; included if: " + " and ".join(sanitize(c) for c in route.conditions)
    if route.alternatives:
        text += "; the same route as " + " or ".join(sanitize(p) for p in route.alternatives) + \
            " (its path is chosen at run time)"
    if route.app:
        text += "; app: " + sanitize(route.app)
    return text


def _state_cell(route: RouteInfo) -> str:
    return sanitize(route.state) + ("" if route.reachable else " (unreachable)")


def _route_cells(route: RouteInfo) -> list[str]:
    return [
        ",".join(sanitize(m) for m in route.methods),
        sanitize(route.path),
        _state_cell(route),
        sanitize(route.handler),
        _location(route.file, route.line),
        _auth_cell(route),
    ]


ROUTE_COLUMNS = ("METHODS", "PATH", "STATE", "HANDLER", "LOCATION", "AUTH / REASON")
# column -> (wraps, min_width). Methods, path and state never wrap (a path is what people copy); the
# handler, location and above all the reason wrap, so the table fits 100 columns.
_COLUMN_LAYOUT = {"METHODS": (False, None), "PATH": (False, None), "STATE": (True, 11),
                  "HANDLER": (True, 8), "LOCATION": (True, 8), "AUTH / REASON": (True, 12)}


MIN_REASON_WIDTH = 30


def _print_blocks(routes: list[RouteInfo], rows: list[list[str]], console: Console) -> None:
    """The narrow-terminal layout: per route, `METHODS  PATH  STATE`, then the handler and location and
    the reason, indented under the path and wrapped to the console width (the path line never wraps)."""
    from rich.padding import Padding

    methods_width = max(cell_len(row[0]) for row in rows) if rows else 0
    path_width = max(cell_len(row[1]) for row in rows) if rows else 0
    indent = methods_width + 2
    state_width = max(cell_len(row[2]) for row in rows) if rows else 0
    align = indent + path_width + 2 + state_width <= console.width  # pad paths so the states line up
    for route, row in zip(routes, rows, strict=True):
        head = Text(row[0].ljust(methods_width) + "  ", style="bold")
        head.append(row[1].ljust(path_width) if align else row[1])
        head.append("  ")
        head.append(row[2], style=STATE_STYLES.get(route.state, ""))
        console.print(head, soft_wrap=True, crop=False, markup=False, highlight=False, emoji=False)
        for detail, style in ((f"{row[3]}  {row[4]}", "dim"), (row[5], "")):
            text = Text(detail, style=style, overflow="fold")
            console.print(Padding(text, (0, 0, 0, indent), expand=False), soft_wrap=False, crop=False, markup=False,
                          highlight=False, emoji=False)


def _write_tsv(routes: list[RouteInfo], console: Console) -> None:
    out = ["\t".join(ROUTE_COLUMNS)]
    out += ["\t".join(_route_cells(route)) for route in routes]
    # Straight to the stream: rich would expand the tabs to spaces.
    console.file.write("".join(line + "\n" for line in out))
    console.file.flush()


def render_routes_table(routes: Iterable[RouteInfo], console: Console) -> None:
    """The route inventory for ``routeguard routes --format table``.

    * On a terminal (``console.is_terminal``, which includes forced colour, or a TTY stream) wide
      enough for every column but the reason unwrapped plus a reason column of
      :data:`MIN_REASON_WIDTH`: a rich Table, state coloured, only the reason wrapping. Otherwise
      (100 columns is usually too narrow for six columns) one block per route: methods, path and
      state on the first line, handler and location, then the reason, indented and wrapped to the
      width. Paths are never wrapped or cut; nothing is truncated with an ellipsis. A one-line summary
      follows.
    * Otherwise (piped / redirected): plain tab-separated lines, a header row then one row per
      route, no summary, no styling, written straight to ``console.file`` (rich would expand the
      tabs); cells contain no tabs or newlines (they are escaped), so
      ``cut -f`` and ``awk -F'\\t'`` work. Use ``--format json`` for anything more structured.

    Columns in both: methods, path, state (``+ " (unreachable)"``), handler, file:line, and the
    auth chain (``a -> b``) or, when there is none, the reason; ``"; included if: ..."`` lists
    include conditions.
    """
    ordered = sort_routes(routes)
    if not (console.is_terminal or _isatty(console.file)):
        _write_tsv(ordered, console)
        return

    rows = [_route_cells(route) for route in ordered]
    widths = [max([cell_len(name)] + [cell_len(row[index]) for row in rows])
              for index, name in enumerate(ROUTE_COLUMNS)]
    fixed = sum(widths[:-1]) + 3 * len(ROUTE_COLUMNS)  # padding either side plus the separator
    if fixed + MIN_REASON_WIDTH <= console.width:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold", expand=False)
        for name in ROUTE_COLUMNS:
            wraps = name == ROUTE_COLUMNS[-1]
            table.add_column(name.capitalize(), overflow="fold", no_wrap=not wraps,
                             min_width=MIN_REASON_WIDTH if wraps else None)
        for route, row in zip(ordered, rows, strict=True):
            cells = [Text(cell) for cell in row]
            cells[2].stylize(STATE_STYLES.get(route.state, ""))
            table.add_row(*cells)
        console.print(table, soft_wrap=False, crop=False, markup=False, highlight=False, emoji=False)
    else:
        _print_blocks(ordered, rows, console)
    served = counted(ordered)  # (the alternatives of one route once)
    states = Counter(route.state for route in served)
    parts = [f"{states.get(state, 0)} {state}" for state in STATE_STYLES]
    console.print(Text(f"{_plural(len(served), 'route')}: {', '.join(parts)}."), soft_wrap=True,
                  markup=False, highlight=False, emoji=False)
