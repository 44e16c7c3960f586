"""How the demo prints its story: one line per step, errors shown by class and message."""

from __future__ import annotations

from collections.abc import Callable

from nordfin import errors

__all__ = ["say", "show_error"]


def say(step: str, result: object) -> None:
    """Print one step of the story and what it gave."""
    print(f"  {step:<44} -> {result}")


def show_error(step: str, call: Callable[[], object]) -> None:
    """Run ``call``, which should fail, and print the nordfin error it raised."""
    try:
        call()
    except errors.NordfinError as error:
        say(step, f"{type(error).__name__}: {error}")
    else:
        say(step, "(no error)")
