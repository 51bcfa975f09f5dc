"""The command line: wires discovery, analysis and the reporters together; no analysis logic lives here.

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error, 130 interrupted (SIGINT:
one line, "routeguard: interrupted", never a traceback).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from routeguard_lint import __version__
from routeguard_lint.rules import ALL_RULES, get_rule

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
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001, S110 - a closed pipe: nothing more to say on stdout
        pass
    try:
        sys.stderr.write("routeguard: interrupted\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001, S110 - nowhere left to say it
        pass
    os._exit(EXIT_INTERRUPTED)

app = typer.Typer(
    name="routeguard",
    help="Static security linter for FastAPI: finds routes no authentication protects.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class RoutesFormat(str, Enum):
    table = "table"
    json = "json"


class UsageFailure(Exception):
    """A problem with how routeguard was invoked: one line on stderr, exit 2."""


def _fail(message: str, debug: bool) -> None:
    from routeguard_lint.report._common import sanitize

    if debug:
        traceback.print_exc()
    sys.stderr.write(f"routeguard: error: {sanitize(message)}\n")  # one line, whatever a path holds
    raise typer.Exit(EXIT_ERROR)


def _debug_errors(result, debug: bool) -> None:
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
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Show the version and exit.")] = None,
) -> None:
    """Static security linter for FastAPI: finds routes no authentication protects."""


def _codes(values: list[str] | None, option: str) -> list[str]:
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


PathsArg = Annotated[Optional[list[Path]], typer.Argument(help="Files or directories to analyse (default: .).",
                                                          show_default=False)]
ExcludeOpt = Annotated[Optional[list[str]], typer.Option("--exclude", help="Glob of paths to skip (repeatable).")]
JobsOpt = Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: CPUs).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to FILE.")]
ColorOpt = Annotated[Optional[bool], typer.Option("--color/--no-color", help="Force or disable colour.",
                                                  show_default=False)]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the per-file facts cache "
                                                              "(~/.cache/routeguard, or $ROUTEGUARD_CACHE_DIR).")]
ConfigOpt = Annotated[Optional[Path], typer.Option(
    "--config", help="Configuration file: a pyproject.toml ([tool.routeguard]) or a routeguard.toml "
                     "(default: found by walking up from the first path).", dir_okay=True, show_default=False)]


def _cache_dir(no_cache: bool) -> Path | None:
    from routeguard_lint.facts.cache import default_dir

    return None if no_cache or os.environ.get("ROUTEGUARD_NO_CACHE") else default_dir()


def _config(config: Path | None, paths: list[Path]):
    from routeguard_lint.intent.config import find_config, load_config

    if config is not None:
        return load_config(config, explicit=True)
    return load_config(find_config(paths))


@app.command()
def check(
    paths: PathsArg = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.text,
    output: OutputOpt = None,
    exclude: ExcludeOpt = None,
    select: Annotated[Optional[list[str]], typer.Option("--select", help="Only these rules (codes or names).")]
    = None,
    ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="Skip these rules.")] = None,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe autofixes (RG003, RG005, RG006), write the "
                                                    "files, then report what remains.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of the safe autofixes instead of "
                                                      "the report and write nothing; exit 1 if there would be "
                                                      "changes.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Analyse a FastAPI project and report security findings."""
    from routeguard_lint.api import analyze
    from routeguard_lint.intent.config import ConfigError
    from routeguard_lint.files.discovery import DiscoveryError
    from routeguard_lint.report import findings_json, github_annotations, make_console, render_text, sarif_report

    try:
        cli_select, cli_ignore = _codes(select, "--select"), _codes(ignore, "--ignore")
        settings = _config(config, _paths(paths))
        wanted = settings.rule_codes(cli_select, cli_ignore)  # CLI --select/--ignore replace the config's
        if fix or diff:
            result = _fix(_paths(paths), excludes=tuple(exclude or ()), jobs=jobs, select=wanted, config=settings,
                          cache_dir=_cache_dir(no_cache), diff=diff, output=output)
        else:
            result = analyze(_paths(paths), excludes=tuple(exclude or ()), jobs=jobs, select=wanted,
                             config=settings, cache_dir=_cache_dir(no_cache))
        _debug_errors(result, debug)
        if format is CheckFormat.json:
            _write(findings_json(result.findings, ALL_RULES, version=__version__, files=result.files), output)
        elif format is CheckFormat.sarif:
            _write(sarif_report(result.findings, ALL_RULES, version=__version__), output)
        elif format is CheckFormat.github:
            _write(github_annotations(result.findings), output)
        else:
            if output is not None:
                try:
                    with output.open("w", encoding="utf-8") as stream:
                        console = make_console(stream, color=False)
                        render_text(result.findings, console=console, show_source=False,
                                    summary_files=result.files)
                except OSError as exc:
                    raise UsageFailure(f"cannot write --output {output}: {exc.strerror or exc}") from None
            else:
                console = make_console(sys.stdout, color=color)
                render_text(result.findings, console=console, show_source=console.is_terminal,
                            summary_files=result.files)
    except (UsageFailure, DiscoveryError, ConfigError) as exc:
        _fail(str(exc), debug)
    except typer.Exit:
        raise
    except Exception as exc:  # an internal error: one line, never a bare traceback
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", debug)
    active = [f for f in result.findings if f.suppressed is None]  # "" is suppressed, without a reason
    raise typer.Exit(EXIT_FINDINGS if active else EXIT_CLEAN)


