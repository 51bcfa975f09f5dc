"""The command line: wires discovery, analysis and the reporters together; no analysis logic lives here.

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error, 130 interrupted (SIGINT:
one line, "routeguard: interrupted", never a traceback).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeGuard

import typer

from routeguard_lint import __version__

if TYPE_CHECKING:  # types only: nothing below is imported at startup
    from collections.abc import Callable

    from routeguard_lint.intent.config import Config
    from routeguard_lint.model import Finding, Result, RouteInfo
    from routeguard_lint.routes.model import Graph

# The rules, the analysis, LibCST and rich are imported inside the commands that need them, so that
# `--version`, `rules` and `explain` start in a fraction of the time a full import takes (docs/speed.md).

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class Interrupted(BaseException):
    """Ctrl-C (SIGINT): not an Exception, so that no `except Exception` on the way turns it into an error."""


def _on_sigint(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while winding down changes nothing
    raise Interrupted()


def _interrupted() -> None:
    """One line, exit 130. os._exit: nothing left running (worker processes are killed on the way out and
    die with this process anyway, an analysis thread is abandoned) may print at interpreter shutdown."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    try:
        sys.stderr.write("routeguard: interrupted\n")
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(EXIT_INTERRUPTED)

app = typer.Typer(
    name="routeguard",
    help="Static security linter for FastAPI: finds routes no authentication protects.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class RoutesFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class UsageFailure(Exception):
    """A problem with how routeguard was invoked: one line on stderr, exit 2."""


def _fail(message: str, debug: bool) -> None:
    from routeguard_lint.report._common import sanitize

    if debug:
        traceback.print_exc()
    sys.stderr.write(f"routeguard: error: {sanitize(message)}\n")  # one line, whatever a path holds
    raise typer.Exit(EXIT_ERROR)


def _debug_errors(result: Result, debug: bool) -> None:
    """--debug: the tracebacks behind the internal errors that were reported as RG000 findings."""
    if debug:
        for text in getattr(result, "internal_errors", ()):
            sys.stderr.write(f"routeguard: internal error, reported as RG000: {text.rstrip()}\n")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"routeguard {__version__}\n")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def main_callback(
    # a plain `bool` flag: typer coerces every other annotation with a pydantic TypeAdapter, which costs
    # importing pydantic at every start (typer >= 0.20)
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Static security linter for FastAPI: finds routes no authentication protects."""


def _codes(values: list[str] | None, option: str) -> list[str]:
    from routeguard_lint.rules import get_rule

    out: list[str] = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            rule = get_rule(part)
            if rule is None:
                raise UsageFailure(f"unknown rule in {option}: {part!r} (see `routeguard rules`)")
            out.append(rule.code)
    return out


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageFailure(f"cannot write --output {output}: {exc.strerror or exc}") from None


def _paths(paths: list[Path] | None) -> list[Path]:
    return list(paths) if paths else [Path(".")]


PathsArg = Annotated[list[Path] | None, typer.Argument(help="Files or directories to analyse (default: .).",
                                                          show_default=False)]
ExcludeOpt = Annotated[list[str] | None, typer.Option(
    "--exclude", help="Paths or globs to skip, as you would write them (relative to the working directory, "
                      "./x, absolute) or a file or directory name; comma-separated or repeated.")]
NoIgnoreOpt = Annotated[bool, typer.Option("--no-ignore", help="Also analyse files that .gitignore lists "
                                                               "(skipped by default).")]
JobsOpt = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: CPUs).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")]
ColorOpt = Annotated[bool | None, typer.Option("--color/--no-color", help="Force or disable colour.",
                                                  show_default=False)]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the per-file facts cache "
                                                              "(~/.cache/routeguard, or $ROUTEGUARD_CACHE_DIR).")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="Configuration file: a pyproject.toml ([tool.routeguard]) or a routeguard.toml "
                     "(default: found by walking up from the first path).", dir_okay=True, show_default=False)]


def _cache_dir(no_cache: bool) -> Path | None:
    from routeguard_lint.facts.cache import default_dir

    return None if no_cache or os.environ.get("ROUTEGUARD_NO_CACHE") else default_dir()


def _config(config: Path | None, paths: list[Path]) -> Config:
    from routeguard_lint.intent.config import find_config, load_config

    if config is not None:
        return load_config(config, explicit=True)
    return load_config(find_config(paths))



def _fixable_by_file(graph: Graph, findings: list[Finding]) -> dict[str, dict[str, int]]:
    """fix.apply.fixable_by_file, imported only when a count is planned (the fixes load LibCST; a warm run
    whose stored result holds the counts never needs them)."""
    from routeguard_lint.fix.apply import fixable_by_file

    return fixable_by_file(graph, findings)

@app.command()
def check(
    paths: PathsArg = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.text,
    output: OutputOpt = None,
    exclude: ExcludeOpt = None,
    no_ignore: NoIgnoreOpt = False,
    select: Annotated[list[str] | None, typer.Option("--select", help="Only these rules (codes or names).")]
    = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Skip these rules.")] = None,
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", help="Report only findings that are not in this baseline file (see --write-baseline).",
        dir_okay=False, show_default=False)] = None,
    write_baseline: Annotated[Path | None, typer.Option(
        "--write-baseline", help="Record the current findings in FILE and exit 0: adopt routeguard on an "
                                 "existing codebase, then run with --baseline FILE.",
        dir_okay=False, show_default=False)] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings "
                                                                "(2 still means an error).")] = False,
    fail_on_unverified: Annotated[bool, typer.Option(
        "--fail-on-unverified", help="Exit 1 when a route is unverified (its authentication lives in code "
                                     "routeguard cannot read); config: fail-on-unverified = true.")] = False,
    statistics: Annotated[bool, typer.Option("--statistics", help="Per-rule counts (and how many --fix can "
                                                                  "fix) instead of the findings.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the findings: no summary, no route "
                                                              "counts, no progress.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say which configuration was used, how "
                                                                  "many files were analysed and how long it "
                                                                  "took (on stderr).")] = False,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe autofixes (`routeguard rules` marks the fixable "
                                                    "rules), write the files, then report what remains.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of the safe autofixes instead of "
                                                      "the report and write nothing; exit 1 if there would be "
                                                      "changes.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Analyse a FastAPI project and report security findings."""
    import time

    from routeguard_lint.api import analyze_checked
    from routeguard_lint.files.discovery import DiscoveryError, project_groups
    from routeguard_lint.files.ignore import repository_root, split_patterns
    from routeguard_lint.intent.baseline import BaselineError, apply_baseline, load_baseline
    from routeguard_lint.intent.baseline import write_baseline as record_baseline
    from routeguard_lint.intent.config import ConfigError
    from routeguard_lint.report import findings_json, github_annotations, sarif_report
    from routeguard_lint.report.progress import progress
    from routeguard_lint.report.progress import wanted as progress_wanted
    from routeguard_lint.report.sarif import repository_url, root_prefix
    from routeguard_lint.rules import ALL_RULES

    started = time.monotonic()
    try:
        if statistics and format is not CheckFormat.text:
            raise UsageFailure("--statistics works with --format text (the JSON summary has the counts)")
        settings, wanted = _check_settings(config, _paths(paths), select, ignore, no_ignore)

        def configure(group: list[Path]) -> tuple[Config, list[str] | None]:
            """Each project's own configuration, with the command line applied (api.project_groups)."""
            return _check_settings(config, group, select, ignore, no_ignore)

        projects = project_groups(_paths(paths))
        configs = [settings] if len(projects) == 1 else [configure(group)[0] for group in projects]
        # the paths of the projects whose unverified routes fail the run
        fail_unverified = [path for group, c in zip(projects, configs, strict=True)
                           if fail_on_unverified or c.fail_on_unverified for path in group]
        excludes = split_patterns(exclude or ())
        known = load_baseline(baseline) if baseline is not None and write_baseline is None else None
        show_progress = format is CheckFormat.text and not quiet and progress_wanted()
        checked = None
        needs_fixable = format is CheckFormat.json or (format is CheckFormat.text and not quiet)
        with progress(show_progress, "routeguard: analysing"):
            if fix or diff:
                result = _fix(projects, configure, excludes=excludes, jobs=jobs, cache_dir=_cache_dir(no_cache),
                              diff=diff, output=output)
            else:
                checked = analyze_checked(_paths(paths), excludes=excludes, jobs=jobs, select=wanted,
                                          config=settings, cache_dir=_cache_dir(no_cache),
                                          fixable=_fixable_by_file if needs_fixable else None,
                                          configure=configure if len(projects) > 1 else None)
                result = checked.result
        _debug_errors(result, debug)
        if verbose:
            _verbose(configs, result.files, time.monotonic() - started)
        if write_baseline is not None:
            count = record_baseline(write_baseline, result.findings)
            sys.stderr.write(f"routeguard: wrote {count} finding{'s' if count != 1 else ''} to {write_baseline}; "
                             f"`routeguard check --baseline {write_baseline}` now reports only new ones\n")
            raise typer.Exit(EXIT_CLEAN)
        findings, baselined, stale = list(result.findings), 0, 0
        if known is not None:
            outcome = apply_baseline(findings, known)
            findings, baselined, stale = outcome.findings, outcome.matched, outcome.stale
        fixable = checked.fixable(findings) if checked is not None and needs_fixable else {}
        root = repository_root(Path.cwd())
        if format is CheckFormat.json:
            _write(findings_json(findings, ALL_RULES, version=__version__, files=result.files,
                                 fixable=sum(fixable.values()), baselined=baselined, stale=stale,
                                 routes=result.routes), output)
        elif format is CheckFormat.sarif:
            _write(sarif_report(findings, ALL_RULES, version=__version__, root=root or Path.cwd(),
                                repository=repository_url(), success=not result.internal_errors), output)
        elif format is CheckFormat.github:
            _write(github_annotations(findings, root_prefix(root)), output)
        else:
            _text(findings, output, color, summary_files=result.files, fixable=fixable, baselined=baselined,
                  stale=stale, routes=result.routes, quiet=quiet, statistics=statistics)
    except (UsageFailure, DiscoveryError, ConfigError, BaselineError) as exc:
        _fail(str(exc), debug)
    except typer.Exit:
        raise
    except Exception as exc:  # an internal error: one line, never a bare traceback
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", debug)
    if not result.routes and not quiet:
        sys.stderr.write(f"routeguard: warning: no route found in {result.files} "
                         f"file{'s' if result.files != 1 else ''} analysed: are these the FastAPI app's paths?\n")
    failing = _failing(findings, result.routes, fail_unverified)
    raise typer.Exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN)


