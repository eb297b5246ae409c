"""Mermaid syntax shared by the pictures of the graph and of the event catalog."""

from __future__ import annotations

import re

_NOT_ID = re.compile(r"\W")


def node_id(name: str) -> str:
    """A Mermaid node id for a module, component or event name (ids are word characters only)."""
    return _NOT_ID.sub("_", name)
