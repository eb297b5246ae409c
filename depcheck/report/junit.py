"""JUnit XML for CI systems that show test reports.

One test case per violation (class name = rule id); errors fail, warnings pass
with their text in ``system-out`` (they do not fail the run either). An empty
result is one passing case, so "no violations" shows as a green test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from depcheck.model import ERROR, Summary, Violation
from depcheck.report.evidence import evidence_line
from depcheck.report.registry import CHECK_FAILURES, CHECK_FORMATS

# XML 1.0 cannot carry these even escaped; a parse-error message may quote them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _details(violation: Violation) -> str:
    lines = [violation.message]
    lines.extend(evidence_line(evidence) for evidence in violation.evidence)
    if violation.hint:
        lines.append(f"hint: {violation.hint}")
    return "\n".join(lines)


@CHECK_FORMATS.register("junit")
def render(violations: Sequence[Violation], summary: Summary, color: bool = False) -> str:
    # ElementTree costs start-up time: imported only when JUnit is written.
    import xml.etree.ElementTree as ET

    failures = sum(1 for v in violations if v.severity == ERROR)
    tests = max(len(violations), 1)
    suites = ET.Element("testsuites", name="depcheck", tests=str(tests), failures=str(failures))
    suite = ET.SubElement(
        suites, "testsuite", name="depcheck", tests=str(tests), failures=str(failures),
        errors="0", skipped="0", time=f"{summary.seconds:.3f}",
    )
    if not violations:
        ET.SubElement(suite, "testcase", name="no violations", classname="depcheck", time="0")
    for violation in violations:
        loc = violation.location
        where = f"{summary.repo_path(loc.file)}:{loc.line}:{loc.column}" if loc else "(project)"
        case = ET.SubElement(
            suite, "testcase", name=_clean(f"{where} {violation.rule}"), classname=violation.rule, time="0"
        )
        if loc is not None:
            case.set("file", summary.repo_path(loc.file))
            case.set("line", str(loc.line))
        if violation.severity == ERROR:
            failure = ET.SubElement(case, "failure", message=_clean(violation.message), type=violation.rule)
            failure.text = _clean(_details(violation))
        else:
            ET.SubElement(case, "system-out").text = _clean(f"warning: {_details(violation)}")
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


@CHECK_FAILURES.register("junit")
def failed(problems: Sequence[str]) -> str:
    """A run that could not happen: one test case in error (not a failure: nothing was checked)."""
    import xml.etree.ElementTree as ET

    text = _clean("\n".join(problems) or "depcheck could not run")
    suites = ET.Element("testsuites", name="depcheck", tests="1", failures="0", errors="1")
    suite = ET.SubElement(suites, "testsuite", name="depcheck", tests="1", failures="0", errors="1",
                          skipped="0", time="0")
    case = ET.SubElement(suite, "testcase", name="depcheck could not run", classname="depcheck", time="0")
    ET.SubElement(case, "error", message=text.splitlines()[0], type="depcheck-error").text = text
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