def _check_settings(config: Path | None, paths: list[Path], select: list[str] | None, ignore: list[str] | None,
                    no_ignore: bool) -> tuple[Config, list[str]]:
    """The configuration with the command line applied, and the rules to run."""
    from dataclasses import replace

    cli_select, cli_ignore = _codes(select, "--select"), _codes(ignore, "--ignore")
    settings = _config(config, paths)
    wanted = settings.rule_codes(cli_select, cli_ignore)  # CLI --select/--ignore replace the config's
    if cli_select:
        settings = replace(settings, select=tuple(cli_select))
    if cli_ignore:  # rules the command line turns off do not run at all
        settings = replace(settings, ignore=())
    if no_ignore:
        settings = replace(settings, respect_gitignore=False)
    return settings, wanted


def _text(findings: list[Finding], output: Path | None, color: bool | None, **options: Any) -> None:
    """The text report, to --output (no colour, no code frames) or stdout."""
    from routeguard_lint.report import make_console, render_text

    if output is None:
        console = make_console(sys.stdout, color=color)
        render_text(findings, console=console, show_source=console.is_terminal, **options)
        return
    try:
        with output.open("w", encoding="utf-8") as stream:
            render_text(findings, console=make_console(stream, color=False), show_source=False, **options)
    except OSError as exc:
        raise UsageFailure(f"cannot write --output {output}: {exc.strerror or exc}") from None


