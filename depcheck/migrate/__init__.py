"""Translate import-linter contracts and tach.toml into depcheck config text.

The result is TOML meant to be pasted (or appended) into pyproject.toml.
Whatever has no equivalent is not dropped silently: it is listed in
:attr:`Migration.dropped` and written into the output as a comment next to
the contract it belongs to.

- common.py: the result (:class:`Migration`), the error, TOML writing
- import_linter.py: import-linter's contracts, one depcheck contract each
- tach.py: tach.toml and its domain files (reads the source roots' directory
  tree to resolve tach's module globs and find domain files, never the code)
"""

from __future__ import annotations

from depcheck.migrate.common import Migration, MigrationError, toml_key, toml_value
from depcheck.migrate.import_linter import find_import_linter_config, from_import_linter, read_import_linter
from depcheck.migrate.tach import from_tach

__all__ = [
    "Migration", "MigrationError", "find_import_linter_config", "from_import_linter", "from_tach",
    "read_import_linter", "toml_key", "toml_value",
]
