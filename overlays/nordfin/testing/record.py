"""Captured traffic for your own tests and bug reports: ``nordfin.verify.record``, found here too.

``with record("traffic.har", secrets=[...]) as transport:`` gives a transport to pass as a
client's ``transport=``; when the block ends its exchanges are written as HAR 1.2 with secrets and
personal data redacted. ``python -m nordfin.verify SLUG --har traffic.har`` checks them offline.
"""

from __future__ import annotations

from nordfin.verify.record import Exchange, RecordingTransport, exchanges_to_har, read_har, record, write_har

__all__ = ["Exchange", "RecordingTransport", "exchanges_to_har", "read_har", "record", "write_har"]