def _failing(findings: list[Finding], routes: list[RouteInfo], fail_unverified: list[Path]) -> bool:
    """Whether the run fails: an active finding, or (`fail-on-unverified`) an unverified route under one
    of `fail_unverified` (the given paths of the projects configured so), said on stderr."""
    from routeguard_lint.report._common import sanitize

    failing = any(f.suppressed is None for f in findings)  # "" is suppressed, without a reason
    wanted = [Path(os.path.abspath(p)) for p in fail_unverified]

    def under_wanted(file: str) -> bool:
        at = Path(os.path.abspath(file))
        return any(w == at or w in at.parents for w in wanted)

    unverified = [r for r in routes if r.state == "unverified" and under_wanted(r.file)]
    if fail_unverified and unverified:
        listed = ", ".join(f"{','.join(r.methods)} {r.path}" for r in unverified[:5])
        more = f" and {len(unverified) - 5} more" if len(unverified) > 5 else ""
        sys.stderr.write(f"routeguard: {len(unverified)} unverified route{'s' if len(unverified) != 1 else ''} "
                         f"fail the run (fail-on-unverified): {sanitize(listed)}{more} "
                         f"(`routeguard routes` says why)\n")
        return True
    return failing


def _verbose(configs: list[Config], files: int, seconds: float) -> None:
    """The configuration (one per project when paths of several were given), the files and the time."""
    from routeguard_lint.report._common import sanitize

    sources = list(dict.fromkeys(c.display or "none found" for c in configs))
    label = "configuration" if len(configs) == 1 else "configurations (one per project)"
    sys.stderr.write(f"routeguard: {label}: {sanitize(', '.join(sources))}\n")
    sys.stderr.write(f"routeguard: analysed {files} file{'s' if files != 1 else ''} in {seconds:.2f} s\n")


