"""Frozen dataclasses built at the speed of plain ones.

A frozen dataclass's generated ``__init__`` looks ``object.__setattr__`` up again for every
field (its own ``__setattr__`` refuses): several times the cost of a plain class's, and a
call builds some twenty such values (plans, observations, the record). :func:`fast_init`
gives a frozen dataclass an ``__init__`` with the same signature, defaults, default factories
and ``__post_init__`` call that calls ``object.__setattr__`` bound once (about half the time).
Writing the instance ``__dict__`` instead would be faster still, but materializing it makes
every later attribute read slower. Everything else (immutability afterwards, equality,
hashing, ``replace``) is the dataclass's.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["fast_init"]

_T = TypeVar("_T")
_FACTORY = object()


def fast_init(cls: type[_T]) -> type[_T]:
    """Replace a frozen, non-slots dataclass's ``__init__`` (apply after ``@dataclass``)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" in cls.__dict__:
        raise TypeError(f"fast_init wants a frozen dataclass without slots, not {cls!r}")
    spec: dict[str, Any] = cls.__dict__["__dataclass_fields__"]
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY, "_set": object.__setattr__}
    signature: list[str] = []
    keyword_only: list[str] = []
    body: list[str] = []
    init_vars: list[str] = []
    for name, item in spec.items():
        kind = item._field_type  # a field, a class variable or an init-only variable
        if kind is dataclasses._FIELD_CLASSVAR:  # type: ignore[attr-defined]
            continue
        default = ""
        if item.default is not dataclasses.MISSING:
            namespace[f"_default_{name}"] = item.default
            default = f"=_default_{name}"
        elif item.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{name}"] = item.default_factory
            default = "=_FACTORY"
        if kind is dataclasses._FIELD_INITVAR:  # type: ignore[attr-defined]
            init_vars.append(name)
        elif not item.init:
            if default == "=_FACTORY":
                body.append(f"    _set(self, {name!r}, _factory_{name}())")
            elif default:
                body.append(f"    _set(self, {name!r}, _default_{name})")
            continue
        elif default == "=_FACTORY":
            value = f"_factory_{name}() if {name} is _FACTORY else {name}"
            body.append(f"    _set(self, {name!r}, {value})")
        else:
            body.append(f"    _set(self, {name!r}, {name})")
        (keyword_only if item.kw_only is True else signature).append(f"{name}{default}")
    if keyword_only:
        signature += ["*", *keyword_only]
    if hasattr(cls, "__post_init__"):
        body.append(f"    self.__post_init__({', '.join(init_vars)})")
    lines = [f"def __init__(self, {', '.join(signature)}):", *(body or ["    pass"])]
    source = "\n".join(lines)
    exec(source, namespace)  # generated from the class's own field names, nothing else
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
