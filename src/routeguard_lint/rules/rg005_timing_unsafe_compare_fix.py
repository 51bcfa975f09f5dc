"""RG005's safe autofix: `a == b` -> `secrets.compare_digest(a.encode(), b.encode())`, `a != b` ->
`not secrets.compare_digest(...)`.

Only for a single `==`/`!=` whose two sides are plain names, attributes or subscripts and are both known to be
`str` (a `str` annotation, a scheme or header credential, a settings attribute annotated `str`,
`os.environ[...]`), or both `bytes` (then without `.encode()`). `compare_digest` raises `TypeError` for a
`None`, for `str` against `bytes` and for a `str` with non-ASCII characters; the operands are encoded so a
client cannot turn a 401 into a 500 with a non-ASCII header, and nothing is rewritten when a side may be
`None`, `SecretStr`, a number or unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import libcst as cst

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Param, to_ir
from routeguard_lint.fix.codemod import (
    CREDENTIAL_OBJECTS,
    OBJECT_SCHEMES,
    STR_SCHEMES,
    FileFix,
    Import,
    Project,
    Unfixable,
)
from routeguard_lint.model import Finding
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, InstanceV, ModuleV
from routeguard_lint.rules._compare import comparisons
from routeguard_lint.rules._values import Values
from routeguard_lint.vocabulary import ANNOTATED, DEPENDS, PARAM_FUNCS, REQUEST_TYPES, SECURITY, is_fastapi_name

ENV_GETTERS = frozenset({"os.getenv", "os.environ.get"})


@dataclass(frozen=True)
class _ParamOf:
    """A name that is a parameter of an enclosing function."""

    param: Param
    ctx: Ctx  # the function's


@dataclass(frozen=True)
class _ParamParts:
    """A parameter's annotation and default, as FastAPI reads them."""

    base: ir.Expr | None  # the type (inside `Annotated[...]`)
    markers: tuple[tuple[str, ir.Call], ...]  # ("Depends" | "Security" | "Header" | ..., the marker call)
    value_default: bool  # a default that is a value, not a marker: the parameter may be left out