def _fix(projects: list[list[Path]], configure: Callable[[list[Path]], tuple[Config, list[str] | None]], *,
         diff: bool, output: Path | None, **analysis: Any) -> Result:
    """`check --fix` / `--diff`: fix, then write the files (returning what remains to report) or print the
    diff and exit (1 when there are changes). What was fixed and what was not, with why, goes to stderr.
    `projects`: the given paths by project (api.project_groups), each fixed with its own `configure`."""
    from dataclasses import replace

    from routeguard_lint.api import merge_results, project_parts
    from routeguard_lint.fix.apply import run_fixes, summary, unified_diff, write_changes, write_summary

    outcomes = []
    for group in projects:
        group_config, group_select = configure(group)
        # a repository of separate programs: each fixed from its own analysis, as `check` analyses it
        for part in project_parts(group, tuple(analysis.get("excludes", ())) + group_config.exclude, group_config):
            outcomes.append(run_fixes(group, config=group_config, select=group_select, project=part, **analysis))
    outcome = outcomes[0]
    if len(outcomes) > 1:  # the projects' files are disjoint: their changes are too
        outcome = replace(outcome, changes={path: change for o in outcomes for path, change in o.changes.items()},
                          applied=[a for o in outcomes for a in o.applied],
                          skipped=[s for o in outcomes for s in o.skipped],
                          result=merge_results([o.result for o in outcomes if o.result is not None]),
                          rounds=max(o.rounds for o in outcomes))
    paths = [path for group in projects for path in group]
    if diff:
        _write(unified_diff(outcome), output)
    else:
        done = write_changes(outcome, roots=paths)
        lines = write_summary(done)
        if lines:  # part-way: say what was changed and what was not, then stop
            for line in lines:
                sys.stderr.write(line + "\n")
            if done.interrupted is not None:
                raise done.interrupted
            raise UsageFailure(f"{len(done.failed)} fixed file{'s' if len(done.failed) != 1 else ''} could not "
                               f"be written (listed above)")
    for line in summary(outcome, would=diff):
        sys.stderr.write(line + "\n")
    if diff:
        raise typer.Exit(EXIT_FINDINGS if outcome.changes else EXIT_CLEAN)
    assert outcome.result is not None  # run_fixes analyses at least once
    return outcome.result


