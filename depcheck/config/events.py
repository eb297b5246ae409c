"""``[tool.depcheck.events]``: presets, custom patterns, owners and declarations."""

from __future__ import annotations

import re
from typing import Any, Optional

from depcheck.config.fields import (
    Path_,
    Reader,
    describe,
    did_you_mean,
    module_name,
    render_key,
    strings,
    table,
    unknown_keys,
)
from depcheck.config.settings import EventDeclaration, EventSettings, OwnerRule
from depcheck.patterns import ACCEPTS, DEFINER, KINDS, OWNER_POLICIES, PLACE_RE, PRESETS, EventPattern

EVENT_KEYS = ("presets", "owners", "patterns", "declare", "default_owner")
PATTERN_KEYS = ("name", "kind", "call", "event", "accepts", "defined", "known", "instance_of", "owner")
DECLARE_KEYS = ("publishes", "consumes")

_EVENT_ID_RE = re.compile(r"^[^\s\x00-\x1f]+$")
_CALL_RE = re.compile(r"[\w*?\[\]!]+(\.[\w*?\[\]!]+)*")


def parse_events(reader: Reader, value: Any, path: Path_) -> EventSettings:
    raw = table(reader, value, path, "a table ([tool.depcheck.events])")
    if raw is None:
        return EventSettings()
    unknown_keys(reader, raw, path, EVENT_KEYS)
    presets: list[str] = []
    patterns: list[EventPattern] = []
    for name in strings(reader, raw.get("presets", []), (*path, "presets"), allow_string=True):
        if name not in PRESETS:
            reader.problem((*path, "presets"), f"unknown preset {name!r}{did_you_mean(name, PRESETS)}; "
                           f"known presets: {', '.join(PRESETS)}")
        elif name not in presets:
            presets.append(name)
            patterns.extend(PRESETS[name])

    raw_patterns = raw.get("patterns", [])
    if not isinstance(raw_patterns, list):
        reader.problem((*path, "patterns"),
                       f"expected [[events.patterns]] tables, got {describe(raw_patterns)}")
        raw_patterns = []
    taken = {p.name for preset in PRESETS.values() for p in preset}
    for index, entry in enumerate(raw_patterns):
        where = (*path, "patterns", index)
        pattern = _parse_pattern(reader, entry, where)
        if pattern is None:
            continue
        if pattern.name in taken:
            # Sites remember their pattern by name: two patterns must not share one.
            reader.problem((*where, "name"), f"{pattern.name!r} is already the name of another "
                           "pattern; pick a unique name")
            continue
        taken.add(pattern.name)
        patterns.append(pattern)
    owners = _parse_owners(reader, raw.get("owners", {}), (*path, "owners"))
    declarations = _parse_declarations(reader, raw.get("declare", {}), (*path, "declare"))
    default_owner = _owner_policy(reader, raw.get("default_owner", DEFINER), (*path, "default_owner"))
    return EventSettings(tuple(presets), tuple(patterns), owners, declarations, default_owner or DEFINER)


def _owner_policy(reader: Reader, value: Any, path: Path_) -> Optional[str]:
    if value not in OWNER_POLICIES:
        reader.problem(path, f"expected one of {', '.join(OWNER_POLICIES)}, got {describe(value)}")
        return None
    return str(value)


def _parse_owners(reader: Reader, value: Any, path: Path_) -> tuple[OwnerRule, ...]:
    raw = table(reader, value, path, "a table of event id -> module")
    owners = []
    for event, owner in (raw or {}).items():
        where = (*path, event)
        if not isinstance(owner, str):
            reader.problem(where, f"expected a module name, got {describe(owner)}")
            continue
        name = module_name(reader, owner, where)
        if name:
            owners.append(OwnerRule(event, name, reader.line(where) or 1))
    return tuple(owners)


