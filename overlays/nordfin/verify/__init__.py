"""Verify nordfin's specs against the real APIs: a live contract run, captured traffic, a ledger.

``python -m nordfin.verify SLUG --base-url URL`` drives the API's public client against a
server (read-only unless ``--allow-writes``), checks every exchange strictly against the
packaged spec, and reports each guess of the spec (``x-nordfin-inferred``) as ``confirmed``,
``contradicted`` or ``unexercised``. ``--har FILE`` checks captured traffic offline instead;
:func:`nordfin.verify.record.record` captures it from your own client use, redacted.
"""

from __future__ import annotations

from nordfin.verify.check import Checker, Finding
from nordfin.verify.ledger import CONFIRMED, CONTRADICTED, UNEXERCISED, Inference, ledger
from nordfin.verify.record import Exchange, RecordingTransport, read_har, record, write_har
from nordfin.verify.report import Report
from nordfin.verify.run import Settings, UsageError, check_exchanges, verify_har, verify_live

__all__ = [
    "CONFIRMED",
    "CONTRADICTED",
    "UNEXERCISED",
    "Checker",
    "Exchange",
    "Finding",
    "Inference",
    "RecordingTransport",
    "Report",
    "Settings",
    "UsageError",
    "check_exchanges",
    "ledger",
    "read_har",
    "record",
    "verify_har",
    "verify_live",
    "write_har",
]
