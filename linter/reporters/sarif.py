"""``--output-format sarif``: one SARIF 2.1.0 log that GitHub code scanning ingests.

The log is built from ``sarif-om`` objects and written by ``to_json`` below, not by a
generic attrs serializer: those drop every value equal to its schema default (so an
explicit ``level: "warning"`` vanishes, and GitHub then shows the rule's default) or
keep the object model's sentinels (``ruleIndex: -1``, ``index: -1``, ``rank: -1.0``).

What GitHub needs, and where it comes from:

- ``tool.driver.rules``: every enabled rule, ``id`` = code, ``name`` = PascalCase
  name, descriptions and help from the rule docstring, tags and precision, and
  ``security-severity`` only for rules that set ``Rule.security_severity``.
- Results: ``ruleId`` + ``ruleIndex``, an explicit ``level``, one location with a
  repository-relative percent-encoded ``uri`` under ``%SRCROOT%``, a region in UTF-16
  code units (``columnKind``), ``partialFingerprints.primaryLocationLineHash``
  (GitHub's own rolling hash) and our line-independent ``fingerprints``.
- ``invocations[0]``: ``executionSuccessful`` (false after an internal error) and
  notifications for unreadable inputs, files with syntax errors, rule crashes and
  truncation to GitHub's limits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attr
import sarif_om as om

from linter import __version__
from linter.diagnostics import Diagnostic, Edit, Fix, Notice, Severity
from linter.registry import all_rules
from linter.reporters.fingerprints import line_hashes
from linter.reporters.locations import (
    file_uri,
    repository_root,
    root_relative,
    stable_fingerprints,
)
from linter.reporters.locations import relative_uri as encode_uri
from linter.rule import Rule, doc_section
from linter.runner import RunResult
from linter.source import SourceFile

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/wasm-go-lint/wasm-go-lint"
TOOL_NAME = "wasm-go-lint"
SRCROOT = "%SRCROOT%"
LINE_HASH_KEY = "primaryLocationLineHash"
FINGERPRINT_KEY = "wasmGoLint/v1"

# GitHub code scanning's limits for one SARIF run.
MAX_RESULTS_PER_RUN = 25_000
"""Hard limit: a run with more results is rejected (GitHub stores the top 5,000)."""
MAX_LOCATIONS_PER_RESULT = 100
"""Only this many locations of a result are shown (1,000 is the hard limit)."""
MAX_TAGS_PER_RULE = 10
"""Only this many tags of a rule are shown (20 is the hard limit)."""

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
ENGINE_TAGS = frozenset({"any-package"})
"""Rule tags that steer the engine and mean nothing to users."""


def render_sarif(
    result: RunResult,
    *,
    rules: Sequence[type[Rule]] | None = None,
    category: str | None = None,
    root: str | None = None,
    max_results: int = MAX_RESULTS_PER_RUN,
) -> str:
    """The SARIF log as JSON text. ``rules`` are the enabled rules (default: all)."""
    log = build_log(result, rules=rules, category=category, root=root, max_results=max_results)
    return json.dumps(to_json(log), indent=2, ensure_ascii=False) + "\n"


def build_log(
    result: RunResult,
    *,
    rules: Sequence[type[Rule]] | None = None,
    category: str | None = None,
    root: str | None = None,
    max_results: int = MAX_RESULTS_PER_RUN,
) -> om.SarifLog:
    return _Builder(result, rules, category, root or repository_root(), max_results).log()


class _Builder:
    def __init__(
        self,
        result: RunResult,
        rules: Sequence[type[Rule]] | None,
        category: str | None,
        root: str,
        max_results: int,
    ) -> None:
        self.result = result
        enabled = list(rules) if rules is not None else list(all_rules())
        # A diagnostic of a rule that was not passed in still needs a descriptor.
        known = {rule.code for rule in enabled}
        enabled += [r for r in all_rules() if r.code not in known and r.code in _codes(result)]
        self.rules = sorted(enabled, key=lambda r: r.code)
        self.index = {rule.code: i for i, rule in enumerate(self.rules)}
        self.category = category
        self.root = root
        self.max_results = max_results
        self.notifications: list[om.Notification] = []
        self._hashes: dict[str, list[str]] = {}

    def log(self) -> om.SarifLog:
        findings = [d for d in self.result.diagnostics if not d.extra.get("internal_error")]
        prints = dict(zip(map(id, self.result.diagnostics), stable_fingerprints(self.result, self.root), strict=True))
        kept = self._within_limits(findings)
        results = [self._result(d, prints[id(d)]) for d in kept]
        self._input_notifications()
        driver = self._driver()  # may add notifications too: before they are collected
        run = om.Run(
            tool=om.Tool(driver=driver),
            column_kind="utf16CodeUnits",
            original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=file_uri(self.root))},
            automation_details=self._automation_details(),
            invocations=[
                om.Invocation(
                    execution_successful=self.result.internal_errors == 0,
                    tool_execution_notifications=self.notifications or None,
                )
            ],
            results=results,
        )
        return om.SarifLog(runs=[run], version="2.1.0", schema_uri=SCHEMA_URI)

    # -- tool.driver -------------------------------------------------------------

    def _driver(self) -> om.ToolComponent:
        return om.ToolComponent(
            name=TOOL_NAME,
            semantic_version=__version__,
            information_uri=INFORMATION_URI,
            rules=[self._descriptor(rule) for rule in self.rules],
        )

    def _descriptor(self, rule: type[Rule]) -> om.ReportingDescriptor:
        doc = rule.documentation()
        what = " ".join(doc_section(doc, "What it does").split()) or rule.summary()
        tags = [t for t in rule.tags if t not in ENGINE_TAGS]
        if rule.security_severity is not None and "security" not in tags:
            tags.insert(0, "security")  # GitHub lists security-severity only with this tag
        if len(tags) > MAX_TAGS_PER_RULE:
            self._notify(
                "warning",
                "tags-truncated",
                f"rule {rule.code} has {len(tags)} tags; only the first {MAX_TAGS_PER_RULE} are exported "
                "(GitHub code scanning shows no more)",
            )
            tags = tags[:MAX_TAGS_PER_RULE]
        properties: dict[str, Any] = {"tags": tags, "precision": rule.precision}
        if rule.security_severity is not None:
            properties["security-severity"] = rule.security_severity
        return om.ReportingDescriptor(
            id=rule.code,
            name=rule.pascal_name(),
            short_description=om.MultiformatMessageString(text=rule.summary()),
            full_description=om.MultiformatMessageString(text=what),
            help=om.MultiformatMessageString(text=plain_text(doc), markdown=doc),
            default_configuration=om.ReportingConfiguration(level=LEVELS[rule.severity]),
            properties=properties,
        )

    def _automation_details(self) -> om.RunAutomationDetails | None:
        if not self.category:
            return None
        # GitHub reads the category as everything up to the last "/"; without one the
        # whole value would be a run id and the category empty.
        category = self.category if self.category.endswith("/") else self.category + "/"
        return om.RunAutomationDetails(id=category)

    # -- results -----------------------------------------------------------------

    def _within_limits(self, findings: list[Diagnostic]) -> list[Diagnostic]:
        if len(findings) <= self.max_results:
            return findings
        ranked = sorted(range(len(findings)), key=lambda i: -findings[i].severity.rank)
        keep = sorted(ranked[: self.max_results])
        dropped = len(findings) - self.max_results
        self._notify(
            "warning",
            "results-truncated",
            f"{len(findings)} findings, but GitHub code scanning accepts at most {self.max_results} results "
            f"per run: the {dropped} least severe were left out of this log",
        )
        return [findings[i] for i in keep]

    def _result(self, d: Diagnostic, fingerprint: str) -> om.Result:
        source = self.result.sources.get(d.path)
        if source is None:  # no text to convert with: the diagnostic's own columns
            region = om.Region(start_line=d.line, start_column=d.column, end_line=d.end_line, end_column=d.end_column)
        else:
            region = self._region(source, d.start_byte, d.end_byte)
        location = self._location(d.path, region)
        partial: dict[str, str] = {}
        if source is not None:
            line_hash = self._line_hash(source, d.line)
            if line_hash is not None:
                partial[LINE_HASH_KEY] = line_hash
        fix = self._fix(d.path, source, d.fix) if d.fix is not None else None
        return om.Result(
            rule_id=d.code,
            rule_index=self.index.get(d.code, -1),  # -1 (unknown rule) is not written
            level=LEVELS[d.severity],
            message=om.Message(text=d.message),
            locations=[location][:MAX_LOCATIONS_PER_RESULT],
            partial_fingerprints=partial or None,
            fingerprints={FINGERPRINT_KEY: fingerprint},
            fixes=[fix] if fix is not None else None,
        )

    def _artifact(self, path: str) -> om.ArtifactLocation:
        relative = root_relative(path, self.root)
        if relative is None:  # outside the repository: an absolute URI, no base id
            return om.ArtifactLocation(uri=file_uri(path))
        return om.ArtifactLocation(uri=encode_uri(relative), uri_base_id=SRCROOT)

    def _location(self, path: str, region: om.Region) -> om.Location:
        return om.Location(physical_location=om.PhysicalLocation(artifact_location=self._artifact(path), region=region))

    @staticmethod
    def _region(source: SourceFile, start: int, end: int) -> om.Region:
        """Lines and UTF-16 columns of the bytes ``[start, end)``."""
        return om.Region(
            start_line=source.line_of(start),
            start_column=source.utf16_column(start),
            end_line=source.line_of(end),
            end_column=source.utf16_column(end),
        )

    def _line_hash(self, source: SourceFile, line: int) -> str | None:
        hashes = self._hashes.get(source.path)
        if hashes is None:
            hashes = self._hashes[source.path] = line_hashes(source.data.decode("utf-8", errors="replace"))
        return hashes[line - 1] if 0 < line <= len(hashes) else None

    def _fix(self, path: str, source: SourceFile | None, fix: Fix) -> om.Fix | None:
        if source is None:
            return None
        replacements = [self._replacement(source, edit) for edit in fix.edits]
        return om.Fix(
            description=om.Message(text=fix.message),
            artifact_changes=[om.ArtifactChange(artifact_location=self._artifact(path), replacements=replacements)],
            properties={"applicability": fix.applicability.value},
        )

    def _replacement(self, source: SourceFile, edit: Edit) -> om.Replacement:
        return om.Replacement(
            deleted_region=self._region(source, edit.start_byte, edit.end_byte),
            inserted_content=om.ArtifactContent(text=edit.content),
        )

    # -- notifications -------------------------------------------------------------

    def _input_notifications(self) -> None:
        for notice in self.result.notices:
            self._notify_notice(notice)
        syntax: dict[str, int] = {}
        for d in self.result.diagnostics:
            if d.code == "WG000":
                syntax[d.path] = syntax.get(d.path, 0) + 1
        for path, count in syntax.items():
            errors, them = ("syntax error", "it") if count == 1 else ("syntax errors", "them")
            self._notify(
                "warning",
                "syntax-errors",
                f"{path}: {count} {errors} (reported as WG000); the path-following rules "
                f"skipped the functions that contain {them}",
                path,
            )
        for d in self.result.diagnostics:
            if d.extra.get("internal_error"):
                self._notify("error", "internal-error", f"{d.path}: {d.message}", d.path, d.code)

    def _notify_notice(self, notice: Notice) -> None:
        self._notify("error", "input-skipped", notice.one_line(), notice.path)

    def _notify(self, level: str, kind: str, text: str, path: str | None = None, rule: str | None = None) -> None:
        locations = None
        if path is not None:
            locations = [om.Location(physical_location=om.PhysicalLocation(artifact_location=self._artifact(path)))]
        associated = None
        if rule is not None:
            associated = om.ReportingDescriptorReference(id=rule, index=self.index.get(rule, -1))
        self.notifications.append(
            om.Notification(
                message=om.Message(text=text),
                level=level,
                descriptor=om.ReportingDescriptorReference(id=kind),
                locations=locations,
                associated_rule=associated,
            )
        )


def plain_text(markdown: str) -> str:
    """A rule docstring without Markdown markup: headings as lines ending in a colon
    (``## Why is this bad?`` stays a question), code fences dropped, code indented."""
    lines: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            lines.append("    " + line if line else "")
        elif line.startswith("#"):
            title = line.lstrip("#").strip()
            lines.append(title if title.endswith(("?", ":", ".")) else title + ":")
        else:
            lines.append(line)
    return "\n".join(lines)


def _codes(result: RunResult) -> set[str]:
    return {d.code for d in result.diagnostics}


# -- serialization ---------------------------------------------------------------------

KEEP_DEFAULTS = frozenset({"level"})
"""Properties written even when equal to the schema default: GitHub reads a result's
missing ``level`` as the rule's default configuration, not as "warning"."""
FIRST = (
    "$schema", "version", "id", "name", "ruleId", "ruleIndex", "level", "message", "locations",
    "physicalLocation", "uri", "uriBaseId", "startLine", "startColumn", "endLine", "endColumn",
)
LAST = ("partialFingerprints", "fingerprints", "fixes", "rules", "results")
"""Properties written first / last when present, for readable output; the rest follow
in the object model's order."""


def to_json(value: Any) -> Any:
    """Plain JSON data for a ``sarif_om`` object tree.

    Drops None, sentinel defaults (``-1``) and every other value equal to its
    default, except the properties in ``KEEP_DEFAULTS``. Dicts (property bags,
    fingerprints, base ids) and lists are walked as they are.
    """
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            name = field.metadata.get("schema_property_name", field.name)
            if item is None or (_is_default(field, item) and name not in KEEP_DEFAULTS):
                continue
            out[name] = to_json(item)
        first = [key for key in FIRST if key in out]
        last = [key for key in LAST if key in out]
        middle = [key for key in out if key not in first and key not in last]
        return {key: out[key] for key in [*first, *middle, *last]}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def _is_default(field: attr.Attribute[Any], value: Any) -> bool:
    default: Any = field.default
    if default is attr.NOTHING:
        return False
    factory = getattr(default, "factory", None)  # attr.Factory(list-valued default)
    if callable(factory):
        default = factory()
    return type(value) is type(default) and bool(value == default)
