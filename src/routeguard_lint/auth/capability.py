"""Capability URLs judged by what a request with a wrong key meets.

A route whose path carries the secret itself (`/monitoring/{key}`, a link the server prints or mails to its
owner) is protected by it when a request with any other value there is rejected. `_capability` in the judge
takes a path parameter named like a credential (`{token}`, `{client_secret}`) that a check on the route reads;
this module decides by what the code does with the value, whatever its name:

the request walked is one whose path carries a value the client made up (`FORGED`) and no credential, through
each callable FastAPI hands the parameter to that reads it (the handler, or a dependency with a parameter of
that name). The route is protected by the capability when such a walk compares the value in constant time
(`hmac.compare_digest` / `secrets.compare_digest`, there or in a project function it calls) with a value the
server holds, not one the request carries (`COMPARED`), and rejects the request on every path. A
lookup that answers 404 for an unknown identifier (`if name not in ITEMS: raise ...`) is not one: the
identifier names a resource, and a constant-time comparison is what code writes for a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from routeguard_lint.auth.missing_credential import COMPARED, Flow, names_in
from routeguard_lint.auth.optional_auth import with_path_value
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.index import Index
from routeguard_lint.routes.model import NodeKind, path_parameters
from routeguard_lint.vocabulary import COMPARE_DIGEST

if TYPE_CHECKING:
    from routeguard_lint.routes.model import DepNode, Route

_CALLABLE = (NodeKind.ROUTE, NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE)


class Capabilities:
    def __init__(self, index: Index, make_flow: Callable[[], Flow]) -> None:
        """`make_flow`: the walk to use, made when first needed (most projects compare nothing in constant
        time, and are never walked here)."""
        self.index = index
        self._make_flow = make_flow
        self._flow: Flow | None = None
        self._compares: bool | None = None

    def protected(self, route: Route, nodes: list[DepNode]) -> str | None:
        """Why the route is protected by a secret in its path, or None (see the module)."""
        names = path_parameters(route.full_path)
        if not names or not self._any_compare():
            return None
        for name in sorted(names):
            for node in nodes:
                if node.kind not in _CALLABLE or node.func is None or not reads_param(node.func, name):
                    continue
                if self._flow is None:
                    self._flow = self._make_flow()
                outcome = with_path_value(node, self._flow, name)
                if outcome is None or outcome.passes or not outcome.seen.has(COMPARED):
                    continue
                path, line = min(outcome.seen.of(COMPARED))
                return f"capability URL: the path parameter '{name}' is compared in constant time with a secret " \
                       f"the server holds ({path}:{line}), and a request with any other value is rejected"
        return None

    def _any_compare(self) -> bool:
        """Some module of the project imports `compare_digest` (or the module it is in): else no walk can meet
        one."""
        if self._compares is None:
            modules = {q.rpartition(".")[0] for q in COMPARE_DIGEST}
            self._compares = any(ref.module in modules and ref.name in (None, "compare_digest")
                                 for facts in self.index.modules for ref in facts.imports.values())
        return self._compares


def reads_param(func: Func, name: str) -> bool:
    """`name` is a parameter of `func` and its body reads it: in a call, a value bound, returned or raised, or a
    test around any of those."""
    if not any(p.name == name for p in func.params):
        return False
    exprs: list[object] = [*func.calls, *(r.value for r in func.returns), *(b.value for b in func.binds),
                           *(r.exc for r in func.raises), *(e.call for e in func.effects)]
    for sites in (func.returns, func.raises, func.binds, func.effects):
        exprs.extend(site.conditions for site in sites)
    return name in names_in(exprs)
