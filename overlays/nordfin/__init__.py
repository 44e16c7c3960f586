"""nordfin: typed clients, fakes and contract tests for Nordic finance APIs.

One module per API, named by its slug: ``nordfin.goto`` (more to come). Errors are in
``nordfin.errors``; fakes for your own tests in ``nordfin.testing``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nordfin")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
