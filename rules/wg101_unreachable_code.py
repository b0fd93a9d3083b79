from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.calls import PROGRAM_ENDERS, ends_program
from linter.model.functions import enclosing_function
from linter.model.sdk import TYPES
from linter.rule import FileContext, PackageContext, Rule

_PAUSE_ACTIONS = (
    "ActionPause",
    "HeaderStopIteration",
    "HeaderStopAllIterationAndBuffer",
    "HeaderStopAllIterationAndWatermark",
    "DataStopIterationAndBuffer",
    "DataStopIterationAndWatermark",
    "DataStopIterationNoBuffer",
)
_SKIPPED = frozenset({"comment", "empty_statement"})
_BREAKABLE = frozenset({"for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"})
_SWITCH_CASES = frozenset({"expression_case", "type_case", "default_case"})
_SELECT_CASES = frozenset({"communication_case", "default_case"})
_RESUME_HINT = " (resuming does not re-enter the handler)"
_MAY_EXIT = frozenset(
    {
        "return_statement",
        "goto_statement",
        "break_statement",
        "continue_statement",
        "expression_statement",
        "block",
        "labeled_statement",
        "if_statement",
        "for_statement",
        "expression_switch_statement",
        "type_switch_statement",
        "select_statement",
    }
)
"""Statement types that can end a block; every other statement completes normally."""
_EXIT_PACKAGES = frozenset(PROGRAM_ENDERS)
_EXIT_CALL_NAMES = frozenset(
    {b"panic", *(member.encode() for members in PROGRAM_ENDERS.values() for member in members)}
)
_CLIMBED_THROUGH = frozenset(
    {"block", "labeled_statement", "expression_case", "type_case", "default_case", "communication_case",
     "select_statement"}
)  # fmt: skip
"""Statements and clauses an exit inside them may make exit as a whole (``if`` and
``switch`` need an ``else``/``default``, checked apart)."""


class _Exit:
    """A statement that cannot complete normally.

    How a message names it and whether it returns a pausing action are worked out only
    when a finding is reported: most exits never are, and both need source text.
    """

    __slots__ = ("branches", "kind", "node")

    def __init__(self, node: Node, kind: str, branches: tuple[_Exit | None, ...] = ()) -> None:
        self.node = node
        self.kind = kind
        """``jump`` (return, goto, break, continue), ``panic``, ``call`` (os.Exit, log.Fatal...),
        ``if``, ``for``, ``switch``, ``select`` or ``select-empty``."""
        self.branches = branches
        """For ``if``/``switch``/``select``: the exit of each branch or case (None for a
        switch case that falls through)."""

    def what(self, ctx: FileContext) -> str:
        node, kind = self.node, self.kind
        if kind == "jump":
            return f"`{_brief(ctx, node)}`"
        if kind == "panic":
            return "`panic(...)`"
        if kind == "call":
            call = next(c for c in node.named_children if c.type != "comment")
            function = call.child_by_field_name("function")
            return f"`{ctx.text(function) if function is not None else ''}(...)`"
        line = _line(ctx, node)
        if kind == "if":
            return f"the `if`/`else` on line {line}, every branch of which returns or jumps away,"
        if kind == "for":
            return f"the endless `for` loop on line {line} (no condition, no `break` out of it)"
        if kind == "switch":
            return f"the `switch` on line {line}, every case of which (default included) returns or jumps away,"
        if kind == "select":
            return f"the `select` on line {line}, every case of which returns or jumps away,"
        return f"`select {{}}` on line {line}, which blocks forever,"

    def pause(self, ctx: FileContext) -> bool:
        """A return of a pausing action (every branch's, for compound statements)."""
        if self.kind == "jump":
            return self.node.type == "return_statement" and _returns_pause(ctx, self.node)
        if self.kind in ("if", "switch", "select"):
            return all(branch is not None and branch.pause(ctx) for branch in self.branches)
        return False


class _NeedGotos(Exception):
    """A label decides liveness, and the goto statements of the file are not all known yet."""


