"""The registry, the catalog, rule docs, fixtures and the README agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linter.catalog import CATALOG
from linter.docs import with_rules_table
from linter.registry import all_rules
from linter.rule import Rule, doc_section
from tests.fixture_harness import FIXTURES, ROOT, case_files, case_paths, read_expectations

RULES = all_rules()
SECTIONS = ("What it does", "Why is this bad", "Example", "Use instead")


def test_rules_are_registered() -> None:
    assert [r.code for r in RULES] == sorted(r.code for r in RULES)
    assert "WG000" in {r.code for r in RULES}


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_matches_catalog(rule: type[Rule]) -> None:
    assert rule.code in CATALOG, f"{rule.code} is not in the rule catalog"
    name, severity = CATALOG[rule.code]
    assert rule.name == name
    assert rule.severity.value == severity


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_documentation_has_every_section(rule: type[Rule]) -> None:
    doc = rule.documentation()
    for section in SECTIONS:
        assert doc_section(doc, section), f"{rule.code} docstring lacks '## {section}'"
    assert "```go" in doc_section(doc, "Example")
    assert "```go" in doc_section(doc, "Use instead")


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_bad_and_ok_fixtures(rule: type[Rule]) -> None:
    folder = FIXTURES / rule.code
    assert folder.is_dir(), f"no fixtures/{rule.code}/"
    wants = oks = 0
    for case in case_paths():
        if case.parent != folder:
            continue
        expect = read_expectations(case_files(case))
        wants += sum(1 for w in expect.wants if w.code == rule.code)
        oks += sum(1 for _, _, code in expect.oks if code == rule.code)
    assert wants >= 1, f"{rule.code} has no `// want {rule.code}` fixture"
    assert oks >= 1, f"{rule.code} has no `// ok: {rule.code}` fixture"


def test_every_fixture_folder_names_a_registered_rule() -> None:
    codes = {r.code for r in RULES}
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert folders <= codes, f"fixture folders without a rule: {sorted(folders - codes)}"


def test_every_annotation_names_a_catalog_code() -> None:
    for case in case_paths():
        expect = read_expectations(case_files(case))
        codes = {w.code for w in expect.wants} | {c for _, _, c in expect.oks | expect.todos}
        assert codes <= set(CATALOG), f"{case}: unknown codes {sorted(codes - set(CATALOG))}"


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_rules_table(readme) == readme, "run scripts/update_readme.py"


def test_readme_commands_exist_for_ci() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for marker in ("readme-command:try", "readme-command:test"):
        assert re.search(rf"<!-- {marker} -->\n```sh\n.+\n```", readme), marker
    assert Path(ROOT / ".ci" / "run").exists()
