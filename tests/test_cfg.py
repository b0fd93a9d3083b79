"""The control-flow graph: which statements reach which, per construct."""

from __future__ import annotations

from tree_sitter import Node

from linter.flow.cfg import Cfg, CfgNode, Kind, build_cfg
from linter.parse import parse


def cfg_of(body: str) -> Cfg:
    tree = parse(f"package main\nfunc f() {{\n{body}\n}}\n".encode())
    function = tree.root_node.named_children[1]
    block = function.child_by_field_name("body")
    assert block is not None
    return build_cfg(block, is_panic=_calls_panic)


def _calls_panic(stmt: Node) -> bool:
    return stmt.text is not None and stmt.text.startswith(b"panic(")


def reachable(cfg: Cfg) -> set[int]:
    seen: set[int] = set()
    work: list[CfgNode] = [cfg.entry]
    while work:
        node = work.pop()
        if node.index in seen:
            continue
        seen.add(node.index)
        work.extend(successor for successor, _ in node.successors)
    return seen


def reached_texts(cfg: Cfg) -> set[str]:
    seen = reachable(cfg)
    return {
        n.node.text.decode()
        for n in cfg.nodes
        if n.index in seen and n.kind is Kind.STATEMENT and n.node is not None and n.node.text
    }


def test_code_after_return_is_not_reached() -> None:
    cfg = cfg_of("a()\nreturn\nb()")
    assert "a()" in reached_texts(cfg)
    assert "b()" not in reached_texts(cfg)


def test_if_else_both_branches_and_the_join_are_reached() -> None:
    cfg = cfg_of("if x {\n a()\n} else {\n b()\n}\nc()")
    assert {"a()", "b()", "c()"} <= reached_texts(cfg)


def test_if_else_that_both_return_makes_the_rest_unreachable() -> None:
    cfg = cfg_of("if x {\n return\n} else {\n return\n}\nc()")
    assert "c()" not in reached_texts(cfg)


def test_infinite_loop_without_break_never_exits() -> None:
    cfg = cfg_of("for {\n a()\n}\nb()")
    assert "a()" in reached_texts(cfg)
    assert "b()" not in reached_texts(cfg)
    assert cfg.exit.index not in reachable(cfg)


def test_break_leaves_an_infinite_loop() -> None:
    cfg = cfg_of("for {\n if x {\n  break\n }\n a()\n}\nb()")
    assert "b()" in reached_texts(cfg)


def test_labelled_break_leaves_the_outer_loop() -> None:
    cfg = cfg_of("outer:\nfor {\n for {\n  break outer\n }\n}\nb()")
    assert "b()" in reached_texts(cfg)
    assert cfg.reliable


def test_labelled_continue_targets_the_outer_loop() -> None:
    cfg = cfg_of("outer:\nfor i := 0; i < 3; i++ {\n for {\n  continue outer\n }\n}\nb()")
    assert "b()" in reached_texts(cfg)


def test_switch_without_default_can_skip_every_case() -> None:
    cfg = cfg_of("switch x {\ncase 1:\n return\ncase 2:\n return\n}\nb()")
    assert "b()" in reached_texts(cfg)


def test_switch_with_default_where_every_case_returns_ends_the_path() -> None:
    cfg = cfg_of("switch x {\ncase 1:\n return\ndefault:\n return\n}\nb()")
    assert "b()" not in reached_texts(cfg)


def test_fallthrough_enters_the_next_case() -> None:
    cfg = cfg_of("switch x {\ncase 1:\n a()\n fallthrough\ncase 2:\n b()\n return\ndefault:\n return\n}\nc()")
    texts = reached_texts(cfg)
    assert {"a()", "b()"} <= texts
    assert "c()" not in texts


def test_goto_jumps_to_its_label() -> None:
    cfg = cfg_of("goto done\nskipped()\ndone:\nafter()")
    texts = reached_texts(cfg)
    assert "after()" in texts
    assert "skipped()" not in texts


def test_goto_to_an_unknown_label_marks_the_graph_unreliable() -> None:
    assert not cfg_of("goto nowhere").reliable


def test_panic_ends_the_path_at_the_panic_node() -> None:
    cfg = cfg_of("panic(1)\nb()")
    assert "b()" not in reached_texts(cfg)
    assert cfg.panic.index in reachable(cfg)
    assert cfg.exit.index not in reachable(cfg)


def test_defer_is_a_node_on_the_path() -> None:
    cfg = cfg_of("defer r()\na()")
    kinds = {n.kind for n in cfg.nodes if n.index in reachable(cfg)}
    assert Kind.DEFER in kinds


def test_statements_inside_func_literals_are_not_on_the_path() -> None:
    cfg = cfg_of("f := func() {\n inner()\n}\nf()")
    assert "inner()" not in reached_texts(cfg)


def test_select_reaches_every_clause() -> None:
    cfg = cfg_of("select {\ncase v := <-ch:\n a(v)\ncase ch2 <- 1:\n b()\ndefault:\n c()\n}")
    assert {"a(v)", "b()", "c()"} <= reached_texts(cfg)


def test_range_loop_body_may_run_zero_times() -> None:
    cfg = cfg_of("for _, x := range xs {\n return\n}\nafter()")
    assert "after()" in reached_texts(cfg)


def test_expressionless_switch_conditions_are_branches() -> None:
    cfg = cfg_of("switch {\ncase err != nil:\n return\n}\nafter()")
    branches = [n for n in cfg.nodes if n.kind is Kind.BRANCH and n.node is not None and n.node.text == b"err != nil"]
    assert branches, "the case condition should be a branch node"
    assert "after()" in reached_texts(cfg)