class UnreachableCode(Rule):
    """## What it does
    Reports statements that can never run because they follow, in the same block, a
    statement that cannot complete normally. Such statements are `return`, `panic(...)`,
    `os.Exit(...)`, `goto`, `break` and `continue`; an `if`/`else` chain every branch of
    which ends in one of these; a `switch` with a `default` or a `select` every case of
    which does, with no `break` out of it; and an endless `for` loop with no `break` out
    of it. The first statement of each dead run is reported once. A label that a `goto`
    targets makes the code from it onward live again; code in a nested func literal is
    judged within that literal.

    ## Why is this bad?
    The statements never run. In a plugin the typical case is code written after
    `return types.ActionPause` in the belief that `proxywasm.ResumeHttpRequest()` continues
    the handler: resuming continues the filter chain after the handler's `return`, so a
    header is never added, a context value never set, a check never made.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if !cfg.allowed(ctx.Path()) {
            _ = proxywasm.SendHttpResponse(403, nil, []byte("denied"), -1)
            return types.ActionPause
            _ = proxywasm.AddHttpRequestHeader("x-auth-checked", "1") // never runs
        }
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        if !cfg.allowed(ctx.Path()) {
            _ = proxywasm.AddHttpRequestHeader("x-auth-checked", "1")
            _ = proxywasm.SendHttpResponse(403, nil, []byte("denied"), -1)
            return types.ActionPause
        }
        return types.ActionContinue
    }
    ```
    """

    code = "WG101"
    name = "unreachable-code"
    severity = Severity.ERROR
    tags = ("correctness", "control-flow")
    precision = "very-high"
    fix_availability = "none"
    node_types = (
        "return_statement",
        "goto_statement",
        "break_statement",
        "continue_statement",
        "call_expression",
        "for_statement",
        "select_statement",
    )
    call_names = _EXIT_CALL_NAMES

    def __init__(self) -> None:
        self._gotos: set[tuple[str, int, str]] = set()
        """(file, start byte of the enclosing function, label) of every goto seen."""
        self._pending: list[tuple[FileContext, Node]] = []
        """Statement lists whose verdict depends on goto statements not walked yet."""
        self._scan: _Scan | None = None
        """The current file's scanner: it remembers the exit of every statement judged
        and the lists already climbed to, so shared ancestors are judged once."""

    def check(self, node: Node, ctx: FileContext) -> None:
        """``node`` may be an exit: judge the statement lists in which it, or a compound
        statement it may make exit, is followed by other statements (see ``_climb``)."""
        kind = node.type
        exit_ = node
        if kind == "goto_statement":
            label = _label_of(node)
            function = enclosing_function(node)
            if label is not None and function is not None:
                self._gotos.add((ctx.path, function.start_byte, ctx.text(label)))
        elif kind == "call_expression":  # panic(...), os.Exit(...), log.Fatal(...) as a statement
            statement = node.parent
            if statement is None or statement.type != "expression_statement":
                return
            exit_ = statement
        elif kind == "for_statement" and not _may_be_endless(node):
            return
        elif kind == "select_statement" and any(c.type in _SELECT_CASES for c in node.named_children):
            return  # its cases' own exits are climbed from
        scan = self._scan
        if scan is None or scan.ctx is not ctx:
            scan = self._scan = _Scan(ctx, _unknown_targets)
        for statement_list in _climb(exit_, scan.climbed):
            try:
                self._check_list(statement_list, ctx, scan)
            except _NeedGotos:
                self._pending.append((ctx, statement_list))

    def check_package(self, pkg: PackageContext) -> None:
        pending, gotos = self._pending, self._gotos
        self._pending, self._gotos, self._scan = [], set(), None
        scans: dict[int, _Scan] = {}
        for ctx, node in pending:
            scan = scans.get(id(ctx))
            if scan is None:
                scan = scans[id(ctx)] = _Scan(ctx, _GotoTargets(ctx, gotos))
            self._check_list(node, ctx, scan)

    def _check_list(self, node: Node, ctx: FileContext, scan: _Scan) -> None:
        try:
            runs = scan.dead_runs(node)
        except RecursionError:
            return  # statements nested deeper than the recursion limit: not judged
        for dead, after in runs:
            self.report(ctx, _first_line(ctx, dead), _message(ctx, after))


