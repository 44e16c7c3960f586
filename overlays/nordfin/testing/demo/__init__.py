"""``python -m nordfin.testing.demo``: drive each finished API's client against its fake.

Every step prints what was asked and what came back, so a newcomer sees the clients work end to
end without credentials or network. One module per API (``_<slug>.py``), each with ``demo_<slug>()``.
"""

from __future__ import annotations

from nordfin.testing.demo._aptic import demo_aptic
from nordfin.testing.demo._goto import demo_goto
from nordfin.testing.demo._payex import demo_payex
from nordfin.testing.demo._payfunc import demo_payfunc
from nordfin.testing.demo._permanad import demo_permanad

__all__ = ["main"]


def main() -> None:
    demo_goto()
    demo_payex()
    demo_payfunc()
    demo_aptic()
    demo_permanad()
    print("demo finished: every finished API answered through its client.")
