"""What a credential is compared with (or what a JWT key is): a value written in the code, or a secret
configured outside it.

`Values(index).classify(expr, ctx)` answers:

- `Origin("literal", ...)`: a string/bytes literal, a local variable, module constant or plain class
  attribute holding one (followed through imports and `config.X` module attributes);
- `Origin("secret", ...)`: a value the deployment provides: `os.environ[...]`, `os.getenv(...)`, an attribute
  of a pydantic `BaseSettings` object (its defaults can be overridden from the environment) or of an
  unresolved object whose name says it is configuration (`settings`, `config`, `cfg`), a module constant
  computed at import time (`API_KEY = load_key()`);
- `None`: anything else, notably values read from a database or from the request, which are not secrets
  that a timing attack could recover.

Literals that are not secrets (`""`, `"Bearer"`, `"basic"`, `"null"`, ...) are never `literal`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.arguments import bind_args
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, Index, InstanceV, LiteralV, ModuleV, ParamV

NON_SECRETS = frozenset({"", "bearer", "basic", "digest", "token", "jwt", "apikey", "api-key", "api_key", "negotiate",
                         "hmac", "oauth", "oauth2", "mac", "hawk", "null", "none", "undefined", "nil", "true", "false",
                         "0", "1"})
ENV_READERS = frozenset({"os.getenv", "os.environ.get", "os.getenvb", "os.environ.__getitem__", "os.environb.get",
                         "environ.get", "posix.getenv"})
SETTINGS_NAME = re.compile(r"^(settings|setting|config|configs|conf|cfg|configuration|env|secrets|environment)$|"
                           r"_(settings|config|conf|cfg)$|^(settings|config|conf|cfg)_", re.IGNORECASE)
PASS_THROUGH = frozenset({"encode", "decode", "strip", "lstrip", "rstrip", "get_secret_value", "lower", "upper",
                          "casefold"})
MAX_VALUE_DEPTH = 16  # how deep `Values` follows names, attributes and calls to classify one value


@dataclass(frozen=True)
class Origin:
    kind: str  # "literal" | "secret"
    what: str  # for messages


def meaningful(value: object) -> bool:
    """A literal that can be a secret (not empty, not an auth scheme name or a null-ish placeholder)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return False
    return value.strip().lower() not in NON_SECRETS


LITERAL = Origin("literal", "a string literal")


