"""How FastAPI fills a parameter (a dependency, a header or cookie, the request, a query parameter, ...),
read from its annotation (`Annotated[T, marker]` and aliases of it) and default, and the `Depends(...)` /
`Security(...)` declarations of routers, includes and routes."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Param, is_marker
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, Index, external_name
from routeguard_lint.routes.literals import Literals, unbound
from routeguard_lint.routes.model import DepRef, ParamKind, ParamSource
from routeguard_lint.vocabulary import (
    ANNOTATED,
    DEPENDS,
    NON_QUERY_TYPES,
    PARAM_FUNCS,
    PASSWORD_FORMS,
    REQUEST_TYPES,
    SECURITY,
    Source,
    is_credential,
    last_name,
)

MAX_RETURNED = 4  # calls followed to what they return, for a parameter's default (a factory of a factory)
PROJECT_CLASS = "__model__"  # the type name of a parameter annotated with a project class (a request body)


class Marker(NamedTuple):
    """A FastAPI parameter function called for a parameter (`Depends`, `Header`, ...), the call and where it
    is read."""

    name: str
    call: ir.Call
    ctx: Ctx


class Params:
    def __init__(self, index: Index, literals: Literals) -> None:
        self.index = index
        self.literals = literals

    def dep_list(self, expr: ir.Expr | None, ctx: Ctx, origin: str, path: str, line: int) -> list[DepRef]:
        """The `Depends(...)` / `Security(...)` of a `dependencies=[...]` argument, with those chosen by tests
        the analysis cannot decide (`conditional_deps`)."""
        out: list[DepRef] = self.unread_item(expr, ctx, origin, path, line)
        for item, ictx in self.literals.items_ctx(expr, ctx):
            ref = self.depends_call(item, ictx, origin, path, line)
            if ref is not None:
                out.append(ref)
        return out + self.conditional_deps(expr, ctx, origin, path, line)

    def unread_item(self, expr: ir.Expr | None, ctx: Ctx, origin: str, path: str, line: int) -> list[DepRef]:
        """`dependencies=table["admin"]` of a table that cannot be read (a dict other code may change, a key only
        known at run time): one dependency that may be anything, named as written (the route is unverified, not
        left with no dependencies)."""
        if isinstance(expr, ir.Sub) and self.literals.assignment(expr, ctx) is None:
            return [DepRef(ir.Unknown(ir.show(expr)), ctx, origin, path, line)]
        changed = self._changed_list(expr, ctx, 0)
        if changed is not None:
            return [DepRef(changed, ctx, origin, path, line)]
        return []

    def _changed_list(self, expr: ir.Expr | None, ctx: Ctx, depth: int) -> ir.Unknown | None:
        """`dependencies=cfg.dependencies` (or a name bound to it, or a `+` of lists with it) where the list is an
        object's attribute that methods change in ways not followed (`Index.changed_state`): what it holds is
        not told, so one dependency that may be anything, named by the call that changes it."""
        if expr is None or depth > 6:
            return None
        if isinstance(expr, ir.Bound):
            assert isinstance(expr.ctx, Ctx)
            return self._changed_list(expr.expr, expr.ctx, depth + 1)
        if isinstance(expr, ir.BinOp) and expr.op == "+":
            return self._changed_list(expr.left, ctx, depth + 1) or self._changed_list(expr.right, ctx, depth + 1)
        if not isinstance(expr, (ir.Name, ir.Attr)):
            return None
        found = self.literals.assignment(expr, ctx)
        if found is None:
            return None
        if isinstance(found.expr, ir.Unknown) and found.expr.code.startswith("self."):
            return found.expr
        return self._changed_list(found.expr, found.ctx, depth + 1)

    def conditional_deps(self, expr: ir.Expr | None, ctx: Ctx, origin: str, path: str, line: int) -> list[DepRef]:
        """The dependencies of a `dependencies=` list that are there only under a test the analysis cannot
        decide, each as the dependency chosen by that test (`auth if is_auth else None`: the judgement weighs
        each choice); `Literals` leaves them out of the list's items. A list chosen by such a test
        (`[Security(auth)] if is_auth else None`) gives each of its dependencies so, as does an append under one
        in the function that builds the list (`if KEY: result.append(Depends(check))`)."""
        choice = self._undecided(expr, ctx)
        if choice is None:
            return self._appended_if(expr, ctx, origin, path, line)
        test, body, orelse, cctx = choice
        refs = [(ref, True) for ref in self.dep_list(body, cctx, origin, path, line)] + \
            [(ref, False) for ref in self.dep_list(orelse, cctx, origin, path, line)]
        return [replace(ref, expr=_chosen(test, cctx, ref, taken), ctx=cctx) for ref, taken in refs
                if ref.expr is not None]

    def _appended_if(self, expr: ir.Expr | None, ctx: Ctx, origin: str, path: str, line: int) -> list[DepRef]:
        """`result = []; if KEY: result.append(Depends(check))` in the function that builds a dependency list
        (`dependencies=get_dependencies()`): an append under tests the analysis cannot decide is the dependency
        chosen by them (`check if KEY else None`); the unconditional appends are read by `Literals`."""
        found = self._list_binding(expr, ctx)
        if found is None:
            return []
        name, lctx = found
        func = self.index.func(FuncV(lctx.module, lctx.scope)) if lctx.scope is not None else None
        out: list[DepRef] = []
        for effect in func.effects if func is not None else ():
            f = effect.call.func
            if not (effect.conditions and isinstance(f, ir.Attr) and f.attr == "append" and
                    isinstance(f.value, ir.Name) and f.value.id == name and len(effect.call.args) == 1) or \
                    any(is_marker(c) for c in effect.conditions):
                continue
            truths = [self.index.test_truth(effect.conditions, k, lctx, effect.line)
                      for k in range(len(effect.conditions))]
            if False in truths or None not in truths:
                continue  # never appended, or always (then `Literals.appended` would need to read it)
            ref = self.depends_call(effect.call.args[0], lctx, origin, path, line)
            if ref is None or ref.expr is None:
                continue
            tests = tuple(c for c, t in zip(effect.conditions, truths, strict=True) if t is None)
            test = tests[0] if len(tests) == 1 else ir.BoolOp("and", tests)
            out.append(replace(ref, expr=_chosen(test, lctx, ref, True), ctx=lctx))
        return out

    def _list_binding(self, expr: ir.Expr | None, ctx: Ctx) -> tuple[str, Ctx] | None:
        """The local a dependency list is built in (`result = []` ... `return result`), following a bound
        argument, a name and a project function's return."""
        for _ in range(MAX_RETURNED * 2):
            if isinstance(expr, ir.Bound):
                inner = unbound(expr)
                expr, ctx = inner.expr, inner.ctx
            elif isinstance(expr, ir.Call):
                returned = self.index.returned(expr, ctx)
                if returned is None:
                    return None
                expr, ctx = returned
            elif isinstance(expr, ir.Name):
                found = self.literals.assignment(expr, ctx)
                if found is None:
                    return None
                if isinstance(found.expr, ir.Seq):
                    return (expr.id, found.ctx) if found.ctx.scope is not None else None
                expr, ctx = found.expr, found.ctx
            else:
                return None
        return None

    def _undecided(self, expr: ir.Expr | None, ctx: Ctx) -> tuple[ir.Expr, ir.Expr, ir.Expr, Ctx] | None:
        """`body if test else orelse` (or a name bound to one) whose test cannot be told, read in its context."""
        for _ in range(MAX_RETURNED):
            if isinstance(expr, ir.Bound):
                inner = unbound(expr)
            elif isinstance(expr, ir.Name):
                found = self.literals.assignment(expr, ctx)
                if found is None:
                    return None
                inner = found
            else:
                break
            expr, ctx = inner.expr, inner.ctx
        if isinstance(expr, ir.IfExp) and self.index.truth(expr.test, ctx) is None:
            return expr.test, expr.body, expr.orelse, ctx
        return None

    def depends_call(self, item: ir.Expr, ctx: Ctx, origin: str, path: str, line: int) -> DepRef | None:
        """`item` as a declared dependency, when it is a `Depends(...)` / `Security(...)` call, or a name (or a dict's
        item) bound to one (`DependsJwtAuth = Depends(HTTPBearer())` in another module, then
        `dependencies=[DependsJwtAuth]`), read where that call is written."""
        if isinstance(item, ir.Sub) and self.literals.assignment(item, ctx) is None:
            # an item of a table that cannot be read (a dict other code may change, a key only known at run
            # time): a dependency that may be anything, named as written
            return DepRef(ir.Unknown(ir.show(item)), ctx, origin, path, line)
        item, ctx = self.bound_value(item, ctx)
        if not isinstance(item, ir.Call):
            return None
        callee = external_name(self.index.resolve(item.func, ctx))
        if callee not in DEPENDS and callee not in SECURITY:
            # `dependencies=[require_authorization("manage_users")]`, `dependencies=[PreAuthDependency()]`: a
            # project function Python calls when the decorator is evaluated, followed (arguments bound) to the
            # `Depends(...)` it returns: what Python puts in the list
            here = self.followed(item, ctx)
            if here is item:
                return None
            item = here
            callee = external_name(self.index.resolve(item.func, ctx))
            if callee not in DEPENDS and callee not in SECURITY:
                return None
        scopes = tuple(self.index.string(s, ctx) or ir.show(s) for s in self.literals.items(item.kwarg("scopes"), ctx))
        return DepRef(item.arg(0, "dependency"), ctx, origin, path, item.line or line, scopes=scopes,
                      security=callee in SECURITY)

    def param_value(self, param: Param, ctx: Ctx) -> Param:
        """`param` with a default that is a name bound to a call (`user: str = AUTHENTICATED`, with
        `AUTHENTICATED = Depends(...)` in some module) replaced by that call, its parts read where the
        call is written; a call of a project function (`user = depends_user()`, directly or through such
        a name) is followed to the call it returns (`return Depends(injector.depends)`), read in its body."""
        default = param.default
        if isinstance(default, ir.Call):
            call, cctx = default, ctx
        elif isinstance(default, (ir.Name, ir.Attr)):
            found, fctx = self.bound_value(default, ctx)
            if not isinstance(found, ir.Call):
                return param
            call, cctx = found, fctx
        else:
            return param
        here = self.followed(call, cctx)
        if here is default:
            return param
        if here is call and cctx != ctx:  # its parts are read where it is written, not where it is used
            here = _bound_call(call, cctx)
        return Param(param.name, param.kind, param.annotation, here, param.line, param.col)

    def bound_value(self, expr: ir.Expr, ctx: Ctx) -> tuple[ir.Expr, Ctx]:
        """What a name (an attribute, a dict's item, an argument) holds, followed a few steps through the names it is
        bound to as Python evaluates them: a local bound to another name, a parameter to the argument of the call
        being read, an object's attribute its `__init__` set from an argument (`route_deps.validated_token`, with
        `self.validated_token = validated_token_dep` and the object made as `RouteDeps(validated_token_dep=
        Depends(check))`), read where each is written; `expr` itself when it is bound to nothing known."""
        for _ in range(MAX_RETURNED * 2):
            if not isinstance(expr, (ir.Name, ir.Attr, ir.Sub, ir.Bound)):
                break
            bound = self.literals.assignment(expr, ctx)
            if bound is None:
                break
            expr, ctx = bound.expr, bound.ctx
        return expr, ctx

    def followed(self, call: ir.Call, ctx: Ctx) -> ir.Call:
        """`call` (written in `ctx`) followed through project functions to the call they return
        (`RoleACL(allow_user=True)` whose body, arguments bound, returns `Depends(role_dependency)`), its parts
        bound where that call is written; `call` itself when it returns no call."""
        start = call
        for _ in range(MAX_RETURNED):
            returned = self.index.returned(call, ctx)
            if returned is None or not isinstance(returned[0], ir.Call):
                break
            call, ctx = returned[0], returned[1]
        if call is start:
            return call
        return _bound_call(call, ctx)

    def annotation_type(self, annotation: ir.Expr | None, ctx: Ctx) -> ir.Expr | None:
        """`T` for `T`, `Annotated[T, ...]` and aliases of those."""
        return self.annotated_meta(annotation, ctx)[2]

    def annotated_meta(self, annotation: ir.Expr | None, ctx: Ctx) -> tuple[list[ir.Expr], Ctx, ir.Expr | None]:
        """Metadata of `Annotated[T, m1, m2]` (through the names bound to it, `Index.type_alias`), its context,
        and T. (`Optional[Annotated[...]]` and friends are rare: their metadata is not read.)"""
        if annotation is None:
            return [], ctx, None
        annotation, ctx = self.index.type_alias(annotation, ctx)
        if isinstance(annotation, ir.Sub) and annotation.index and \
                external_name(self.index.resolve(annotation.value, ctx)) in ANNOTATED:
            return list(annotation.index[1:]), ctx, annotation.index[0]
        return [], ctx, annotation

    def _marker(self, expr: ir.Expr | None, ctx: Ctx) -> Marker | None:
        """`Depends(...)`, `Security(...)`, `Header(...)`, `Query(...)`, ... as a parameter's default or in its
        `Annotated[...]` metadata."""
        if not isinstance(expr, ir.Call):
            return None
        name = external_name(self.index.resolve(expr.func, ctx))
        if name in DEPENDS:
            return Marker("Depends", expr, ctx)
        if name in SECURITY:
            return Marker("Security", expr, ctx)
        if name and (name.startswith("fastapi.") and last_name(name) in PARAM_FUNCS):
            return Marker(last_name(name), expr, ctx)
        return None

    def classify_param(self, param: Param, ctx: Ctx) -> ParamSource:
        """How FastAPI fills a parameter (read where the `def` is: `ctx`)."""
        meta, meta_ctx, base = self.annotated_meta(param.annotation, ctx)
        # metadata that calls a project function is what it returns (`Annotated[Role, RoleACL(...)]`)
        markers = [m for m in (self._marker(self.followed(expr, meta_ctx) if isinstance(expr, ir.Call) else expr,
                                            meta_ctx) for expr in meta) if m is not None]
        marker = self._marker(param.default, ctx)
        if marker is not None:
            markers.append(marker)
        if param.kind in ("vararg", "kwarg"):
            return ParamSource(param, ParamKind.OTHER)
        for marker in markers:
            if marker.name in ("Depends", "Security"):
                scopes = tuple(self.index.string(s, marker.ctx) or ir.show(s)
                               for s in self.literals.items(marker.call.kwarg("scopes"), marker.ctx))
                ref = DepRef(marker.call.arg(0, "dependency"), marker.ctx, f"parameter {param.name}",
                             self.index.path_of(ctx.module), param.line, annotation=base, scopes=scopes,
                             security=marker.name == "Security")
                if ref.expr is None:
                    ref.ctx = meta_ctx if base is not None and meta else ctx
                return ParamSource(param, ParamKind.DEPENDS, dependency=ref)
        if markers:
            return self._marked(param, markers[0], base)
        return self._by_type(param, self._type_name(base, meta_ctx if meta else ctx))

    def _marked(self, param: Param, marker: Marker, base: ir.Expr | None) -> ParamSource:
        """A parameter FastAPI reads from where its marker says (`Header()`, `Query()`, `Body()`, ...)."""
        if marker.name in ("Header", "Cookie"):
            header = marker.name == "Header"
            alias = self.index.string(marker.call.kwarg("alias"), marker.ctx)
            name = (alias or (param.name.replace("_", "-") if header else param.name)).lower()
            default = marker.call.arg(0, "default")
            optional = (default is not None and not (isinstance(default, ir.Const) and default.value is ...)) \
                or (param.default is not None and marker.call is not param.default) or self._optional_type(base)
            credential = is_credential(Source.HEADER if header else Source.COOKIE, name)
            return ParamSource(param, ParamKind.HEADER if header else ParamKind.COOKIE, alias=name,
                               credential=credential, optional=optional)
        if marker.name == "Query":
            return ParamSource(param, ParamKind.EXPLICIT_QUERY,
                               alias=self.index.string(marker.call.kwarg("alias"), marker.ctx))
        return ParamSource(param, ParamKind(marker.name.lower()))  # path / body / form / file

    def _by_type(self, param: Param, type_name: str | None) -> ParamSource:
        """A parameter without a marker: what FastAPI makes of it depends on its type."""
        if type_name in REQUEST_TYPES:
            return ParamSource(param, ParamKind.REQUEST, type_name=type_name)
        if type_name in NON_QUERY_TYPES:
            return ParamSource(param, ParamKind.SPECIAL)
        if type_name in PASSWORD_FORMS:
            return ParamSource(param, ParamKind.PASSWORD_FORM)
        if type_name == PROJECT_CLASS:
            return ParamSource(param, ParamKind.BODY)
        return ParamSource(param, ParamKind.QUERY, type_name=type_name)

    def _optional_type(self, annotation: ir.Expr | None) -> bool:
        if isinstance(annotation, ir.BinOp) and annotation.op == "|":
            return "None" in ir.show(annotation)
        return isinstance(annotation, ir.Sub) and ir.dotted(annotation.value) in ("Optional", "typing.Optional")

    def _type_name(self, annotation: ir.Expr | None, ctx: Ctx) -> str | None:
        """The simple name of a parameter's type: fastapi/starlette names, PROJECT_CLASS for project classes."""
        if annotation is None:
            return None
        if isinstance(annotation, ir.Sub):
            head = ir.dotted(annotation.value) or ""
            if last_name(head) in ("Optional",) and annotation.index:
                return self._type_name(annotation.index[0], ctx)
            if last_name(head) == "Union" and annotation.index:
                names = [self._type_name(i, ctx) for i in annotation.index
                         if not (isinstance(i, ir.Const) and i.value is None)]
                return names[0] if names else None
            return last_name(head) or None
        if isinstance(annotation, ir.BinOp) and annotation.op == "|":
            for side in (annotation.left, annotation.right):
                if not (isinstance(side, ir.Const) and side.value is None):
                    return self._type_name(side, ctx)
            return None
        if isinstance(annotation, ir.Str):
            return last_name(annotation.value.split("[")[0].strip())
        value = self.index.resolve(annotation, ctx)
        if isinstance(value, ExternalV):
            return last_name(value.qualname)
        if isinstance(value, ClassV):
            for base in self.index.external_bases(value):
                if last_name(base) in PASSWORD_FORMS:
                    return last_name(base)
            return PROJECT_CLASS
        return ir.dotted(annotation)


def _bound_call(call: ir.Call, ctx: Ctx) -> ir.Call:
    """`call` with its parts bound to where it is written, to be read elsewhere."""
    return ir.Call(ir.Bound(call.func, ctx), tuple(ir.Bound(a, ctx) for a in call.args),
                   tuple((k, ir.Bound(v, ctx)) for k, v in call.kwargs), call.line, call.col)


def _chosen(test: ir.Expr, ctx: Ctx, ref: DepRef, taken: bool) -> ir.Expr:
    """The dependency of `ref` as present only when `test` is true (`taken`) or false: `dep if test else None`."""
    assert ref.expr is not None
    dep = ref.expr if ref.ctx == ctx else ir.Bound(ref.expr, ref.ctx)
    absent = ir.Const(None)
    return ir.IfExp(test, dep, absent) if taken else ir.IfExp(test, absent, dep)
