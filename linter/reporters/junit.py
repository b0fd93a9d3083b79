"""``--output-format junit``: JUnit XML for CI test-report views.

One ``<testsuite name="wasm-go-lint">``; each finding is a ``<testcase>`` (class name
= the file, name = rule and position) with a ``<failure>``; an input that could not be
analysed is a test case with an ``<error>``. A clean run has one passing test case, so
the report is never empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from linter.runner import RunResult

# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(result: RunResult) -> str:
    failures = len(result.diagnostics)
    errors = len(result.notices)
    suite = ET.Element(
        "testsuite",
        {
            "name": "wasm-go-lint",
            "tests": str(max(1, failures + errors)),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": "0",
        },
    )
    for d in result.diagnostics:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": _clean(d.path), "name": _clean(f"{d.code} {d.name} at {d.line}:{d.column}"), "file": _clean(d.path), "line": str(d.line)},
        )
        failure = ET.SubElement(case, "failure", {"message": _clean(d.message), "type": d.severity.value})
        failure.text = _clean(f"{d.path}:{d.line}:{d.column}: {d.code} [{d.name}] ({d.severity.value}) {d.message}")
    for notice in result.notices:
        case = ET.SubElement(suite, "testcase", {"classname": _clean(notice.path), "name": "input", "file": _clean(notice.path)})
        error = ET.SubElement(case, "error", {"message": _clean(notice.message), "type": "input"})
        error.text = _clean(notice.one_line())
    if not failures and not errors:
        ET.SubElement(suite, "testcase", {"classname": "wasm-go-lint", "name": "no problems found"})
    root = ET.Element("testsuites", {"name": "wasm-go-lint", "tests": suite.get("tests", "0"), "failures": str(failures), "errors": str(errors)})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
