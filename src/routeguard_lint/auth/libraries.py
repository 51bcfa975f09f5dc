"""Auth libraries whose dependencies are built at run time, judged from documented models shipped as data
(`models/libraries.toml`) and from the user's `[tool.routeguard] auth-dependencies`.

A dependency node matches a model by its qualified name (`fastapi_users.FastAPIUsers.current_user` for
`users.current_user(active=True)`, `fastapi_login.LoginManager` for `Depends(manager)`). A factory model's
`optional` arguments, when the call passes them with those values (`current_user(optional=True)`), make
the dependency let a request without credentials through; passed a value only known at run time
(`optional=not settings.REQUIRE_AUTH`), they make it a choice the analysis names rather than decides.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    from routeguard_lint.routes.model import DepNode


@dataclass(frozen=True)
class Model:
    name: str
    factory: bool = False
    rejects: bool = True
    verifies: bool = True
    optional: tuple[tuple[str, object], ...] = ()  # keyword arguments that make it optional
    source: str = ""


@dataclass(frozen=True)
class Methods:
    """A library class whose instance FastAPI injects (`Authorize: AuthJWT = Depends()`) and whose methods check
    the request's credential (`[[method]]` in the models): making the object rejects nothing; calling one of
    `rejects` rejects a request without a valid credential, one of `optional` only a bad one."""

    cls: str
    names: tuple[str, ...]  # `cls` and where the installed library defines it
    rejects: frozenset[str]
    optional: frozenset[str]
    source: str = ""


@lru_cache(maxsize=1)
def object_models() -> tuple[Methods, ...]:
    """The credential-object classes shipped with routeguard."""
    text = resources.files("routeguard_lint.auth.models").joinpath("libraries.toml").read_text(encoding="utf-8")
    return tuple(Methods(str(e["cls"]), (str(e["cls"]), *map(str, e.get("aliases", ()))),
                         frozenset(map(str, e.get("rejects", ()))), frozenset(map(str, e.get("optional", ()))),
                         str(e.get("source", "")))
                 for e in tomllib.loads(text).get("method", []))


def object_model(qualname: str) -> Methods | None:
    """The credential-object model of a class, by its qualified name."""
    return next((m for m in object_models() if qualname in m.names), None)


@dataclass(frozen=True)
class Match:
    model: Model
    optional: bool  # the call passes the arguments that make it let anonymous requests through
    # arguments among those that may make it optional whose value is only known at run time
    # (`optional=not REQUIRE_AUTH`): ("name=text", "path:line") each, the tests that choose whether it does
    undecided: tuple[tuple[str, str], ...] = ()
    methods: Methods | None = None  # a credential object: its methods check the credential

    @property
    def rejects_missing(self) -> bool:
        return self.model.rejects and not self.optional and not self.undecided


@lru_cache(maxsize=1)
def shipped() -> tuple[Model, ...]:
    """The models shipped with routeguard."""
    text = resources.files("routeguard_lint.auth.models").joinpath("libraries.toml").read_text(encoding="utf-8")
    return tuple(_model(entry) for entry in tomllib.loads(text).get("dependency", []))


@dataclass(frozen=True)
class Verifier:
    """A library call that checks a webhook's signature over the request body (`[[signature]]` in the models).
    `name` may hold `*` for one or more dotted parts (`polar.*.webhooks.validate_event`)."""

    name: str
    raises: bool  # raises on a bad signature; False: returns a result the caller must test
    source: str = ""


@lru_cache(maxsize=1)
def verifiers() -> tuple[Verifier, ...]:
    """The signature verifiers shipped with routeguard."""
    text = resources.files("routeguard_lint.auth.models").joinpath("libraries.toml").read_text(encoding="utf-8")
    return tuple(Verifier(str(e["name"]), bool(e.get("raises", True)), str(e.get("source", "")))
                 for e in tomllib.loads(text).get("signature", []))


@lru_cache(maxsize=512)
def signature_verifier(qualname: str) -> Verifier | None:
    """The shipped verifier a called library name is (matched on whole dotted parts, from the right)."""
    qualname = qualname.replace("()", "")  # a method of what a factory returned, or of an instance
    for verifier in verifiers():
        pattern = re.escape(verifier.name.replace("()", "")).replace(r"\*", r"[\w.]+")
        if re.fullmatch(rf"(?:[\w.]+\.)?{pattern}", qualname):
            return verifier
    return None


def _model(entry: dict[str, Any]) -> Model:
    optional = entry.get("optional", {})
    return Model(str(entry["name"]), bool(entry.get("factory", False)), bool(entry.get("rejects", True)),
                 bool(entry.get("verifies", True)), tuple(sorted(optional.items())), str(entry.get("source", "")))


def user_model(name: str, optional: dict[str, object] | None = None) -> Model:
    """A model from `auth-dependencies`: the user says it authenticates; `optional` as in the shipped ones."""
    return Model(name, factory=bool(optional), optional=tuple(sorted((optional or {}).items())),
                 source="auth-dependencies")


def _call_arguments(label: str) -> tuple[tuple[str, object, str], ...]:
    """The keyword arguments of the call a node's label shows (`users.current_user(optional=True)`): (name,
    literal value or `...` when it is not a literal, source text)."""
    try:
        tree = ast.parse(label.strip(), mode="eval")
    except SyntaxError:
        return ()
    call = tree.body
    if not isinstance(call, ast.Call):
        return ()
    out: list[tuple[str, object, str]] = []
    for kw in call.keywords:
        if kw.arg is None:
            continue
        try:
            value: object = ast.literal_eval(kw.value)
        except ValueError:
            value = ...  # not a literal: unknown
        out.append((kw.arg, value, ast.unparse(kw.value)))
    return tuple(out)


def names_of(node: DepNode) -> list[str]:
    """The qualified names a node can be known by."""
    names = [node.qualname] if node.qualname else []
    head = node.label.split("(", 1)[0].strip()
    if head and head not in names:
        names.append(head)
    return names


def _factory_name(node: DepNode) -> str | None:
    """For a closure read from source (`def current_user(...): ... def current_user_dependency(...)` in an
    installed library): the qualified name of the function that made it, which a factory model names."""
    func = node.func
    if func is None or func.parent is None or node.func_module is None:
        return None
    return f"{node.func_module}.{func.parent}"


def match(node: DepNode, models: tuple[Model, ...]) -> Match | None:
    names = names_of(node)
    for methods in object_models():
        if any(n in methods.names for n in names):
            return Match(Model(methods.cls, rejects=False, source=methods.source), False, methods=methods)
    made_by = _factory_name(node)
    for model in models:
        known = [*names, made_by] if model.factory and made_by else names
        if model.name not in known and not any(n.endswith("." + model.name) for n in known):
            continue
        optional = False
        undecided: list[tuple[str, str]] = []
        if model.optional:
            arguments = node.arguments or _call_arguments(node.label)
            kwargs = {name: value for name, value, _text in arguments}
            optional = any(kwargs.get(key) == value for key, value in model.optional)
            texts = {name: text for name, _value, text in arguments}
            where = f"{node.path}:{node.line}" if node.path and node.line else ""
            undecided = [(f"{key}={texts.get(key, '...')}", where) for key, _value in model.optional
                         if kwargs.get(key) is ...]
        return Match(model, optional, () if optional else tuple(undecided))
    return None
