"""A refresh token in a request body model, as the missing-credential walk meets it.

A token refresh or a logout that takes the refresh token in an optional field of its body (`class
RefreshRequest(BaseModel): refresh_token: str | None = None`, often as an alternative to a cookie) reads a
credential FastAPI does not model as one: the field is a credential source. A request without credentials
either sends no body at all (when the body parameter is optional: `body: RefreshRequest | None = None`) or a
body without the token (the field's default): the walk of the handler is run once for each, and the request
gets through when it gets through in either. `body.refresh_token` and `getattr(body, "refresh_token", None)`
are then the missing credential, so `if not refresh_token: raise HTTPException(401)` decides.

A required field is left to FastAPI (a body without it is answered 422 before the handler runs) and to the
public-by-design token refresh (auth/public.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from routeguard_lint.auth.missing_credential import AV, MISSING, NONE, Inst
from routeguard_lint.facts import ir
from routeguard_lint.project.index import ClassV, Ctx, Index
from routeguard_lint.routes.model import ParamKind
from routeguard_lint.vocabulary import REFRESH_TOKEN_FIELD

if TYPE_CHECKING:
    from routeguard_lint.routes.model import DepNode


def body_worlds(node: DepNode, index: Index) -> list[dict[str, AV]]:
    """The bindings of the node's body parameters that hold a refresh token in an optional field, one per way
    a request without credentials may send them (no body, a body without the token); empty when there are
    none."""
    if node.func is None or node.func_module is None:
        return []
    ctx = Ctx(node.func_module, node.func.qualname)
    absent: dict[str, AV] = {}
    without: dict[str, AV] = {}
    for source in node.params:
        if source.kind is not ParamKind.BODY:
            continue
        annotation, optional = _unwrapped(source.param.annotation)
        cls = index.resolve(annotation, ctx) if annotation is not None else None
        if not isinstance(cls, ClassV):
            continue
        fields = _optional_token_fields(index, cls)
        if not fields:
            continue
        without[source.param.name] = AV("obj", Inst(cls, tuple((name, MISSING) for name in fields)), True)
        if optional or _defaults_to_none(source.param.default):
            absent[source.param.name] = NONE.tainted()
    if not without:
        return []
    return [{**without, **absent}, without] if absent else [without]


def _unwrapped(annotation: ir.Expr | None) -> tuple[ir.Expr | None, bool]:
    """`Model` of `Model | None`, `Optional[Model]`, `Union[Model, None]`, `Annotated[Model, Body()]`, and
    whether None is one of the choices."""
    if isinstance(annotation, ir.BinOp) and annotation.op == "|":
        sides = [s for s in (annotation.left, annotation.right) if not (isinstance(s, ir.Const) and s.value is None)]
        return (sides[0] if len(sides) == 1 else None), len(sides) == 1
    if isinstance(annotation, ir.Sub) and annotation.index:
        head = (ir.dotted(annotation.value) or "").rsplit(".", 1)[-1]
        if head == "Optional":
            return annotation.index[0], True
        if head == "Union":
            rest = [i for i in annotation.index if not (isinstance(i, ir.Const) and i.value is None)]
            return (rest[0] if len(rest) == 1 else None), len(rest) < len(annotation.index)
        if head == "Annotated":
            return _unwrapped(annotation.index[0])
    return annotation, False


def _defaults_to_none(default: ir.Expr | None) -> bool:
    if isinstance(default, ir.Call):  # `Body(None)`, `Body(default=None)`
        default = default.arg(0, "default")
    return isinstance(default, ir.Const) and default.value is None


def _optional_token_fields(index: Index, cls: ClassV) -> tuple[str, ...]:
    """The fields of a model class named for a refresh token that have a default (a body may leave them out)."""
    found: list[str] = []
    for owner in index.mro(cls):
        cdef = index.cls(owner)
        if cdef is None:
            continue
        for name, (annotation, _line) in cdef.annotations.items():
            value = cdef.attrs.get(name)
            if REFRESH_TOKEN_FIELD.match(name) and value is not None and value != annotation and \
                    _has_default(value) and name not in found:
                found.append(name)
    return tuple(found)


def _has_default(value: ir.Expr) -> bool:
    """A field's class-body value gives it a default: not `Field(...)` / `Field()` without one."""
    if isinstance(value, ir.Call) and (ir.dotted(value.func) or "").rsplit(".", 1)[-1] == "Field":
        first = value.arg(0, "default")
        return (first is not None and not (isinstance(first, ir.Const) and first.value is ...)) or \
            value.kwarg("default_factory") is not None
    return True
