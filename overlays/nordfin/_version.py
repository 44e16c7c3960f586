"""nordfin's version: the one place it is written (pyproject.toml reads it, hatch ``[tool.hatch.version]``).

Semantic versioning: a breaking change to any public name of ``nordfin`` needs a major bump (a minor
one while below 1.0); ``nox -s spec_review`` refuses one that is not allowed.
"""

__version__ = "0.1.0"