@app.command()
def routes(
    paths: PathsArg = None,
    format: Annotated[RoutesFormat, typer.Option("--format", "-f", help="Output format: the table, JSON, a "
                                                                        "Markdown table (for reviews) or CSV.")]
    = RoutesFormat.table,
    output: OutputOpt = None,
    exclude: ExcludeOpt = None,
    no_ignore: NoIgnoreOpt = False,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List every route with its full path, handler and authentication state (the auth matrix)."""
    from dataclasses import replace

    from routeguard_lint.api import analyze
    from routeguard_lint.files.discovery import DiscoveryError
    from routeguard_lint.files.ignore import split_patterns
    from routeguard_lint.intent.config import ConfigError
    from routeguard_lint.report import make_console, render_routes_table, routes_csv, routes_json, routes_markdown
    from routeguard_lint.report.progress import progress
    from routeguard_lint.report.progress import wanted as progress_wanted

    def configure(group: list[Path]) -> tuple[Config, list[str] | None]:
        """Each project's own configuration (api.project_groups), with the command line applied."""
        settings = _config(config, group)
        return (replace(settings, respect_gitignore=False) if no_ignore else settings), ["RG000"]

    try:
        show_progress = format is RoutesFormat.table and output is None and progress_wanted()
        with progress(show_progress, "routeguard: analysing"):
            result = analyze(_paths(paths), excludes=split_patterns(exclude or ()), jobs=jobs,
                             cache_dir=_cache_dir(no_cache), configure=configure)
        if format is RoutesFormat.json:
            _write(routes_json(result.routes, result.mounts, version=__version__), output)
        elif format is RoutesFormat.markdown:
            _write(routes_markdown(result.routes), output)
        elif format is RoutesFormat.csv:
            _write(routes_csv(result.routes), output)
        elif output is not None:
            try:
                with output.open("w", encoding="utf-8") as stream:  # a file: the tab-separated table
                    render_routes_table(result.routes, make_console(stream, color=False))
            except OSError as exc:
                raise UsageFailure(f"cannot write --output {output}: {exc.strerror or exc}") from None
        else:
            console = make_console(sys.stdout, color=color)
            render_routes_table(result.routes, console)
        _debug_errors(result, debug)
        from routeguard_lint.report._common import sanitize

        # the files it could not analyse (RG000); not the findings of rules the configuration ignores, which
        # the analysis keeps as suppressed ones
        problems = [f for f in result.findings if f.suppressed is None]
        for finding in problems:  # paths and messages can hold anything a file name can
            sys.stderr.write(f"{sanitize(finding.path)}:{finding.line}:{finding.column}: {finding.rule_id} "
                             f"{sanitize(finding.message)}\n")
        if not result.routes:
            sys.stderr.write(f"routeguard: warning: no route found in {result.files} "
                             f"file{'s' if result.files != 1 else ''} analysed: are these the FastAPI app's "
                             f"paths?\n")
    except (UsageFailure, DiscoveryError, ConfigError) as exc:
        _fail(str(exc), debug)
    except typer.Exit:
        raise
    except Exception as exc:
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", debug)
    raise typer.Exit(EXIT_FINDINGS if problems else EXIT_CLEAN)


cache_app = typer.Typer(help="Manage the per-file facts cache.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(cache_app, name="cache")


@cache_app.command("clean")
def cache_clean() -> None:
    """Remove every entry of the facts cache ($ROUTEGUARD_CACHE_DIR, else $XDG_CACHE_HOME/routeguard,
    else ~/.cache/routeguard)."""
    from routeguard_lint.facts.cache import clean, default_dir
    from routeguard_lint.report._common import sanitize

    folder = default_dir()
    removed = clean(folder)
    sys.stderr.write(f"routeguard: removed {removed} cache entries from {sanitize(str(folder))}\n")


@app.command("rules")
def rules_command() -> None:
    """List the rules: code, name, summary."""
    from routeguard_lint.rules import ALL_RULES

    width = max(len(r.name) for r in ALL_RULES)
    for rule in ALL_RULES:
        fix = "fixable" if rule.fixable else ""
        sys.stdout.write(f"{rule.code}  {rule.name.ljust(width)}  {rule.severity:<7}  {fix:<7}  {rule.summary}\n")


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="Rule code or name, e.g. RG001.")]) -> None:
    """Show a rule's documentation: what it finds, why it matters, an example and the fix."""
    from routeguard_lint.rules import get_rule

    found = get_rule(rule)
    if found is None:
        sys.stderr.write(f"routeguard: error: unknown rule {rule!r} (see `routeguard rules`)\n")
        raise typer.Exit(EXIT_ERROR)
    sys.stdout.write(found.markdown())


class _UsageError(Protocol):
    def format_message(self) -> str: ...


def _is_usage_error(exc: BaseException) -> TypeGuard[_UsageError]:
    # click's UsageError (typer vendors click in recent releases, so match by class name, not by import)
    return any(cls.__name__ == "UsageError" for cls in type(exc).__mro__)


def main() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
    if os.environ.get("ROUTEGUARD_DEBUG"):
        try:
            app()
        except Interrupted:
            _interrupted()
        return
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (Interrupted, typer.Abort, KeyboardInterrupt):
        _interrupted()
    except Exception as exc:
        if not _is_usage_error(exc):
            raise
        # a bad option or value: one line and a pointer to --help, exit 2
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if ctx is not None else "routeguard"
        sys.stderr.write(f"routeguard: error: {exc.format_message()} (see `{command} --help`)\n")
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_CLEAN)
