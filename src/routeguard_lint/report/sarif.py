"""SARIF 2.1.0 for GitHub code scanning (``routeguard check --format sarif``).

Deliberate choices:

* URIs are relative to the repository root (the nearest directory above the working directory that
  holds ``.git`` or ``.hg``; the working directory when there is none), with ``uriBaseId: "%SRCROOT%"``,
  so they are right when routeguard runs from a subdirectory. ``originalUriBaseIds`` gives
  ``%SRCROOT%``'s absolute ``file:///`` URI. Files outside the root get absolute ``file://`` URIs.
* Every rule descriptor has ``helpUri`` (its section of docs/rules.md at the repository URL from the
  package metadata, ``[project.urls] Repository``), CWE tags (``external/cwe/cwe-306``),
  ``security-severity`` (GitHub's 0-10 scale) and ``precision``: the rule's own (``Rule.cwe``,
  ``Rule.security_severity``, ``Rule.precision``, beside its check).
* ``partialFingerprints["routeguard/v1"]`` is the SHA-256 of ``Finding.fingerprint_key``
  (rule + method + route path, or rule + qualified name), so it survives line moves. When the key
  is empty it falls back to rule + path + message. When several results in one run share a
  fingerprint, the second and later (in report order) get ``sha256(key + "\\0" + n)`` so GitHub
  does not merge them into one alert. Baselines (``intent/baseline.py``) use the same fingerprints.
* Regions are passed through from the model (1-based lines and columns; SARIF's ``endColumn`` is
  the column *after* the last character). A finding with ``line < 1`` gets no region (the whole
  file); columns < 1 are left out; end positions before the start are clamped to the start.
* Every rule in ``rules`` is declared (sorted by code). A finding whose rule id is not among them
  gets a minimal synthesised descriptor, so ``ruleIndex`` is always valid.
* Suppressed findings are results with ``suppressions``: kind ``inSource`` for a comment in the code,
  ``external`` for the configuration (``ignore``, ``public``), with the reason as ``justification``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from routeguard_lint.intent.baseline import fingerprint, fingerprint_source
from routeguard_lint.model import Finding, Related, SuppressionKind
from routeguard_lint.report._common import sarif_level, split_suppressed
from routeguard_lint.report.json_report import dumps
from routeguard_lint.rules.base import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_NAME = "routeguard/v1"
SRCROOT = "%SRCROOT%"
TOOL_NAME = "routeguard"

_WINDOWS_ABS = re.compile(r"^[A-Za-z]:/")


def _quote(path: str) -> str:
    try:
        # surrogateescape: undecodable file-name bytes (os.fsdecode) go back to the raw bytes.
        return quote(path, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(path, safe="/", errors="backslashreplace")


def rebase(path: str, prefix: str) -> str:
    """A model path (relative to the cwd) made relative to the repository root: ``prefix`` is the cwd
    relative to the root (``"services/api/"``, or ``""`` when routeguard runs at the root)."""
    if not prefix or path.startswith("/") or _WINDOWS_ABS.match(path):
        return path
    while path.startswith("./"):
        path = path[2:]
    joined = os.path.normpath(prefix + path).replace(os.sep, "/")
    return path if joined.startswith("../") else joined


def root_prefix(root: Path | None, cwd: Path | None = None) -> str:
    """The cwd relative to ``root`` with a trailing ``/`` (``""`` at the root or when unknown)."""
    if root is None:
        return ""
    cwd = cwd or Path.cwd()
    try:
        rel = Path(os.path.abspath(cwd)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return ""
    return "" if rel in ("", ".") else rel + "/"


def artifact_location(path: str, prefix: str = "") -> dict[str, str]:
    """``artifactLocation`` for a model path (POSIX, relative to the cwd when under it).

    Percent-encoded (spaces, non-ASCII, ``%``, ``#``, ``?``, ``:`` ...). ``prefix``: see :func:`rebase`.
    Absolute paths (files outside the cwd) become ``file://`` URIs without a ``uriBaseId``.
    """
    posix = rebase(path, prefix)
    if posix.startswith("/"):
        return {"uri": "file://" + _quote(posix)}
    if _WINDOWS_ABS.match(posix):
        return {"uri": "file:///" + posix[:2] + _quote(posix[2:])}
    while posix.startswith("./"):
        posix = posix[2:]
    return {"uri": _quote(posix), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int] | None:
    if line < 1:
        return None
    region = {"startLine": line}
    if column >= 1:
        region["startColumn"] = column
    if end_line >= 1:
        end_line = max(end_line, line)
        region["endLine"] = end_line
        if column >= 1 and end_column >= 1:
            region["endColumn"] = max(end_column, column) if end_line == line else end_column
    return region


def _physical_location(path: str, region: dict[str, int] | None, prefix: str = "") -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": artifact_location(path, prefix)}
    if region is not None:
        location["region"] = region
    return location


def repository_url() -> str | None:
    """``[project.urls] Repository`` from the installed package's metadata (no trailing ``/``)."""
    from importlib import metadata

    try:
        urls = metadata.metadata("routeguard-lint").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("repository", "source", "source code"):
            return url.strip().rstrip("/")
    return None


def rule_anchor(rule_code: str, rule_name: str) -> str:
    """The GitHub anchor of the rule's section in docs/rules.md (``## RG001 unprotected-route``)."""
    return f"{rule_code} {rule_name}".lower().replace(" ", "-")


def help_uri(repository: str | None, rule: Rule) -> str | None:
    if not repository:
        return None
    return f"{repository}/blob/main/docs/rules.md#{rule_anchor(rule.code, rule.name)}"


def rule_properties(rule: Rule) -> dict[str, Any]:
    tags = ["security", *(f"external/cwe/cwe-{cwe}" for cwe in rule.cwe)]
    properties: dict[str, Any] = {"tags": tags, "precision": rule.precision}
    if rule.security_severity is not None:
        properties["security-severity"] = f"{rule.security_severity:.1f}"
    return properties


def rule_descriptor(rule: Rule, repository: str | None = None) -> dict[str, Any]:
    help_md = rule.markdown()
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what.strip() or rule.summary},
    }
    uri = help_uri(repository, rule)
    if uri is not None:
        descriptor["helpUri"] = uri
    descriptor.update({
        "help": {"text": help_md, "markdown": help_md},
        "defaultConfiguration": {"level": sarif_level(rule.severity)},
        "properties": rule_properties(rule),
    })
    return descriptor


