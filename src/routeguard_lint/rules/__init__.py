"""The rules: one module each, its documentation beside its check.

Every module defines `RULE` (metadata and docs) and `check(graph) -> Iterable[Finding]`, a pure function
over the route graph. `ALL_RULES` is the registry the CLI, the reporters and the docs read.
"""

from __future__ import annotations

from routeguard_lint.rules import rg000_analysis_error
from routeguard_lint.rules import rg001_unprotected_route
from routeguard_lint.rules import rg002_auth_never_rejects
from routeguard_lint.rules import rg003_credential_in_query
from routeguard_lint.rules import rg004_hardcoded_credential
from routeguard_lint.rules import rg005_timing_unsafe_compare
from routeguard_lint.rules import rg006_missing_www_authenticate
from routeguard_lint.rules import rg007_soft_auth_failure
from routeguard_lint.rules import rg008_optional_token_unchecked
from routeguard_lint.rules import rg009_unchecked_scopes
from routeguard_lint.rules import rg010_jwt_verification_disabled
from routeguard_lint.rules import rg011_stale_public_entry
from routeguard_lint.rules import rg012_unused_suppression
from routeguard_lint.rules.base import Rule

MODULES = (rg000_analysis_error, rg001_unprotected_route, rg002_auth_never_rejects, rg003_credential_in_query,
           rg004_hardcoded_credential, rg005_timing_unsafe_compare, rg006_missing_www_authenticate,
           rg007_soft_auth_failure, rg008_optional_token_unchecked,
           rg009_unchecked_scopes,
           rg010_jwt_verification_disabled,
           rg011_stale_public_entry, rg012_unused_suppression)
ALL_RULES: tuple[Rule, ...] = tuple(m.RULE for m in MODULES)
BY_CODE: dict[str, Rule] = {r.code: r for r in ALL_RULES}


def get_rule(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    for rule in ALL_RULES:
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None