class Values:
    def __init__(self, index: Index):
        self.index = index
        self._memo: dict[tuple[str, ClassV], bool] = {}
        # construction sites by the class name they call (see `_constructions`), built on first use
        self._sites: dict[str, list[tuple[ir.Call, list[ir.Expr], Ctx, ir.Expr]]] | None = None

    # -- helpers ----------------------------------------------------------------------------------------
    def _local(self, ctx: Ctx, name: str) -> ir.Expr | Literal["param"] | None:
        """What a local name is in the function scopes around `ctx`: the expression a local variable was
        assigned, "param" for a parameter, None when the name is not local."""
        for func in self.index.scopes(ctx):
            if name in func.assigns:
                assigned: ir.Expr = func.assigns[name]
                return assigned
            for bind in reversed(func.binds):
                if bind.name == name:
                    return bind.value
            for param in func.params:
                if param.name == name:
                    return "param"
        return None

    def _param_is_settings(self, ctx: Ctx, name: str) -> bool:
        facts = self.index.module(ctx.module)
        func = facts.functions.get(ctx.scope) if facts and ctx.scope else None
        if func is None:
            return False
        for param in func.params:
            if param.name != name:
                continue
            annotation = param.annotation
            if isinstance(annotation, ir.Sub) and annotation.index:  # Annotated[Settings, Depends(...)]
                annotation = annotation.index[0]
            value = self.index.resolve(annotation, ctx) if annotation is not None else None
            if isinstance(value, ClassV) and self.is_settings(value):
                return True
            default = param.default
            if isinstance(default, ir.Call) and default.args:
                target = self.index.resolve(default.args[0], ctx)
                if isinstance(target, FuncV):
                    result = self.index.call_result(target)
                    if isinstance(result, InstanceV) and isinstance(result.cls, ClassV) and \
                            self.is_settings(result.cls):
                        return True
            return bool(SETTINGS_NAME.search(name))
        return False

    def is_settings(self, cls_v: ClassV) -> bool:
        key = ("settings", cls_v)
        if key not in self._memo:
            bases = self.index.external_bases(cls_v)
            self._memo[key] = any(b.rsplit(".", 1)[-1] == "BaseSettings" for b in bases)
        return self._memo[key]

    # -- the classification -----------------------------------------------------------------------------
    def classify(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> Origin | None:  # noqa: C901
        if expr is None or depth > MAX_VALUE_DEPTH:
            return None
        d = depth + 1
        if isinstance(expr, ir.Str):
            return LITERAL if meaningful(expr.value) else None
        if isinstance(expr, ir.Const):
            return Origin("literal", "a bytes literal") if meaningful(expr.value) else None
        if isinstance(expr, (ir.FStr, ir.BinOp)):
            if isinstance(expr, ir.BinOp) and expr.op != "+":
                return None
            parts = expr.parts if isinstance(expr, ir.FStr) else (expr.left, expr.right)
            literal = True
            text = ""
            for part in parts:
                if isinstance(part, str):
                    text += part
                    continue
                sub = self.classify(part, ctx, d)
                if sub is not None and sub.kind == "secret":
                    return sub
                if sub is None:
                    literal = False
                else:
                    text += "x"
            return LITERAL if literal and meaningful(text) else None
        if isinstance(expr, ir.Name):
            return self._name(expr.id, ctx, d)
        if isinstance(expr, ir.Attr):
            return self._attr(expr, ctx, d)
        if isinstance(expr, ir.Sub):
            base = self.index.resolve(expr.value, ctx)
            if isinstance(base, ExternalV) and base.qualname in ("os.environ", "os.environb"):
                return Origin("secret", "an environment variable")
            inner = self.classify(expr.value, ctx, d)
            if inner is not None and inner.kind == "secret":
                return inner
            return None
        if isinstance(expr, ir.Call):
            return self._call(expr, ctx, d)
        if isinstance(expr, ir.BoolOp) and expr.op == "or" and expr.values:
            return self.classify(expr.values[0], ctx, d)
        return None

    def _call(self, call: ir.Call, ctx: Ctx, depth: int) -> Origin | None:
        f = call.func
        callee = self.index.resolve(f, ctx)
        if isinstance(callee, ExternalV):
            if callee.qualname in ENV_READERS:
                return Origin("secret", "an environment variable")
            if callee.qualname in ("builtins.str", "builtins.bytes") and call.args:
                return self.classify(call.args[0], ctx, depth)
        if isinstance(f, ir.Attr):
            if f.attr in PASS_THROUGH:
                return self.classify(f.value, ctx, depth)
            if f.attr == "get":
                base = self.index.resolve(f.value, ctx)
                if isinstance(base, ExternalV) and base.qualname in ("os.environ", "os.environb"):
                    return Origin("secret", "an environment variable")
                inner = self.classify(f.value, ctx, depth)
                if inner is not None and inner.kind == "secret":
                    return inner
        if isinstance(callee, FuncV):
            # a project function that returns a configured secret (`get_api_key()` -> `os.environ[...]`); one
            # that returns a literal stands in for a vault or a database lookup more often than not: unknown
            func = self.index.func(callee)
            if func is not None:
                fctx = Ctx(callee.module, func.qualname)
                for ret in func.returns:
                    out = self.classify(ret.value, fctx, depth)
                    if out is not None and out.kind == "secret":
                        return out
        return None

    def _name(self, name: str, ctx: Ctx, depth: int) -> Origin | None:
        local = self._local(ctx, name)
        if local == "param":
            return None
        if local is not None:
            return self.classify(local, ctx, depth)
        return self._global(ctx.module, name, depth)

    def _global(self, module: str, name: str, depth: int) -> Origin | None:
        facts = self.index.module(module)
        if facts is None or depth > MAX_VALUE_DEPTH:
            return None
        if name in facts.assigns:
            value = facts.assigns[name]
            inner = self.classify(value, Ctx(facts.module), depth + 1)
            line = facts.assign_lines.get(name)
            where = f" ({facts.path}:{line})" if line else ""
            if inner is not None:
                if inner.kind == "literal":
                    return Origin("literal", f"module constant {name}{where}, which holds a literal")
                return Origin("secret", f"module constant {name} ({inner.what})")
            if isinstance(value, (ir.Call, ir.Sub, ir.Attr, ir.BinOp, ir.FStr, ir.IfExp, ir.BoolOp)):
                resolved = self.index.resolve(ir.Name(name), Ctx(facts.module))
                if isinstance(resolved, (FuncV, ClassV, ModuleV)):
                    return None
                if isinstance(resolved, InstanceV) and isinstance(resolved.cls, (ClassV, ExternalV)) and \
                        not (isinstance(resolved.cls, ExternalV) and resolved.cls.qualname.startswith("pydantic")):
                    return None  # an object (a router, a settings instance, a client), not a secret string
                return Origin("secret", f"module constant {name}")
            return None
        if name in facts.imports:
            ref = facts.imports[name]
            if ref.name is not None and self.index.module(ref.module) is not None:
                return self._global(ref.module, ref.name, depth + 1)
        return None

    def _attr(self, expr: ir.Attr, ctx: Ctx, depth: int) -> Origin | None:
        base = self.index.resolve(expr.value, ctx)
        shown = ir.show(expr)
        if isinstance(base, ModuleV):
            return self._global(base.name, expr.attr, depth)
        if isinstance(base, ClassV):
            return self._class_attr(base, expr.attr, shown, depth)
        if isinstance(base, InstanceV) and isinstance(base.cls, ClassV):
            if self.is_settings(base.cls):
                return Origin("secret", f"settings value {shown}")
            call = base.call
            given = call.kwarg(expr.attr)
            if given is not None:  # Config(api_key=os.environ["API_KEY"])
                return self.classify(given, Ctx(base.module, base.scope), depth + 1)
            if call.args or any(k == "**" for k, _ in call.kwargs):
                return None  # built from runtime values (a database row, a request body): not a secret
            return self._class_attr(base.cls, expr.attr, shown, depth)
        if isinstance(base, ParamV) and self._param_is_settings(Ctx(base.module, base.func), base.name):
            return Origin("secret", f"settings value {shown}")
        if isinstance(base, ParamV):
            owner = self.index.self_class(base)
            if owner is not None:
                return self._own_attr(owner, expr.attr, shown, depth)
        if isinstance(base, LiteralV):
            return None
        dotted = ir.dotted(expr.value)
        if dotted and any(SETTINGS_NAME.search(seg) for seg in dotted.split(".")):
            return Origin("secret", f"configuration value {shown}")
        return None

    def _own_attr(self, cls_v: ClassV, attr: str, shown: str, depth: int) -> Origin | None:
        """`self.attr` in a method: a configured secret when the class's `__init__` stores one
        (`self.key = os.environ["KEY"]`), or stores its own parameter and a place that makes the object passes
        one (`CheckPassword(app, password=settings.server_pass)`, `app.add_middleware(CheckPassword,
        password=...)`, `Middleware(CheckPassword, password=...)`). Only secrets: a literal given at one
        construction site (a test's) says nothing about the deployment."""
        for owner in self.index.mro(cls_v):
            cdef = self.index.cls(owner)
            assigned = cdef.instance_attrs.get(attr) if cdef is not None else None
            if assigned is None:
                continue
            init = self.index.func(FuncV(owner.module, assigned.function))
            if init is None or init.name != "__init__":
                return None
            value, ictx = assigned.value, Ctx(owner.module, init.qualname)
            while isinstance(value, ir.Call) and isinstance(value.func, ir.Attr) and value.func.attr in PASS_THROUGH:
                value = value.func.value
            if isinstance(value, ir.Name) and value.id not in init.assigns and \
                    any(p.name == value.id for p in init.params[1:]):
                return self._constructed_with(cls_v, init, value.id, shown, depth)
            inner = self.classify(assigned.value, ictx, depth + 1)
            return inner if inner is not None and inner.kind == "secret" else None
        return None

    def _constructed_with(self, cls_v: ClassV, init: Func, param: str, shown: str, depth: int) -> Origin | None:
        """A secret that a place making the object passes for `__init__`'s parameter `param` (its default,
        written in the class, is not a construction site's)."""
        for call, args, ctx in self._constructions(cls_v):
            made = ir.Call(call.func, tuple(args), call.kwargs, call.line, call.col)
            given = bind_args(init, made, ctx, ctx, skip_first=True, defaults=False).names.get(param)
            inner = self.classify(given.expr, given.ctx, depth + 1) if isinstance(given, ir.Bound) else None
            if inner is not None and inner.kind == "secret":
                short = cls_v.name.rsplit(".", 1)[-1]
                return Origin("secret", f"{shown}, which {short}.__init__ stores from its parameter '{param}' "
                                        f"({inner.what} where the object is made)")
        return None

    def _constructions(self, cls_v: ClassV) -> list[tuple[ir.Call, list[ir.Expr], Ctx]]:
        """Where the project makes an object of `cls_v`: `Cls(...)`, `x.add_middleware(Cls, ...)`,
        `Middleware(Cls, ...)`, with the arguments the constructor gets (after `self`)."""
        if self._sites is None:
            self._sites = {}
            for facts in self.index.modules:
                if facts.error:
                    continue
                for site in facts.calls:
                    call = site.call
                    f = call.func
                    last = f.attr if isinstance(f, ir.Attr) else f.id if isinstance(f, ir.Name) else None
                    ctx = Ctx(facts.module, site.scope)
                    target: ir.Expr
                    if last in ("add_middleware", "Middleware") and call.args and \
                            not isinstance(call.args[0], ir.Star):
                        target, args = call.args[0], list(call.args[1:])
                    else:
                        target, args = f, list(call.args)
                    name = target.attr if isinstance(target, ir.Attr) else \
                        target.id if isinstance(target, ir.Name) else None
                    if name is not None and name[:1].isupper():
                        self._sites.setdefault(name, []).append((call, args, ctx, target))
        out = []
        for call, args, ctx, target in self._sites.get(cls_v.name.rsplit(".", 1)[-1], ()):
            if self.index.resolve(target, ctx) == cls_v:
                out.append((call, args, ctx))
        return out

    def _class_attr(self, cls_v: ClassV, attr: str, shown: str, depth: int) -> Origin | None:
        settings = self.is_settings(cls_v)
        for owner in self.index.mro(cls_v):
            cls = self.index.cls(owner)
            if cls is None or attr not in cls.attrs:
                continue
            if settings:
                return Origin("secret", f"settings value {shown}")
            expr: ir.Expr | None = cls.attrs[attr]
            if isinstance(expr, ir.Call) and ir.dotted(expr.func) in ("Field", "pydantic.Field"):
                expr = expr.arg(0, "default")
            inner = self.classify(expr, Ctx(owner.module), depth + 1)
            if inner is not None and inner.kind == "literal":
                return Origin("literal", f"class attribute {shown}, which holds a literal")
            return inner
        return Origin("secret", f"settings value {shown}") if settings else None

    # -- collections (for `token in {...}`) -----------------------------------------------------------
    def literal_collection(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> Origin | None:
        if expr is None or depth > MAX_VALUE_DEPTH:
            return None
        if isinstance(expr, ir.Seq):
            items = [i for i in expr.items if not isinstance(i, ir.Star)]
            if items and len(items) == len(expr.items) and \
                    all(isinstance(i, (ir.Str, ir.Const)) and meaningful(getattr(i, "value", None)) for i in items):
                return Origin("literal", "a collection of literals")
            return None
        if isinstance(expr, ir.DictE):
            keys = [k for k, _ in expr.items]
            if keys and all(isinstance(k, ir.Str) and meaningful(k.value) for k in keys):
                return Origin("literal", "a dict with literal keys")
            return None
        if isinstance(expr, ir.Call) and ir.dotted(expr.func) in ("set", "frozenset", "list", "tuple") and expr.args:
            return self.literal_collection(expr.args[0], ctx, depth + 1)
        if isinstance(expr, ir.Name):
            local = self._local(ctx, expr.id)
            if local == "param":
                return None
            if local is not None:
                return self.literal_collection(local, ctx, depth + 1)
            return self._global_collection(ctx.module, expr.id, depth + 1)
        if isinstance(expr, ir.Attr):
            base = self.index.resolve(expr.value, ctx)
            if isinstance(base, ModuleV):
                return self._global_collection(base.name, expr.attr, depth + 1)
        return None

    def _global_collection(self, module: str, name: str, depth: int) -> Origin | None:
        facts = self.index.module(module)
        if facts is None or depth > MAX_VALUE_DEPTH:
            return None
        if name in facts.assigns:
            inner = self.literal_collection(facts.assigns[name], Ctx(facts.module), depth + 1)
            if inner is not None:
                line = facts.assign_lines.get(name)
                where = f" ({facts.path}:{line})" if line else ""
                return Origin("literal", f"module constant {name}{where}, {inner.what}")
            return None
        if name in facts.imports:
            ref = facts.imports[name]
            if ref.name is not None and self.index.module(ref.module) is not None:
                return self._global_collection(ref.module, ref.name, depth + 1)
        return None