class _Scan:
    """Which statements of a list can complete normally, looking only at small local subtrees.

    Results are remembered per node for the scanner's file (and its ``targeted``), since
    the walk judges every nested list again after its enclosing statement was judged.
    """

    def __init__(self, ctx: FileContext, targeted: Callable[[Node], bool]) -> None:
        self.ctx = ctx
        self.targeted = targeted
        self.may_call_exit = not _EXIT_PACKAGES.isdisjoint(ctx.imports.paths)
        """Does the file import ``os`` or ``log`` (else no call can be ``os.Exit``/``log.Fatal``)?"""
        self._exits: dict[object, _Exit | None] = {}
        self._lists: dict[int, tuple[_Exit | None, list[tuple[Node, _Exit]]]] = {}
        """Statement list id -> (its exit, its dead runs), for lists judged whole."""
        self.climbed: set[int] = set()
        """Ids of the statement lists ``_climb`` reached in this file."""

    def dead_runs(self, statement_list: Node) -> list[tuple[Node, _Exit]]:
        """The first statement of each dead run in the list, with the exit it follows."""
        if statement_list.named_child_count < 2:
            return []  # nothing can follow an exit
        known = self._lists.get(statement_list.id)
        if known is not None:  # judged whole as part of an enclosing statement
            return known[1]
        return self._judge(statement_list, whole=False)[1]

    def _scan(self, statement_list: Node) -> _Exit | None:
        """The exit that ends the list, if control cannot fall off its end."""
        known = self._lists.get(statement_list.id)
        if known is None:
            known = self._lists[statement_list.id] = self._judge(statement_list, whole=True)
        return known[0]

    def _judge(self, statement_list: Node, whole: bool) -> tuple[_Exit | None, list[tuple[Node, _Exit]]]:
        """The list's exit and its dead runs.

        Unless ``whole``, only the dead runs are wanted: the last statement is not judged
        (nothing follows it) and the exit returned is None.
        """
        statements = [(c, kind) for c in statement_list.named_children if (kind := c.type) not in _SKIPPED]
        last = len(statements) - 1
        runs: list[tuple[Node, _Exit]] = []
        exit_: _Exit | None = None
        reported = False
        for index, (stmt, kind) in enumerate(statements):
            if exit_ is not None:
                if kind == "labeled_statement" and self.targeted(stmt):
                    exit_ = None
                else:
                    if not reported:
                        runs.append((stmt, exit_))
                        reported = True
                    continue
            if not whole and index == last:
                return None, runs
            exit_ = self.exit_of(stmt) if kind in _MAY_EXIT else None
            reported = False
        return exit_, runs

    def _block_exit(self, block: Node | None) -> _Exit | None:
        if block is None:
            return None
        if block.type == "if_statement":
            return self.exit_of(block)
        statements = next((c for c in block.named_children if c.type == "statement_list"), None)
        return None if statements is None else self._scan(statements)

    def exit_of(self, stmt: Node, label: str | None = None) -> _Exit | None:
        kind = stmt.type
        if kind not in _MAY_EXIT:
            return None
        if kind == "expression_statement":
            return self._call_exit(stmt)  # cheap enough not to remember
        key: object = stmt.id if label is None else (stmt.id, label)
        if key in self._exits:
            return self._exits[key]
        found = self._exit_of(stmt, kind, label)
        self._exits[key] = found
        return found

    def _exit_of(self, stmt: Node, kind: str, label: str | None) -> _Exit | None:
        if kind in ("return_statement", "goto_statement", "break_statement", "continue_statement"):
            return _Exit(stmt, "jump")
        if kind == "block":
            return self._block_exit(stmt)
        if kind == "labeled_statement":
            inner = next((c for c in stmt.named_children if c.type not in ("label_name", "comment")), None)
            label_node = _label_of(stmt)
            name = None if label_node is None else self.ctx.text(label_node)
            return None if inner is None else self.exit_of(inner, name)
        if kind == "if_statement":
            return self._if_exit(stmt)
        if kind == "for_statement":
            return self._for_exit(stmt, label)
        if kind in ("expression_switch_statement", "type_switch_statement"):
            return self._switch_exit(stmt, label)
        if kind == "select_statement":
            return self._select_exit(stmt, label)
        return None

    def _call_exit(self, stmt: Node) -> _Exit | None:
        if not self.may_call_exit and not self.ctx.file.data.startswith(b"panic", stmt.start_byte):
            return None  # a call statement starts with its function's name
        ended = ends_program(stmt, self.ctx)
        if ended is None:
            return None
        return _Exit(stmt, "panic" if ended == "panic" else "call")

    def _if_exit(self, stmt: Node) -> _Exit | None:
        chain: list[Node] = []
        current: Node | None = stmt
        while current is not None and current.type == "if_statement":
            chain.append(current)
            current = current.child_by_field_name("alternative")
        if current is None:
            return None  # no final else: control can skip every branch (decided before judging any)
        branches: list[_Exit] = []
        for link in chain:
            consequence = self._block_exit(link.child_by_field_name("consequence"))
            if consequence is None:
                return None
            branches.append(consequence)
        last = self._block_exit(current)
        if last is None:
            return None
        branches.append(last)
        return _Exit(stmt, "if", tuple(branches))

    def _for_exit(self, stmt: Node, label: str | None) -> _Exit | None:
        body = stmt.child_by_field_name("body")
        for child in stmt.named_children:
            if child == body or child.type == "comment":
                continue
            if child.type != "for_clause" or child.child_by_field_name("condition") is not None:
                return None  # a condition or a range clause: the loop can end
        if body is not None and self._breaks_out(body, label):
            return None
        return _Exit(stmt, "for")

    def _switch_exit(self, stmt: Node, label: str | None) -> _Exit | None:
        cases = [c for c in stmt.named_children if c.type in _SWITCH_CASES]
        if not any(c.type == "default_case" for c in cases):
            return None
        branches: list[_Exit | None] = []
        for case in cases:
            statements = _case_statements(case)
            if statements is None:
                return None
            found = self._scan(statements)
            if found is None and not _ends_in_fallthrough(statements):
                return None
            branches.append(found)  # None: falls through (and does not pause)
        if any(self._breaks_out(case, label) for case in cases):
            return None
        return _Exit(stmt, "switch", tuple(branches))

    def _select_exit(self, stmt: Node, label: str | None) -> _Exit | None:
        cases = [c for c in stmt.named_children if c.type in _SELECT_CASES]
        if not cases:
            return _Exit(stmt, "select-empty")
        branches: list[_Exit | None] = []
        for case in cases:
            statements = _case_statements(case)
            found = None if statements is None else self._scan(statements)
            if found is None:
                return None
            branches.append(found)
        if any(self._breaks_out(case, label) for case in cases):
            return None
        return _Exit(stmt, "select", tuple(branches))

    def _breaks_out(self, node: Node, label: str | None, nested: bool = False) -> bool:
        """Does ``node`` contain a ``break`` that leaves the statement being judged?

        An unlabelled ``break`` inside a nested loop, switch or select leaves that one;
        a func literal is another body.
        """
        for child in node.named_children:
            kind = child.type
            if kind == "break_statement":
                target = _label_of(child)
                if target is None:
                    if not nested:
                        return True
                elif label is not None and self.ctx.text(target) == label:
                    return True
                continue
            if kind == "func_literal" or not child.named_children:
                continue
            inner = nested or kind in _BREAKABLE
            if inner and label is None:
                continue  # only an unlabelled break could target us, and it cannot from in there
            if self._breaks_out(child, label, inner):
                return True
        return False



