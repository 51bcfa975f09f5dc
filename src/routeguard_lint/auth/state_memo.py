"""Whether a `request.state` memo can be there when a dependency tests it, for one route.

`request.state` belongs to one request. A dependency that starts with `if hasattr(request.state, "user"):
return request.state.user` lets a request through on the memo only when code that ran earlier for the same
request set it: a middleware (it runs before every route) or another dependency of the same route (FastAPI
runs them before the handler), or code either of them calls. Code reached only from another route's handler,
or from the testing dependency itself after it has authenticated, never runs before the test.

The writers of `<x>.state.<attr>` come from the missing-credential walk (`Flow.state_writers`). From them the
functions that can reach a writer are found by following calls backwards (a bounded search over the project's
call sites, by the called name, each resolved as the index resolves it). The memo may be there when one of
those functions is a middleware's request handler, unknown code (a module that cannot be parsed), past the
search's bound, or the function of another callable dependency of the route.
"""

from __future__ import annotations

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import Ctx, FuncV, Index

# how many calls back from a writer the search goes; past it the memo may be there
MAX_CALLER_DEPTH = 5
# how many functions the search visits; past it the memo may be there
MAX_CALLERS = 200


class StateMemo:
    def __init__(self, index: Index, calls: Calls) -> None:
        self.index = index
        self.calls = calls
        self._by_name: dict[str, list[tuple[FuncV, Func, ir.Call]]] = {}
        self._closure: dict[frozenset[tuple[str, str]], frozenset[FuncV] | None] = {}

    def reaching(self, writers: frozenset[tuple[str, str]]) -> frozenset[FuncV] | None:
        """The functions from which a call chain reaches one of `writers` (themselves included), or None when
        the memo may be set before any route runs: a writer is unknown code, a middleware's request handler
        reaches one, or the search is cut short."""
        if writers in self._closure:
            return self._closure[writers]
        found: set[FuncV] = set()
        frontier: list[FuncV] = []
        result: frozenset[FuncV] | None = None
        for module, qualname in writers:
            if module == "?":
                self._closure[writers] = None
                return None
            frontier.append(FuncV(module, qualname))
        for _depth in range(MAX_CALLER_DEPTH + 1):
            fresh = [fv for fv in frontier if fv not in found]
            if not fresh:
                result = frozenset(found)
                break
            found.update(fresh)
            if len(found) > MAX_CALLERS or any(self._middleware(fv) for fv in fresh):
                break
            frontier = [caller for fv in fresh for caller in self._callers(fv)]
        self._closure[writers] = result
        return result

    def _callers(self, target: FuncV) -> list[FuncV]:
        name = target.qualname.rsplit(".", 1)[-1]
        out = []
        for caller, func, call in self._sites(name):
            if self.calls.callee(call, Ctx(caller.module, func.qualname), func) == target:
                out.append(caller)
        return out

    def _sites(self, name: str) -> list[tuple[FuncV, Func, ir.Call]]:
        """Every call in the project whose called name is `name` (`name(...)`, `x.name(...)`). A module not
        parsed yet (demand-driven mode) is parsed when the name is among its words."""
        found = self._by_name.get(name)
        if found is not None:
            return found
        found = self._by_name[name] = []
        asked: set[str] | None = getattr(self.index.by_name, "asked", None)  # see api.OnDemandModules.asked
        if asked is not None:
            asked.add(name)
        for stub in self.index.modules:
            if stub.pending and name not in stub.words.split():
                continue
            facts = self.index.module(stub.module) or stub
            if facts.error or facts.module in self.index.lib_modules:  # reading `error` parses a placeholder
                continue
            for func in facts.functions.values():
                for call in func.calls:
                    f = call.func
                    called = f.id if isinstance(f, ir.Name) else f.attr if isinstance(f, ir.Attr) else None
                    if called == name:
                        found.append((FuncV(facts.module, func.qualname), func, call))
        return found

    def _middleware(self, fv: FuncV) -> bool:
        """A request handler of a middleware: it calls one of its own parameters (`await call_next(request)`),
        or is an ASGI app's `__call__(scope, receive, send)` or a `dispatch(request, call_next)`. Such code runs
        for every request before the route."""
        func = self.index.func(fv)
        if func is None:
            return True  # unknown code
        params = [p.name for p in func.params if p.name not in ("self", "cls")]
        if func.name == "__call__" and params[:3] == ["scope", "receive", "send"]:
            return True
        if func.name == "dispatch" and len(params) >= 2:
            return True
        return any(isinstance(call.func, ir.Name) and call.func.id in params for call in func.calls)

    def may_be_set(self, writers: frozenset[tuple[str, str]], earlier: set[FuncV]) -> bool:
        """Whether the memo the `writers` set may be there when the request gets to the dependency that tests
        it, `earlier` being the functions of the route's other callable dependencies."""
        reaching = self.reaching(writers)
        return reaching is None or bool(reaching & earlier)
