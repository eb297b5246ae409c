"""The filter stage: what the rules found, minus what the project has accepted.

- ignores.py: ``# depcheck: ignore[...]`` comments and ``[[exceptions]]``; they take a
  dependency out of a rule's view *before* paths are searched, and those that hide
  nothing become unused-ignore findings.
- baseline.py: the violations a team accepted for now, by meaning; a filter on the
  finished list, whose fixed entries become stale-baseline findings.
"""