def _returns_pause(ctx: FileContext, stmt: Node) -> bool:
    values = next((c for c in stmt.named_children if c.type == "expression_list"), None)
    if values is None:
        return False
    expressions = [c for c in values.named_children if c.type != "comment"]
    return len(expressions) == 1 and ctx.refers_to(expressions[0], TYPES, *_PAUSE_ACTIONS)


def _case_statements(case: Node) -> Node | None:
    return next((c for c in case.named_children if c.type == "statement_list"), None)


def _ends_in_fallthrough(statements: Node) -> bool:
    last = [c for c in statements.named_children if c.type not in _SKIPPED]
    return bool(last) and last[-1].type == "fallthrough_statement"


def _climb(exit_: Node, climbed: set[int]) -> Iterator[Node]:
    """The statement lists in which ``exit_`` (a statement that may not complete), or
    an enclosing statement it may make exit, is followed by other statements: the only
    lists that can hold dead code because of it.

    Climbs through the enclosing lists, blocks, cases, labels and ``if``/``switch``/
    ``select`` statements; it stops where the exit cannot make the enclosing statement
    exit (an ``if`` without ``else``, a ``switch`` without ``default``, a loop body,
    a function) and at a list an earlier exit already climbed to (statements are
    handed out in document order, so the earliest statement of a list to get there
    comes first, and what lies above the list does not depend on who got there).
    """
    node = exit_
    while True:
        parent = node.parent
        if parent is None:
            return
        kind = parent.type
        if kind == "statement_list":
            if parent.id in climbed:
                return  # judged whole already (or known not to hold an exit but last)
            climbed.add(parent.id)
            following = node.next_named_sibling
            while following is not None and following.type in _SKIPPED:
                following = following.next_named_sibling
            if following is not None:
                yield parent
        elif kind == "if_statement":
            if parent.child_by_field_name("alternative") is None:
                return  # control can skip the branch
        elif kind in ("expression_switch_statement", "type_switch_statement"):
            if not any(c.type == "default_case" for c in parent.named_children):
                return  # control can skip every case
        elif kind not in _CLIMBED_THROUGH:
            return
        node = parent


