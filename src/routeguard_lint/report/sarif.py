"""SARIF 2.1.0 for GitHub code scanning (``routeguard check --format sarif``).

Deliberate choices:

* No ``originalUriBaseIds``: its ``%SRCROOT%`` would be the absolute ``file:///`` URI of the
  current directory, which differs between machines. Results use relative URIs with
  ``uriBaseId: "%SRCROOT%"``, which GitHub resolves against the repository root.
* No ``informationUri`` (there is no published documentation URL to point at).
* ``partialFingerprints["routeguard/v1"]`` is the SHA-256 of ``Finding.fingerprint_key``
  (rule + method + route path, or rule + qualified name), so it survives line moves. When the key
  is empty it falls back to rule + path + message. When several results in one run share a
  fingerprint, the second and later (in report order) get ``sha256(key + "\\0" + n)`` so GitHub
  does not merge them into one alert.
* Regions are passed through from the model (1-based lines and columns; SARIF's ``endColumn`` is
  the column *after* the last character). A finding with ``line < 1`` gets no region (the whole
  file); columns < 1 are left out; end positions before the start are clamped to the start.
* Every rule in ``rules`` is declared (sorted by code). A finding whose rule id is not among them
  gets a minimal synthesised descriptor, so ``ruleIndex`` is always valid.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from routeguard_lint.model import Finding, Related
from routeguard_lint.report._common import sarif_level, split_suppressed
from routeguard_lint.report.json_report import dumps
from routeguard_lint.rules.base import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_NAME = "routeguard/v1"
SRCROOT = "%SRCROOT%"

_WINDOWS_ABS = re.compile(r"^[A-Za-z]:/")


def _quote(path: str) -> str:
    try:
        # surrogateescape: undecodable file-name bytes (os.fsdecode) go back to the raw bytes.
        return quote(path, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(path, safe="/", errors="backslashreplace")


def artifact_location(path: str) -> dict[str, str]:
    """``artifactLocation`` for a model path (POSIX, relative to the cwd when under it).

    Percent-encoded (spaces, non-ASCII, ``%``, ``#``, ``?``, ``:`` ...). Absolute paths (files
    outside the cwd) become ``file://`` URIs without a ``uriBaseId``.
    """
    posix = path
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


def _physical_location(path: str, region: dict[str, int] | None) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": artifact_location(path)}
    if region is not None:
        location["region"] = region
    return location


def fingerprint_source(finding: Finding) -> str:
    """The text hashed into the fingerprint: no line numbers in it."""
    if finding.fingerprint_key:
        return finding.fingerprint_key
    return "\0".join((finding.rule_id, finding.path, finding.message))


def fingerprint(finding: Finding, occurrence: int = 0) -> str:
    text = fingerprint_source(finding)
    if occurrence:
        text = f"{text}\0{occurrence}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    help_md = rule.markdown()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what.strip() or rule.summary},
        "help": {"text": help_md, "markdown": help_md},
        "defaultConfiguration": {"level": sarif_level(rule.severity)},
        "properties": {"tags": ["security"]},
    }


def _synthetic_descriptor(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.rule_id,
        "name": finding.name,
        "shortDescription": {"text": finding.name or finding.rule_id},
        "defaultConfiguration": {"level": sarif_level(finding.severity)},
        "properties": {"tags": ["security"]},
    }


def _related_location(index: int, related: Related) -> dict[str, Any]:
    region = {"startLine": related.line} if related.line >= 1 else None
    return {
        "id": index,
        "physicalLocation": _physical_location(related.path, region),
        "message": {"text": related.message},
    }


def sarif_report(
    findings: Iterable[Finding],
    rules: Sequence[Rule],
    *,
    version: str,
    suppressed: Iterable[Finding] = (),
) -> str:
    """A SARIF 2.1.0 log with one run.

    Suppressed findings (passed in ``suppressed`` or carrying a ``suppressed`` justification)
    are emitted with ``suppressions: [{"kind": "inSource", ...}]`` so code scanning shows them as
    dismissed rather than dropping them.
    """
    active, quiet = split_suppressed(findings, suppressed)

    descriptors: list[dict[str, Any]] = []
    index_of: dict[str, int] = {}
    for rule in sorted(rules, key=lambda r: r.code):
        if rule.code not in index_of:
            index_of[rule.code] = len(descriptors)
            descriptors.append(rule_descriptor(rule))
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
                    )
                }
            ],
        }
        if finding.related:
            result["relatedLocations"] = [
                _related_location(i, rel) for i, rel in enumerate(finding.related, start=1)
            ]
        result["partialFingerprints"] = {FINGERPRINT_NAME: fingerprint(finding, occurrence)}
        if is_quiet:
            suppression = {"kind": "inSource"}
            if finding.suppressed:
                suppression["justification"] = finding.suppressed
            result["suppressions"] = [suppression]
        results.append(result)

    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "routeguard",
                        "version": version,
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return dumps(log)