class Types:
    """Whether an operand is known to be a `str` (or `bytes`) at run time, from annotations and sources."""

    def __init__(self, project: Project):
        self.p = project
        self.index = project.index

    def of(self, expr: ir.Expr, ctx: Ctx) -> str | None:
        if isinstance(expr, ir.Name):
            local = self._local(expr.id, ctx)
            if isinstance(local, _ParamOf):
                return self.param_type(local.param, local.ctx)
            if local == "local":
                return None
            return self._global(ctx.module, expr.id, 0)
        if isinstance(expr, ir.Attr):
            return self._attr(expr, ctx)
        if isinstance(expr, ir.Sub):
            return self._sub(expr, ctx)
        return None

    # -- helpers ---------------------------------------------------------------------------------------
    def _local(self, name: str, ctx: Ctx) -> _ParamOf | Literal["local"] | None:
        """What `name` is in the function scopes around `ctx`: a parameter (of which function), "local" for
        a variable assigned there, None when it is not local (a global, a builtin)."""
        for func in self.index.scopes(ctx):
            if name in func.assigns or any(b.name == name for b in func.binds):
                return "local"
            for param in func.params:
                if param.name == name:
                    return _ParamOf(param, Ctx(ctx.module, func.qualname))
        return None

    def _external(self, expr: ir.Expr | None, ctx: Ctx) -> str | None:
        value = self.index.resolve(expr, ctx) if expr is not None else None
        return value.qualname if isinstance(value, ExternalV) else None

    def simple(self, annotation: ir.Expr | None, ctx: Ctx) -> str | None:
        """"str" / "bytes" for exactly that annotation (not Optional, not a union)."""
        if isinstance(annotation, ir.Str):
            return annotation.value.strip() if annotation.value.strip() in ("str", "bytes") else None
        qual = self._external(annotation, ctx) if isinstance(annotation, ir.Name) else None
        return {"builtins.str": "str", "builtins.bytes": "bytes"}.get(qual or "")

    def split_annotated(self, annotation: ir.Expr | None, ctx: Ctx) -> tuple[ir.Expr | None, tuple[ir.Expr, ...]]:
        if isinstance(annotation, ir.Sub) and annotation.index and self._external(annotation.value, ctx) in ANNOTATED:
            return annotation.index[0], tuple(annotation.index[1:])
        return annotation, ()

    def _marker(self, expr: object, ctx: Ctx) -> str | None:
        if not isinstance(expr, ir.Call):
            return None
        qual = self._external(expr.func, ctx)
        if qual in DEPENDS:
            return "Depends"
        if qual in SECURITY:
            return "Security"
        if qual and is_fastapi_name(qual, PARAM_FUNCS):
            return qual.rsplit(".", 1)[-1]
        return None

    def _param_parts(self, param: Param, ctx: Ctx) -> _ParamParts:
        base, meta = self.split_annotated(param.annotation, ctx)
        markers: list[tuple[str, ir.Call]] = []
        for expr in (*meta, param.default):
            kind = self._marker(expr, ctx)
            if kind is not None and isinstance(expr, ir.Call):
                markers.append((kind, expr))
        value_default = param.default is not None and not self._marker(param.default, ctx)
        return _ParamParts(base, tuple(markers), value_default)

    def param_type(self, param: Param, ctx: Ctx) -> str | None:
        if param.kind in ("vararg", "kwarg"):
            return None
        parts = self._param_parts(param, ctx)
        base, markers, default_value = parts.base, parts.markers, parts.value_default
        if default_value and not isinstance(param.default, ir.Str):
            return None  # `token: str = None`: may be None
        for kind, call in markers:
            if kind in ("Depends", "Security"):
                scheme = self.p.scheme_of(call.arg(0, "dependency"), ctx)
                if scheme is not None:
                    if scheme.optional or scheme.own_call:
                        return None
                    return "str" if scheme.cls in STR_SCHEMES else None
            else:
                default = call.arg(0, "default")
                if default is not None and not (isinstance(default, ir.Const) and default.value is ...) and \
                        not isinstance(default, ir.Str):
                    return None  # Header(None): may be None
                if base is None and kind in ("Header", "Cookie"):
                    return "str"
        return self.simple(base, ctx)

    def credential_object(self, param: Param, ctx: Ctx) -> str | None:
        parts = self._param_parts(param, ctx)
        base, markers, default_value = parts.base, parts.markers, parts.value_default
        if default_value:
            return None
        for kind, call in markers:
            if kind in ("Depends", "Security") and call.arg(0, "dependency") is not None:
                scheme = self.p.scheme_of(call.arg(0, "dependency"), ctx)
                if scheme is not None:
                    if scheme.optional or scheme.own_call:
                        return None
                    return OBJECT_SCHEMES.get(scheme.cls)
        qual = self._external(base, ctx)
        name = qual.rsplit(".", 1)[-1] if qual else None
        return name if name in CREDENTIAL_OBJECTS and is_fastapi_name(qual, {name}) else None

    def _class_attr(self, cls_v: ClassV, attr: str) -> str | None:
        for owner in self.index.mro(cls_v):
            cdef = self.index.cls(owner)
            if cdef is None:
                continue
            found = cdef.annotations.get(attr)
            if found is not None:
                return self.simple(found[0], Ctx(owner.module))
            if attr in cdef.attrs or attr in cdef.methods:
                return None
        return None

    def _attr(self, expr: ir.Attr, ctx: Ctx) -> str | None:
        base = expr.value
        if isinstance(base, ir.Name):
            local = self._local(base.id, ctx)
            if local == "local":
                return None
            if isinstance(local, _ParamOf):
                param, pctx = local.param, local.ctx
                obj = self.credential_object(param, pctx)
                if obj is not None:
                    return "str" if expr.attr in CREDENTIAL_OBJECTS[obj] else None
                parts = self._param_parts(param, pctx)
                annotation, default_value = parts.base, parts.value_default
                cls_v = self.index.resolve(annotation, pctx) if annotation is not None else None
                if isinstance(cls_v, ClassV) and not default_value:
                    return self._class_attr(cls_v, expr.attr)
                return None
        value = self.index.resolve(base, ctx)
        if isinstance(value, InstanceV) and isinstance(value.cls, ClassV):
            return self._class_attr(value.cls, expr.attr)
        if isinstance(value, ClassV):
            return self._class_attr(value, expr.attr)
        if isinstance(value, ModuleV):
            return self._global(value.name, expr.attr, 0)
        return None

    def _sub(self, expr: ir.Sub, ctx: Ctx) -> str | None:
        if self._external(expr.value, ctx) == "os.environ":
            return "str"
        value = expr.value
        if isinstance(value, ir.Attr) and value.attr in ("headers", "cookies") and isinstance(value.value, ir.Name):
            local = self._local(value.value.id, ctx)
            if isinstance(local, _ParamOf):
                base = self._param_parts(local.param, local.ctx).base
                qual = self._external(base, local.ctx)
                if qual and qual.rsplit(".", 1)[-1] in REQUEST_TYPES and \
                        (qual.startswith("fastapi.") or qual.startswith("starlette.")):
                    return "str"
        return None

    def _global(self, module: str, name: str, depth: int) -> str | None:
        facts = self.index.module(module)
        if facts is None or depth > 8:
            return None
        if name in facts.assigns:
            expr = facts.assigns[name]
            ctx = Ctx(facts.module)
            if isinstance(expr, ir.Sub) and self._external(expr.value, ctx) == "os.environ":
                return "str"
            if isinstance(expr, ir.Call):
                qual = self._external(expr.func, ctx)
                if qual == "builtins.str":
                    return "str"
                if qual in ENV_GETTERS and len(expr.args) >= 2 and isinstance(expr.args[1], ir.Str):
                    return "str"
                if qual in ENV_GETTERS and isinstance(expr.kwarg("default"), ir.Str):
                    return "str"
            return None
        if name in facts.imports:
            ref = facts.imports[name]
            if ref.name is not None and self.index.module(ref.module) is not None:
                return self._global(ref.module, ref.name, depth + 1)
        return None


