"""The shared walk: calls handed out by name, and the node index it fills."""

from __future__ import annotations

from typing import Any, ClassVar

from linter.diagnostics import Severity
from linter.engine import Linter
from linter.model.nodeindex import NodeIndex
from linter.parse import parse_source
from linter.rule import FileContext, PackageContext, Rule
from linter.source import SourceFile

SOURCE = """package util

import "time"

func run(x T) {
\ttime.Sleep(1)
\tclock.Sleep (2)
\tx.clock.Sleep(3)
\tother(Sleep)
\tfunc() { Sleep(4) }()
\t(time.Sleep)(5)
}
"""


class SleepCalls(Rule):
    """## What it does
    Test-only: reports the calls named `Sleep` it is given.
    """

    code = "WG990"
    name = "sleep-calls"
    severity = Severity.INFO
    tags = ("any-package",)
    node_types: ClassVar[tuple[str, ...]] = ("call_expression",)
    call_names: ClassVar[frozenset[bytes]] = frozenset({b"Sleep"})

    def check(self, node: Any, ctx: FileContext) -> None:
        self.report(ctx, node, ctx.text(node))


class AllCalls(Rule):
    """## What it does
    Test-only: reports every call.
    """

    code = "WG991"
    name = "all-calls"
    severity = Severity.INFO
    tags = ("any-package",)
    node_types: ClassVar[tuple[str, ...]] = ("call_expression",)

    def check(self, node: Any, ctx: FileContext) -> None:
        self.report(ctx, node, ctx.text(node))


class CallsOfRun(Rule):
    """## What it does
    Test-only: reports, from the package hook, the calls the node index finds in `run`.
    """

    code = "WG989"
    name = "calls-of-run"
    severity = Severity.INFO
    tags = ("any-package",)

    def check_package(self, pkg: PackageContext) -> None:
        for fctx in pkg.analysed_files:
            for function in fctx.root.named_children:
                if function.type == "function_declaration":
                    for call in fctx.within(function, "call_expression"):
                        self.report(fctx, call, fctx.text(call))


def _messages(rules: list[type[Rule]]) -> dict[str, list[str]]:
    outcome = Linter(rules).check_package("util", [SourceFile("util/a.go", SOURCE.encode())])
    found: dict[str, list[str]] = {}
    for d in sorted(outcome.diagnostics, key=lambda d: d.start_byte):
        found.setdefault(d.code, []).append(d.message)
    return found


def test_a_rule_with_call_names_gets_only_calls_of_those_names() -> None:
    found = _messages([SleepCalls, AllCalls])
    assert found["WG990"] == ["time.Sleep(1)", "clock.Sleep (2)", "x.clock.Sleep(3)", "Sleep(4)"]
    # a rule without names beside it still gets every call, the literal's call too
    assert len(found["WG991"]) == 7


def test_node_index_lists_the_calls_inside_a_function_outer_first() -> None:
    found = _messages([CallsOfRun, AllCalls])
    assert found["WG989"] == found["WG991"]
    assert found["WG989"][4:6] == ["func() { Sleep(4) }()", "Sleep(4)"]


def test_node_index_of_a_file_nobody_walked_matches_the_walk() -> None:
    found = _messages([CallsOfRun])  # no rule subscribes to nodes: the file is not walked
    assert found["WG989"] == _messages([CallsOfRun, AllCalls])["WG989"]
    tree = parse_source(SourceFile("util/a.go", SOURCE.encode())).tree
    index = NodeIndex.of(tree.root_node)
    [function] = [n for n in tree.root_node.named_children if n.type == "function_declaration"]
    body = function.child_by_field_name("body")
    assert body is not None
    [literal] = index.within(body, "func_literal")
    assert [n.text for n in index.within(literal, "call_expression")] == [b"Sleep(4)"]
