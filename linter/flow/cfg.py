"""Control-flow graph of one Go function body (or func literal).

Nodes are statements and branch points; func literals inside are separate bodies
and never part of the enclosing graph. Supported: if/else chains with init
statements, expression and type switches (with ``fallthrough``), select, all three
``for`` forms and ``range`` (the body may run zero times), labelled and unlabelled
``break``/``continue``, ``goto``, ``return``, ``defer`` (recorded on the path and run
by the explorer at every exit), and ``panic(...)``/``os.Exit`` (ending the path).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node


class Kind(enum.Enum):
    ENTRY = "entry"
    EXIT = "exit"
    """The end of the body: a normal return (falls off the end or ``return``)."""
    PANIC = "panic"
    """A path that ends by panicking (deferred calls still run)."""
    STATEMENT = "statement"
    """A simple statement: its calls happen in order."""
    BRANCH = "branch"
    """A condition: successors are labelled TRUE/FALSE, or CASE for switch arms."""
    RETURN = "return"
    DEFER = "defer"
    JOIN = "join"
    """A no-op node where paths meet (loop heads, after an if)."""


class Edge(enum.Enum):
    PLAIN = "plain"
    TRUE = "true"
    FALSE = "false"


@dataclass(eq=False)
class CfgNode:
    kind: Kind
    node: Node | None = None
    """The statement (or condition expression) this node stands for."""
    successors: list[tuple[CfgNode, Edge]] = field(default_factory=list)
    index: int = 0
    reached: bool = False
    """Has any predecessor (set by ``link``)."""
    loop: Node | None = None
    """For a loop head: the ``for_statement``."""

    def link(self, target: CfgNode, edge: Edge = Edge.PLAIN) -> None:
        self.successors.append((target, edge))
        target.reached = True

    @property
    def line(self) -> int:
        return self.node.start_point.row + 1 if self.node is not None else 0

    def __repr__(self) -> str:
        return f"CfgNode({self.kind.value}, line {self.line})"


@dataclass
class Cfg:
    entry: CfgNode
    exit: CfgNode
    panic: CfgNode
    nodes: list[CfgNode]
    reliable: bool = True
    """False when the body has syntax errors or jumps the builder could not place."""


@dataclass
class _Targets:
    break_to: CfgNode | None = None
    continue_to: CfgNode | None = None
    label: str | None = None


IsPanic = Callable[[Node], bool]


def build_cfg(body: Node, is_panic: IsPanic | None = None) -> Cfg:
    """The CFG of a ``block``; ``is_panic`` tells which call statements never return."""
    return _Builder(is_panic or (lambda _node: False)).build(body)


class _Builder:
    def __init__(self, is_panic: IsPanic) -> None:
        self.is_panic = is_panic
        self.nodes: list[CfgNode] = []
        self.loops: list[_Targets] = []
        self.labels: dict[str, CfgNode] = {}
        self.pending_gotos: list[tuple[CfgNode, str]] = []
        self.reliable = True
        self.exit = self.new(Kind.EXIT)
        self.panic = self.new(Kind.PANIC)

    def new(self, kind: Kind, node: Node | None = None) -> CfgNode:
        created = CfgNode(kind, node, index=len(self.nodes))
        self.nodes.append(created)
        return created

    def build(self, body: Node) -> Cfg:
        entry = self.new(Kind.ENTRY, body)
        if body.has_error:
            self.reliable = False
        tails = self.block(body, [entry])
        for tail in tails:
            tail.link(self.exit)
        for source, label in self.pending_gotos:
            target = self.labels.get(label)
            if target is None:
                self.reliable = False
            else:
                source.link(target)
        return Cfg(entry, self.exit, self.panic, self.nodes, self.reliable)

    # A "frontier" is the list of nodes whose normal completion falls through to
    # whatever comes next; an empty frontier means the code after is unreachable.
    def connect(self, frontier: list[CfgNode], node: CfgNode, edge: Edge = Edge.PLAIN) -> None:
        for tail in frontier:
            tail.link(node, edge)

    def block(self, block: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        for statement in _statements(block):
            frontier = self.statement(statement, frontier)
        return frontier

    def statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        kind = stmt.type
        handler = getattr(self, f"_{kind}", None)
        if handler is not None:
            result: list[CfgNode] = handler(stmt, frontier)
            return result
        if kind in ("empty_statement", "comment"):
            return frontier
        node = self.new(Kind.STATEMENT, stmt)
        self.connect(frontier, node)
        if kind == "expression_statement" and self.is_panic(stmt):
            node.link(self.panic)
            return []
        return [node]

    def _block(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        return self.block(stmt, frontier)

    def _return_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        node = self.new(Kind.RETURN, stmt)
        self.connect(frontier, node)
        node.link(self.exit)
        return []

    def _defer_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        node = self.new(Kind.DEFER, stmt)
        self.connect(frontier, node)
        return [node]

    def _if_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        init = stmt.child_by_field_name("initializer")
        if init is not None:
            frontier = self.statement(init, frontier)
        condition = stmt.child_by_field_name("condition")
        branch = self.new(Kind.BRANCH, condition)
        self.connect(frontier, branch)
        consequence = stmt.child_by_field_name("consequence")
        then_entry = self.new(Kind.JOIN, consequence)
        branch.link(then_entry, Edge.TRUE)
        tails = self.block(consequence, [then_entry]) if consequence is not None else [then_entry]
        alternative = stmt.child_by_field_name("alternative")
        else_entry = self.new(Kind.JOIN, alternative)
        branch.link(else_entry, Edge.FALSE)
        if alternative is None:
            return [*tails, else_entry]
        return [*tails, *self.statement(alternative, [else_entry])]

    def _for_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        label = _label_of(stmt)
        clause = next((c for c in stmt.named_children if c.type in ("for_clause", "range_clause")), None)
        body = stmt.child_by_field_name("body")
        condition: Node | None = None
        update: Node | None = None
        if clause is not None and clause.type == "for_clause":
            init = clause.child_by_field_name("initializer")
            if init is not None:
                frontier = self.statement(init, frontier)
            condition = clause.child_by_field_name("condition")
            update = clause.child_by_field_name("update")
        elif clause is not None:
            condition = clause  # range: a branch "another element?"
        else:
            condition = next((c for c in stmt.named_children if (body is None or c.id != body.id) and c.type != "comment"), None)
        head = self.new(Kind.BRANCH if condition is not None else Kind.JOIN, condition)
        head.loop = stmt
        self.connect(frontier, head)
        after = self.new(Kind.JOIN, stmt)
        step = self.new(Kind.JOIN, update)
        targets = _Targets(after, step, label)
        body_entry = self.new(Kind.JOIN, body)
        head.link(body_entry, Edge.TRUE if condition is not None else Edge.PLAIN)
        if condition is not None:
            head.link(after, Edge.FALSE)
        self.loops.append(targets)
        tails = self.block(body, [body_entry]) if body is not None else [body_entry]
        self.loops.pop()
        self.connect(tails, step)
        if update is not None:
            update_node = self.new(Kind.STATEMENT, update)
            step.link(update_node)
            update_node.link(head)
        else:
            step.link(head)
        return [after] if after.reached else []

    def _switch(self, stmt: Node, frontier: list[CfgNode], case_types: tuple[str, ...]) -> list[CfgNode]:
        label = _label_of(stmt)
        init = stmt.child_by_field_name("initializer")
        if init is not None:
            frontier = self.statement(init, frontier)
        after = self.new(Kind.JOIN, stmt)
        cases = [c for c in stmt.named_children if c.type in (*case_types, "default_case")]
        has_default = any(c.type == "default_case" for c in cases)
        dispatch = self.new(Kind.BRANCH, stmt)
        self.connect(frontier, dispatch)
        self.loops.append(_Targets(after, None, label))
        previous_tails: list[CfgNode] = []
        for case in cases:
            entry = self.new(Kind.JOIN, case)
            dispatch.link(entry, Edge.PLAIN)
            falls_into = [t for t in previous_tails if t.kind is Kind.STATEMENT and _is_fallthrough(t.node)]
            self.connect(falls_into, entry)
            tails = self.block(case, [entry])
            previous_tails = tails
            self.connect([t for t in tails if not (t.node is not None and _is_fallthrough(t.node))], after)
        self.loops.pop()
        if not has_default:
            dispatch.link(after, Edge.PLAIN)
        return [after] if after.reached else []

    def _expression_switch_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        if stmt.child_by_field_name("value") is None:
            return self._condition_switch(stmt, frontier)
        return self._switch(stmt, frontier, ("expression_case",))

    def _condition_switch(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        """``switch { case c1: ... }`` is an if/else-if chain: conditions refine paths."""
        label = _label_of(stmt)
        init = stmt.child_by_field_name("initializer")
        if init is not None:
            frontier = self.statement(init, frontier)
        after = self.new(Kind.JOIN, stmt)
        cases = [c for c in stmt.named_children if c.type in ("expression_case", "default_case")]
        default = next((c for c in cases if c.type == "default_case"), None)
        self.loops.append(_Targets(after, None, label))
        previous_tails: list[CfgNode] = []
        test_frontier = frontier
        bodies: list[tuple[Node, CfgNode]] = []
        for case in cases:
            if case.type == "default_case":
                continue
            values = case.child_by_field_name("value")
            condition = values.named_children[0] if values is not None and values.named_children else values
            branch = self.new(Kind.BRANCH, condition)
            self.connect(test_frontier, branch)
            entry = self.new(Kind.JOIN, case)
            branch.link(entry, Edge.TRUE)
            bodies.append((case, entry))
            miss = self.new(Kind.JOIN, case)
            branch.link(miss, Edge.FALSE)
            test_frontier = [miss]
        if default is not None:
            entry = self.new(Kind.JOIN, default)
            self.connect(test_frontier, entry)
            bodies.append((default, entry))
        else:
            self.connect(test_frontier, after)
        bodies.sort(key=lambda pair: pair[0].start_byte)
        for case, entry in bodies:
            falls_into = [t for t in previous_tails if t.node is not None and _is_fallthrough(t.node)]
            self.connect(falls_into, entry)
            tails = self.block(case, [entry])
            previous_tails = tails
            self.connect([t for t in tails if not (t.node is not None and _is_fallthrough(t.node))], after)
        self.loops.pop()
        return [after] if after.reached else []

    def _type_switch_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        return self._switch(stmt, frontier, ("type_case",))

    def _select_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        return self._switch(stmt, frontier, ("communication_case",))

    def _labeled_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        label_node = stmt.child_by_field_name("label")
        target = self.new(Kind.JOIN, stmt)
        self.connect(frontier, target)
        if label_node is not None and label_node.text is not None:
            self.labels[label_node.text.decode()] = target
        inner = next((c for c in stmt.named_children if (label_node is None or c.id != label_node.id) and c.type != "comment"), None)
        return self.statement(inner, [target]) if inner is not None else [target]

    def _break_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        targets = self._jump_targets(stmt, want_continue=False)
        node = self.new(Kind.STATEMENT, stmt)
        self.connect(frontier, node)
        if targets is not None and targets.break_to is not None:
            node.link(targets.break_to)
        else:
            self.reliable = False
        return []

    def _continue_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        targets = self._jump_targets(stmt, want_continue=True)
        node = self.new(Kind.STATEMENT, stmt)
        self.connect(frontier, node)
        if targets is not None and targets.continue_to is not None:
            node.link(targets.continue_to)
        else:
            self.reliable = False
        return []

    def _goto_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        node = self.new(Kind.STATEMENT, stmt)
        self.connect(frontier, node)
        label = next((c for c in stmt.named_children if c.type == "label_name"), None)
        if label is None or label.text is None:
            self.reliable = False
        else:
            self.pending_gotos.append((node, label.text.decode()))
        return []

    def _fallthrough_statement(self, stmt: Node, frontier: list[CfgNode]) -> list[CfgNode]:
        node = self.new(Kind.STATEMENT, stmt)
        self.connect(frontier, node)
        return [node]

    def _jump_targets(self, stmt: Node, want_continue: bool) -> _Targets | None:
        label = next((c for c in stmt.named_children if c.type == "label_name"), None)
        name = label.text.decode() if label is not None and label.text is not None else None
        for targets in reversed(self.loops):
            if want_continue and targets.continue_to is None:
                continue
            if name is None or targets.label == name:
                return targets
        return None


def _statements(block: Node) -> list[Node]:
    """The statements of a block or case clause (tree-sitter-go wraps them in a list)."""
    found: list[Node] = []
    for child in block.named_children:
        if child.type == "statement_list":
            found.extend(c for c in child.named_children if c.type != "comment")
        elif child.type not in ("comment",) and block.type in ("block", "source_file"):
            found.append(child)
    return found


def _label_of(stmt: Node) -> str | None:
    parent = stmt.parent
    if parent is not None and parent.type == "labeled_statement":
        label = parent.child_by_field_name("label")
        if label is not None and label.text is not None:
            return label.text.decode()
    return None


def _is_fallthrough(node: Node | None) -> bool:
    return node is not None and node.type == "fallthrough_statement"


def is_plain_join(node: CfgNode) -> bool:
    """A JOIN that is not a loop head: a no-op for path exploration."""
    return node.kind is Kind.JOIN and node.loop is None


def bypass(nodes: list[CfgNode], skippable: Callable[[CfgNode], bool]) -> None:
    """Point every edge past the ``skippable`` single-successor nodes after it (for
    example ``is_plain_join``): fewer steps for every path exploration. Skipped nodes
    stay in ``nodes``."""

    def target(node: CfgNode) -> CfgNode:
        seen: set[int] = set()
        while len(node.successors) == 1 and skippable(node):
            if node.index in seen:
                break
            seen.add(node.index)
            node = node.successors[0][0]
        return node

    for node in nodes:
        node.successors = [(target(successor), edge) for successor, edge in node.successors]