def _may_be_endless(loop: Node) -> bool:
    """A ``for`` with neither a condition nor a range clause (``for {}``, ``for ;; {}``)."""
    for child in loop.named_children:
        if child.type == "for_clause":
            if child.child_by_field_name("condition") is not None:
                return False
        elif child.type not in ("block", "comment"):
            return False
    return True


def _label_of(node: Node) -> Node | None:
    return next((c for c in node.named_children if c.type == "label_name"), None)


def _unknown_targets(labelled: Node) -> bool:
    raise _NeedGotos


@dataclass(frozen=True)
class _GotoTargets:
    ctx: FileContext
    gotos: set[tuple[str, int, str]]

    def __call__(self, labelled: Node) -> bool:
        label = _label_of(labelled)
        function = enclosing_function(labelled)
        if label is None or function is None:
            return True  # cannot tell: treat as reachable
        return (self.ctx.path, function.start_byte, self.ctx.text(label)) in self.gotos


def _line(ctx: FileContext, node: Node) -> int:
    return ctx.file.position(node.start_byte).line


def _brief(ctx: FileContext, node: Node, limit: int = 60) -> str:
    text = " ".join(ctx.text(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _first_line(ctx: FileContext, node: Node) -> tuple[int, int]:
    newline = ctx.file.data.find(b"\n", node.start_byte, node.end_byte)
    return node.start_byte, node.end_byte if newline == -1 else newline


def _message(ctx: FileContext, after: _Exit) -> str:
    what = after.what(ctx)
    if after.kind in ("jump", "panic", "call"):
        what = f"{what} on line {_line(ctx, after.node)}"
    hint = _RESUME_HINT if after.pause(ctx) else ""
    return f"unreachable: this statement follows {what} and never runs{hint}"
