"""depcheck: an architecture linter for Python that understands imports and events."""

__version__ = "0.1.0"
