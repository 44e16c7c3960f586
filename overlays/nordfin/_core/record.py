"""Small immutable values that cost nothing to define at import (issue 14).

``@dataclass(frozen=True, slots=True)`` spends about half a millisecond per class writing and
compiling its methods, at import; a dozen of them were a third of ``import nordfin.<slug>``.
Internal records are ``typing.NamedTuple``s; a public value that checks its arguments (a
``RetryPolicy``, a ``ClientCert``) derives from :class:`Frozen`, which gives what the dataclass
gave: compared, hashed and shown by value, fields that cannot be assigned, pickling and copying.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, dataclass_transform

__all__ = ["Frozen", "FrozenInstanceError"]


class FrozenInstanceError(AttributeError):
    """A field of a frozen value was assigned or deleted."""


# For type checkers: a subclass's annotated fields are read-only, as they were on the attrs classes
# (mypy refuses `policy.max_attempts = 2`); its own __init__ stays the constructor.
@dataclass_transform(frozen_default=True)
class Frozen:
    """Base of a frozen value: a subclass annotates its fields (in order), lists them in
    ``__slots__`` and sets them once, in ``__init__``, with :meth:`_init`."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slots = {name for klass in cls.__mro__ for name in klass.__dict__.get("__slots__", ())}
        annotated = (
            name for klass in reversed(cls.__mro__) for name in vars(klass).get("__annotations__", {})
        )
        cls._fields = tuple(dict.fromkeys(name for name in annotated if name in slots))

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise allow assigning any name

        def __setattr__(self, name: str, value: Any) -> None:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")

        def __delattr__(self, name: str) -> None:
            raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({fields})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self._values())


def _rebuild(cls: type[Frozen], values: tuple[Any, ...]) -> Frozen:
    """A pickled or copied value, its fields set as they were (``__init__`` checked them once)."""
    value = object.__new__(cls)
    value._init(**dict(zip(cls._fields, values, strict=True)))
    return value