@dataclass(frozen=True)
class _Match:
    """A comparison the finding reported, read as the analysis reads it."""

    node: cst.Comparison
    ctx: Ctx
    left: ir.Expr
    right: ir.Expr
    op: str  # "==" | "!="


def fix(finding: Finding, file: FileFix) -> str:
    """`==`/`!=` of the comparison the finding reported -> `secrets.compare_digest(...)`."""
    matched = _reported_comparisons(finding, file)
    if not matched:
        raise Unfixable("the comparison is not a single == or != of two operands (a chained or computed "
                        "comparison is left as it is)")
    types = Types(file.project)
    return "; ".join(_rewrite(match, file, types) for match in matched)


def _reported_comparisons(finding: Finding, file: FileFix) -> list[_Match]:
    """The single `==`/`!=` comparisons where the finding points that the analysis reads as a credential
    compared with a configured secret."""
    records = [c for c in comparisons(file.project.graph) if c.path == finding.path and c.line == finding.line
               and c.kind == "secret" and c.op in ("==", "!=")]
    values = Values(file.index)
    credentials = {record.credential for record in records}

    def reported(cred: ir.Expr, other: ir.Expr, ctx: Ctx) -> bool:
        if ir.show(cred, 60) not in credentials:
            return False
        origin = values.classify(other, ctx)
        return origin is not None and origin.kind == "secret"

    matched = []
    for site in file.sites(file.scan.compares, finding):
        node = site.node
        if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1 or \
                not isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
            continue
        op = "==" if isinstance(node.comparisons[0].operator, cst.Equal) else "!="
        if not any(record.op == op for record in records):
            continue
        left, right = to_ir(node.left, finding.line), to_ir(node.comparisons[0].comparator, finding.line)
        if left is None or right is None:
            continue
        ctx = Ctx(file.facts.module, site.scope)
        if reported(left, right, ctx) or reported(right, left, ctx):
            matched.append(_Match(node, ctx, left, right, op))
    return matched


def _rewrite(match: _Match, file: FileFix, types: Types) -> str:
    node = match.node
    for side in (node.left, node.comparisons[0].comparator):
        if not _plain(side):
            raise Unfixable(f"'{file.module.code_for_node(side).strip()}' is not a plain name, attribute or "
                            f"subscript; rewriting it could change when it is evaluated")
    kinds = (types.of(match.left, match.ctx), types.of(match.right, match.ctx))
    if kinds[0] != kinds[1] or kinds[0] not in ("str", "bytes"):
        unknown = [ir.show(x, 40) for x, t in zip((match.left, match.right), kinds, strict=True)
                   if t not in ("str", "bytes")]
        what = f"'{unknown[0]}' is not known to be a str" if unknown else "one side is str, the other bytes"
        raise Unfixable(f"{what}; secrets.compare_digest raises TypeError for None, numbers, SecretStr "
                        f"or mixed str/bytes, so the comparison is left as it is")
    digest = _secrets_name(file)
    encode = kinds[0] == "str"
    negate = match.op == "!="

    def operand(expr: cst.BaseExpression) -> cst.BaseExpression:
        return cst.Call(func=cst.Attribute(value=expr, attr=cst.Name("encode"))) if encode else expr

    def edit(updated: cst.Comparison) -> cst.BaseExpression:
        call = cst.Call(func=cst.parse_expression(digest), args=[
            cst.Arg(operand(updated.left), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            cst.Arg(operand(updated.comparisons[0].comparator))])
        if negate:
            return cst.UnaryOperation(operator=cst.Not(), expression=call, lpar=updated.lpar, rpar=updated.rpar)
        return call.with_changes(lpar=updated.lpar, rpar=updated.rpar)

    file.edit(node, edit)
    shown = f"{ir.show(match.left, 40)} {match.op} {ir.show(match.right, 40)}"
    return f"'{shown}' compared with {'not ' if negate else ''}{digest}()"


def _plain(node: cst.BaseExpression) -> bool:
    """A name, attribute or subscript by a literal or a name: evaluating it twice has no effect."""
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return _plain(node.value)
    if isinstance(node, cst.Subscript):
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return False
        index = node.slice[0].slice.value
        return _plain(node.value) and (isinstance(index, (cst.SimpleString, cst.Integer)) or _plain(index))
    return False


def _secrets_name(file: FileFix) -> str:
    ref = file.facts.imports.get("secrets")
    if ref is not None and ref.module == "secrets" and ref.name is None:
        return "secrets.compare_digest"
    local = file.local_name_for(("secrets", "hmac"), "compare_digest")
    if local is not None:
        return local
    if file.bound("secrets"):
        raise Unfixable("the name 'secrets' is already used for something else in this file")
    file.need_import(Import("secrets", None, 0, 1))
    return "secrets.compare_digest"
