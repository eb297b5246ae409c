"""The JSON report: a versioned contract (see README, "JSON output")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import c_make_encoder  # type: ignore[attr-defined]
from json.encoder import encode_basestring_ascii as _encode_str
from typing import Callable, Optional

from depcheck.model import RULE_CYCLE, RULE_PARSE_ERROR, RULE_UNUSED_IGNORE, Summary, Violation

VERSION = 1


def violation_to_json(violation: Violation, shared: Optional[dict] = None) -> dict:
    data: dict = {
        "rule": violation.rule,
        "severity": violation.severity,
        "message": violation.message,
    }
    if violation.rule not in (RULE_CYCLE, RULE_PARSE_ERROR, RULE_UNUSED_IGNORE):
        data["source"] = violation.source
        data["target"] = violation.target
    if violation.rule == RULE_CYCLE:
        data["cycle"] = list(violation.cycle)
    if violation.contract is not None:
        data["contract"] = violation.contract
    if violation.location is not None:
        data["location"] = {
            "file": violation.location.file,
            "line": violation.location.line,
            "column": violation.location.column,
        }
    if shared is None:
        data["evidence"] = [e.to_json() for e in violation.evidence]
    else:
        # Cycles list the same evidence again and again: one dict per Evidence object.
        data["evidence"] = [
            shared[id(e)][1] if id(e) in shared else shared.setdefault(id(e), (e, e.to_json()))[1]
            for e in violation.evidence
        ]
    if violation.chain:
        data["chain"] = list(violation.chain)
    if violation.hint:
        data["hint"] = violation.hint
    data["fingerprint"] = violation.fingerprint
    return data


def render(violations: Sequence[Violation], summary: Summary) -> str:
    shared: dict = {}
    document = {
        "version": VERSION,
        "violations": [violation_to_json(v, shared) for v in violations],
        "summary": summary.to_json(),
    }
    return dumps_indented(document) + "\n"


_SCALARS = frozenset({str, int, float, bool, type(None)})
_leaf_encoders: dict[str, Callable[[object], str]] = {}


def _leaf_encoder(inner: str) -> Callable[[object], str]:
    """The C encoder, with a newline and ``inner`` indent as its item separator."""
    separator = "," + inner
    if c_make_encoder is None:  # pragma: no cover - CPython always has _json
        return json.JSONEncoder(separators=(separator, ": ")).encode

    def fail(value: object) -> object:
        raise TypeError(type(value).__name__)

    # Built once per depth: json.JSONEncoder.encode builds it anew on every call.
    chunks = c_make_encoder(None, fail, _encode_str, None, ": ", separator, False, False, True)
    return lambda value: "".join(chunks(value, 0))


def _indented(value: object, pad: str, done: Optional[dict] = None) -> str:
    kind = type(value)
    if kind is dict or kind is list:
        if not value:
            return "{}" if kind is dict else "[]"
        inner = pad + "  "
        items = value.values() if kind is dict else value  # type: ignore[attr-defined]
        if _SCALARS.issuperset(map(type, items)):
            # A leaf: the C encoder writes it, with the newline and indent as its item separator.
            # The same leaf object (a shared evidence dict) is written once per depth.
            key = (id(value), pad)
            if done is not None and key in done:
                return done[key]
            encode = _leaf_encoders.get(inner)
            if encode is None:
                encode = _leaf_encoders[inner] = _leaf_encoder(inner)
            flat = encode(value)
            text = flat[0] + inner + flat[1:-1] + pad + flat[-1]
            if done is not None:
                done[key] = text
            return text
        if kind is list:
            parts = [_indented(item, inner, done) for item in value]  # type: ignore[attr-defined]
        else:
            parts = [
                f"{_encode_key(key)}: {_indented(item, inner, done)}"
                for key, item in value.items()  # type: ignore[attr-defined]
            ]
        open_, close = ("{", "}") if kind is dict else ("[", "]")
        return open_ + inner + ("," + inner).join(parts) + pad + close
    if kind in _SCALARS:
        return json.dumps(value)
    raise TypeError(type(value).__name__)


def _encode_key(key: object) -> str:
    if type(key) is not str:
        raise TypeError("non-string key")
    return _encode_str(key)


def dumps_indented(document: object) -> str:
    """``json.dumps(document, indent=2)``, byte for byte, several times faster.

    The standard library's C encoder does not indent, and its Python one took
    longer than the whole rest of a cached run on large reports. Anything but
    str keys, str, int, bool, None, lists and dicts goes to ``json.dumps``.
    """
    try:
        # Leaves are remembered by identity; the document keeps them alive meanwhile.
        return _indented(document, "\n", {})
    except TypeError:
        return json.dumps(document, indent=2)
