"""Base class of the lifecycle rules: they report what the shared analysis found."""

from __future__ import annotations

from typing import ClassVar

from linter.rule import PackageContext, Rule


class LifecycleRule(Rule):
    """A rule whose findings come from ``PackageContext.lifecycle`` under its code."""

    tags: ClassVar[tuple[str, ...]] = ("correctness", "lifecycle")

    def check_package(self, pkg: PackageContext) -> None:
        for finding in pkg.lifecycle.findings.get(self.code, []):
            self.report(
                finding.file,
                (finding.start_byte, finding.end_byte),
                finding.message,
                fix=finding.fix,
                severity=finding.severity,
            )
