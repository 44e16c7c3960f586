"""``python -m nordfin.testing.demo``."""

from nordfin.testing.demo import main

main()