def _synthetic_descriptor(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.rule_id,
        "name": finding.name,
        "shortDescription": {"text": finding.name or finding.rule_id},
        "defaultConfiguration": {"level": sarif_level(finding.severity)},
        "properties": {"tags": ["security"]},
    }


def _related_location(index: int, related: Related, prefix: str = "") -> dict[str, Any]:
    region = {"startLine": related.line} if related.line >= 1 else None
    return {
        "id": index,
        "physicalLocation": _physical_location(related.path, region, prefix),
        "message": {"text": related.message},
    }


def sarif_report(
    findings: Iterable[Finding],
    rules: Sequence[Rule],
    *,
    version: str,
    suppressed: Iterable[Finding] = (),
    root: Path | None = None,
    cwd: Path | None = None,
    repository: str | None = None,
    success: bool = True,
    command_line: str | None = None,
) -> str:
    """A SARIF 2.1.0 log with one run.

    Suppressed findings (passed in ``suppressed`` or carrying a ``suppressed`` justification)
    are emitted with ``suppressions`` (kind ``inSource`` or ``external``, see
    ``Finding.suppression_kind``) so code scanning shows them as dismissed rather than dropping them.
    ``root``: the repository root URIs are relative to (None: the cwd, and no ``originalUriBaseIds``).
    ``repository``: the project URL for ``informationUri`` and each rule's ``helpUri``.
    ``success``: ``invocations[0].executionSuccessful``.
    """
    active, quiet = split_suppressed(findings, suppressed)
    prefix = root_prefix(root, cwd)

    descriptors: list[dict[str, Any]] = []
    index_of: dict[str, int] = {}
    for rule in sorted(rules, key=lambda r: r.code):
        if rule.code not in index_of:
            index_of[rule.code] = len(descriptors)
            descriptors.append(rule_descriptor(rule, repository))
    everything = sorted(
        [(f, False) for f in active] + [(f, True) for f in quiet],
        key=lambda pair: (pair[0].rule_id, pair[1]),
    )
    for finding, _ in everything:
        if finding.rule_id not in index_of:
            index_of[finding.rule_id] = len(descriptors)
            descriptors.append(_synthetic_descriptor(finding))

    seen: dict[str, int] = {}
    results = []
    for finding, is_quiet in [(f, False) for f in active] + [(f, True) for f in quiet]:
        source = fingerprint_source(finding)
        occurrence = seen.get(source, 0)
        seen[source] = occurrence + 1
        result: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": index_of[finding.rule_id],
            "level": sarif_level(finding.severity),
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": _physical_location(
                        finding.path,
                        _region(finding.line, finding.column, finding.end_line, finding.end_column),
                        prefix,
                    )
                }
            ],
        }
        if finding.related:
            result["relatedLocations"] = [
                _related_location(i, rel, prefix) for i, rel in enumerate(finding.related, start=1)
            ]
        result["partialFingerprints"] = {FINGERPRINT_NAME: fingerprint(finding, occurrence)}
        if is_quiet:
            suppression = {"kind": SuppressionKind(finding.suppression_kind).value}
            if finding.suppressed:
                suppression["justification"] = finding.suppressed
            result["suppressions"] = [suppression]
        results.append(result)

    driver: dict[str, Any] = {"name": TOOL_NAME, "version": version}
    if repository:
        driver["informationUri"] = repository
    driver["rules"] = descriptors
    invocation: dict[str, Any] = {"executionSuccessful": success}
    if command_line is not None:
        invocation["commandLine"] = command_line
    run: dict[str, Any] = {"tool": {"driver": driver}, "invocations": [invocation]}
    if root is not None:
        run["originalUriBaseIds"] = {
            SRCROOT: {"uri": Path(os.path.abspath(root)).as_uri().rstrip("/") + "/",
                      "description": {"text": "The repository root: result URIs are relative to it."}},
        }
    run["automationDetails"] = {"id": f"{TOOL_NAME}/"}
    run["columnKind"] = "unicodeCodePoints"
    run["results"] = results
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [run],
    }
    return dumps(log)