def _parse_declarations(reader: Reader, value: Any, path: Path_) -> tuple[EventDeclaration, ...]:
    raw = table(reader, value, path, "a table of module -> {publishes, consumes}")
    declarations = []
    for module, entry in (raw or {}).items():
        where = (*path, module)
        name = module_name(reader, module, where)
        if not isinstance(entry, dict):
            reader.problem(where,
                           f"expected a table with 'publishes' and/or 'consumes', got {describe(entry)}")
            continue
        unknown_keys(reader, entry, where, DECLARE_KEYS)
        for field_name, kind in (("publishes", "publish"), ("consumes", "consume")):
            events = entry.get(field_name, [])
            for index, event in enumerate(strings(reader, events, (*where, field_name), allow_string=True)):
                if not _EVENT_ID_RE.match(event):
                    reader.problem((*where, field_name),
                                   f"expected an event id without spaces, got {event!r}")
                elif name:
                    place = (*where, field_name) if isinstance(events, str) else (*where, field_name, index)
                    declarations.append(EventDeclaration(name, kind, event, reader.line(place) or 1))
    return tuple(declarations)


def _parse_pattern(reader: Reader, value: Any, path: Path_) -> Optional[EventPattern]:
    raw = table(reader, value, path, "a table with 'kind', 'call' and 'event'")
    if raw is None:
        return None
    unknown_keys(reader, raw, path, PATTERN_KEYS)
    ok = True
    kind = raw.get("kind")
    if kind not in KINDS:
        reader.problem((*path, "kind"), f"expected one of {', '.join(KINDS)}, got {describe(kind)}")
        ok = False
    call = raw.get("call")
    if not isinstance(call, str) or not _CALL_RE.fullmatch(call):
        reader.problem((*path, "call"),
                       f"expected a call name or glob like '*.publish', got {describe(call)}")
        ok = False
        call = None
    places = raw.get("event")
    if isinstance(places, str):
        places = [places]
    if (
        not isinstance(places, list) or not places
        or not all(isinstance(p, str) and PLACE_RE.match(p) for p in places)
    ):
        reader.problem((*path, "event"), "expected where the event is: 'arg:0', 'kw:NAME', 'args', "
                       f"'object' or (define only) 'target', or a list of them; got {describe(places)}")
        ok = False
    elif "object" in places and call is not None and "." not in call and "*" not in call:
        # A plain function call has no object: this pattern could never match anything.
        reader.problem((*path, "event"), f"'object' needs a method call pattern like '*.{call}', "
                       f"but call = {call!r} names a plain function")
        ok = False
    elif "target" in places and kind != "define":
        reader.problem((*path, "event"), "'target' (the assigned name) only makes sense with kind = 'define'")
        ok = False
    accepts = raw.get("accepts", "any")
    if accepts not in ACCEPTS:
        reader.problem((*path, "accepts"), f"expected one of {', '.join(ACCEPTS)}, got {describe(accepts)}")
        ok = False
    defined = raw.get("defined", False)
    if not isinstance(defined, bool):
        reader.problem((*path, "defined"), f"expected true or false, got {describe(defined)}")
        ok = False
    known = strings(reader, raw.get("known", []), (*path, "known"), allow_string=True)
    instance_of = strings(reader, raw.get("instance_of", []), (*path, "instance_of"), allow_string=True)
    if instance_of and call is not None and "." not in call and "*" not in call:
        reader.problem((*path, "instance_of"), f"'instance_of' needs a method call pattern like '*.{call}', "
                       f"but call = {call!r} names a plain function")
        ok = False
    owner = _owner_policy(reader, raw["owner"], (*path, "owner")) if "owner" in raw else ""
    if owner is None:
        ok = False
    name = raw.get("name", render_key(path))  # unnamed: called by its key, events.patterns[2]
    if not isinstance(name, str) or not name:
        reader.problem((*path, "name"), f"expected a string, got {describe(name)}")
        ok = False
    if not ok:
        return None
    return EventPattern(name, kind, call, tuple(places), accepts, defined, known, instance_of, owner or "")