def _fix(paths: list[Path], *, diff: bool, output: Path | None, **analysis):
    """`check --fix` / `--diff`: fix, then write the files (returning what remains to report) or print the
    diff and exit (1 when there are changes). What was fixed and what was not, with why, goes to stderr."""
    from routeguard_lint.fix.apply import run_fixes, summary, unified_diff, write_changes, write_summary

    outcome = run_fixes(paths, **analysis)
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
    return outcome.result


@app.command()
def routes(
    paths: PathsArg = None,
    format: Annotated[RoutesFormat, typer.Option("--format", "-f", help="Output format.")] = RoutesFormat.table,
    output: OutputOpt = None,
    exclude: ExcludeOpt = None,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List every route with its full path, handler and authentication state (the auth matrix)."""
    from routeguard_lint.api import analyze
    from routeguard_lint.intent.config import ConfigError
    from routeguard_lint.files.discovery import DiscoveryError
    from routeguard_lint.report import make_console, render_routes_table, routes_json

    try:
        result = analyze(_paths(paths), excludes=tuple(exclude or ()), jobs=jobs, select=["RG000"],
                         config=_config(config, _paths(paths)), cache_dir=_cache_dir(no_cache))
        if format is RoutesFormat.json:
            _write(routes_json(result.routes, result.mounts), output)
        else:
            console = make_console(sys.stdout, color=color)
            render_routes_table(result.routes, console)
        _debug_errors(result, debug)
        from routeguard_lint.report._common import sanitize

        for finding in result.findings:  # paths and messages can hold anything a file name can
            sys.stderr.write(f"{sanitize(finding.path)}:{finding.line}:{finding.column}: {finding.rule_id} "
                             f"{sanitize(finding.message)}\n")
    except (UsageFailure, DiscoveryError, ConfigError) as exc:
        _fail(str(exc), debug)
    except typer.Exit:
        raise
    except Exception as exc:
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", debug)
    raise typer.Exit(EXIT_FINDINGS if result.findings else EXIT_CLEAN)


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
    width = max(len(r.name) for r in ALL_RULES)
    for rule in ALL_RULES:
        fix = "fixable" if rule.fixable else ""
        sys.stdout.write(f"{rule.code}  {rule.name.ljust(width)}  {rule.severity:<7}  {fix:<7}  {rule.summary}\n")


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="Rule code or name, e.g. RG001.")]) -> None:
    """Show a rule's documentation: what it finds, why it matters, an example and the fix."""
    found = get_rule(rule)
    if found is None:
        sys.stderr.write(f"routeguard: error: unknown rule {rule!r} (see `routeguard rules`)\n")
        raise typer.Exit(EXIT_ERROR)
    sys.stdout.write(found.markdown())


def _is_usage_error(exc: BaseException) -> bool:
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
