from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from linter.diagnostics import Applicability, Edit, Fix, Severity
from linter.model.package import PackageFacts
from linter.model.query import captures
from linter.rule import FileContext, Rule

_ARRAY = re.compile(r"^\[\s*[^\]\s][^\]]*\]\s*(.+)$")
"""``[4]byte`` (an array: a value) but not ``[]byte`` (a slice: a reference)."""

_REPEATS = ("for_statement", "func_literal")
"""Regions whose code can run again after a write inside them."""

_STATEMENTS = (
    "statement_list",
    "block",
    "if_statement",
    "for_statement",
    "expression_switch_statement",
    "type_switch_statement",
    "select_statement",
    "expression_case",
    "type_case",
    "default_case",
    "communication_case",
)
"""Nodes that bound the scope of a declaration made directly inside them."""


_SIMPLE = (
    "expression_statement",
    "short_var_declaration",
    "assignment_statement",
    "return_statement",
    "defer_statement",
    "go_statement",
    "send_statement",
    "var_declaration",
)
"""Statements after which a call's effect is visible to the code that follows."""


@dataclass
class _Write:
    field: str
    target: Node
    """What is reported: the assigned expression, or the called method's selector."""
    statement: Node
    verb: str
    repeats: list[tuple[int, int]]
    call: tuple[str, str] | None = None
    """For a pointer method called on a value field: (method name, field expression)."""


@dataclass
class _Use:
    position: int
    field: str | None
    """The field read, or None when the receiver is used as a whole value."""
    in_closure: bool


@dataclass
class _Method:
    ctx: FileContext
    node: Node
    receiver: str
    type_name: str
    type_node: Node
    method_name: str
    body: Node
    writes: list[_Write] = field(default_factory=list)
    uses: list[_Use] = field(default_factory=list)
    shadows: list[tuple[int, int]] = field(default_factory=list)


class ValueReceiverMutation(Rule):
    """## What it does
    Reports a value-receiver method that assigns to a field of its receiver: the
    change is made on a copy and lost when the method returns. Covers `c.f = v`,
    `c.f++`, `c.f += v`, `c.f = append(c.f, x)`, `c.f.g = v` through a struct-valued
    field, `c.a[i] = v` on an array field, each target of `c.a, c.b = ...`, and calls
    of a pointer-receiver method of this package on a struct-valued field of the
    receiver (`c.client.Init(...)`), when nothing in the method uses the changed copy
    afterwards.

    Not reported: pointer receivers; methods that return or pass on the copy
    (`return c`, `return c, nil`, `use(c)`, `c.other()`, `&c`); a field that is read back
    later in the same method (the copy is scratch space); writes through map, slice or
    pointer fields (`c.m[k] = v`, `c.s[i] = v`, `c.p.f = v`: they persist); writes to a
    field whose type is not known; methods on non-struct types; writes after a local
    variable shadows the receiver name.

    The fix (unsafe) makes the receiver a pointer: `func (c Config)` becomes
    `func (c *Config)`. It is unsafe because it changes the method set: a `Config`
    value stored in an interface may stop satisfying it (only `*Config` has the method
    then), and calls on non-addressable values (map elements, return values) stop
    compiling.

    ## Why is this bad?
    A value receiver is a copy of the caller's value. The assignment changes the
    copy, which is discarded when the method returns: configuration parsed in such a
    method silently stays zero, counters never move, and a client initialised on a
    copy's field stays uninitialised (a Redis client keeps answering "not ready",
    later code dereferences nil).

    ## Example
    ```go
    type RedisConfig struct{ blackList []string }

    func (config RedisConfig) BlackProcess(json gjson.Result) {
        config.blackList = parseList(json.Get("blackList")) // lost
    }

    type pool struct{ cluster string }

    func (p *pool) Init(cluster string) error { p.cluster = cluster; return nil }

    type AuthConfig struct{ client pool }

    func (c AuthConfig) setup(json gjson.Result) error {
        return c.client.Init(json.Get("cluster").String()) // initialises a copy
    }
    ```

    ## Use instead
    ```go
    func (config *RedisConfig) BlackProcess(json gjson.Result) {
        config.blackList = parseList(json.Get("blackList"))
    }

    func (c *AuthConfig) setup(json gjson.Result) error {
        return c.client.Init(json.Get("cluster").String())
    }
    ```
    """

    code = "WG201"
    name = "value-receiver-mutation"
    severity = Severity.ERROR
    tags = ("correctness",)
    precision = "high"
    fix_availability = "always"
    node_types = ("method_declaration",)

    def check(self, node: Node, ctx: FileContext) -> None:
        method = _start(node, ctx)
        if method is None:
            return  # pointer receiver, non-struct type, no body: nothing can be lost
        # Every occurrence of the receiver name in the body, in document order, found by
        # one compiled query over this method only (C speed) instead of a callback per
        # identifier of the file.
        for ident in captures(_uses_query(method.receiver), method.body).get("use", ()):
            if any(start <= ident.start_byte < end for start, end in method.shadows):
                continue
            _classify(ident, method)
        for write in method.writes:
            if not _used_later(write, method):
                self._report(method, write)

    def _report(self, method: _Method, write: _Write) -> None:
        ctx = method.ctx
        type_text = ctx.text(method.type_node)
        tail = (
            f"`{method.method_name}` has a value receiver `{type_text}`, so "
            f"{{what}} when it returns; use a pointer receiver `*{type_text}`"
        )
        if write.call is not None:
            name, holder = write.call
            message = (
                f"`{_short(ctx.text(write.target))}(...)` initialises a field of a copy: `{name}` has a "
                "pointer receiver, but " + tail.format(what=f"`{_short(holder)}` is lost")
            )
        else:
            message = f"`{_short(ctx.text(write.target))}` is {write.verb} on a copy: " + tail.format(
                what="the change is lost"
            )
        start = method.type_node.start_byte
        fix = Fix("Use a pointer receiver", Applicability.UNSAFE, (Edit(start, start, "*"),))
        self.report(ctx, write.target, message, fix)


def _start(node: Node, ctx: FileContext) -> _Method | None:
    """The method to analyse, if it has a named value receiver of a struct type."""
    params = node.child_by_field_name("receiver")
    body = node.child_by_field_name("body")
    name = node.child_by_field_name("name")
    if params is None or body is None or name is None:
        return None
    param = next((p for p in params.named_children if p.type == "parameter_declaration"), None)
    if param is None:
        return None
    receiver = param.child_by_field_name("name")
    type_node = param.child_by_field_name("type")
    if receiver is None or type_node is None:
        return None
    base = type_node.child_by_field_name("type") if type_node.type == "generic_type" else type_node
    if base is None or base.type != "type_identifier":
        return None  # pointer receivers, parenthesised types: decided before decoding any text
    if ctx.text(receiver) == "_":
        return None
    type_name = ctx.text(base)
    symbol = ctx.package.facts.types.get(type_name)
    if symbol is None or symbol.kind != "struct":
        return None
    return _Method(
        ctx,
        node,
        ctx.text(receiver),
        type_name,
        type_node,
        ctx.text(name),
        body,
    )


def _uses_query(name: str) -> str:
    escaped = name.replace("\\", "").replace('"', "")
    return f'((identifier) @use (#eq? @use "{escaped}"))'


def _classify(ident: Node, method: _Method) -> None:
    """Record what one occurrence of the receiver name does: write, read, use, shadow."""
    ctx = method.ctx
    facts = ctx.package.facts
    parent = ident.parent
    if parent is None:
        return
    if _declares(ident, parent, method):
        return
    # The access path from the receiver: c.a.b[i]...
    path: list[str | None] = []  # field names; None for an index
    top = ident
    while (up := top.parent) is not None:
        if up.type == "selector_expression" and up.child_by_field_name("operand") == top:
            member = up.child_by_field_name("field")
            path.append(ctx.text(member) if member is not None else "")
        elif up.type == "index_expression" and up.child_by_field_name("operand") == top:
            path.append(None)
        elif up.type != "parenthesized_expression":
            break
        top = up
    context = top.parent
    in_closure = _inside(ident, method, ("func_literal",)) != []
    first = path[0] if path else None
    if first is None:
        if not (_assigned_whole(top, context)):
            method.uses.append(_Use(ident.start_byte, None, in_closure))
        return
    if _field_type(facts, method.type_name, first) is None:
        if first in facts.methods.get(method.type_name, {}):
            method.uses.append(_Use(ident.start_byte, None, in_closure))  # c.m(): passes the copy on
        return
    statement, verb = _write_context(top, context, ctx)
    if statement is not None and _lands_on_copy(facts, method.type_name, path):
        repeats = _inside(statement, method, _REPEATS)
        method.writes.append(_Write(first, top, statement, verb, repeats))
        return
    if (
        context is not None
        and context.type == "call_expression"
        and context.child_by_field_name("function") == top
        and len(path) >= 2
    ):
        call_name = path[-1]
        holder = top.child_by_field_name("operand")
        owner = _value_struct(facts, method.type_name, path[:-1])
        if call_name is not None and holder is not None and owner is not None:
            symbol = facts.methods.get(owner, {}).get(call_name)
            if symbol is not None and symbol.pointer_receiver:
                statement = _statement_of(context)
                repeats = _inside(statement, method, _REPEATS)
                target = _Write(first, top, statement, "", repeats, (call_name, ctx.text(holder)))
                method.writes.append(target)
                return
    method.uses.append(_Use(ident.start_byte, first, in_closure))


def _declares(ident: Node, parent: Node, method: _Method) -> bool:
    """Is ``ident`` a new variable that shadows the receiver? Records the shadowed range."""
    scope: Node | None = None
    begin = ident.end_byte
    if parent.type in ("parameter_declaration", "variadic_parameter_declaration"):
        scope = parent.parent.parent if parent.parent is not None else None  # the func literal
    elif parent.type == "var_spec" or parent.type == "const_spec":
        scope = _scope_of(parent)
        begin = parent.end_byte
    elif parent.type == "expression_list" and parent.parent is not None:
        holder = parent.parent
        left = holder.child_by_field_name("left")
        if holder.type == "short_var_declaration" and left == parent:
            scope, begin = _scope_of(holder), holder.end_byte
        elif holder.type == "range_clause" and left == parent and _has_token(holder, ":="):
            scope, begin = holder.parent, holder.end_byte
        elif holder.type == "type_switch_statement" and holder.child_by_field_name("alias") == parent:
            scope, begin = holder, ident.end_byte
        elif holder.type == "receive_statement" and left == parent and _has_token(holder, ":="):
            scope, begin = holder.parent, holder.end_byte  # the communication case
        else:
            return False
    else:
        return False
    if scope is not None:
        method.shadows.append((begin, scope.end_byte))
    return True


def _scope_of(node: Node) -> Node | None:
    up = node.parent
    while up is not None and up.type not in _STATEMENTS:
        up = up.parent
    if up is not None and up.type == "statement_list" and up.parent is not None:
        return up.parent
    return up


def _has_token(node: Node, token: str) -> bool:
    return any(child.type == token for child in node.children)


def _assigned_whole(top: Node, context: Node | None) -> bool:
    """``c = ...``: the copy is replaced, which neither uses nor shadows it."""
    if context is None or context.type != "expression_list":
        return False
    holder = context.parent
    return (
        holder is not None
        and holder.type == "assignment_statement"
        and holder.child_by_field_name("left") == context
    )


def _write_context(top: Node, context: Node | None, ctx: FileContext) -> tuple[Node | None, str]:
    """The statement that writes ``top``, and how (assigned, incremented...)."""
    if context is None:
        return None, ""
    if context.type in ("inc_statement", "dec_statement"):
        return context, "incremented" if context.type == "inc_statement" else "decremented"
    if _assigned_whole(top, context) and context.parent is not None:
        operator = context.parent.child_by_field_name("operator")
        op = ctx.text(operator) if operator is not None else "="
        return context.parent, "assigned" if op == "=" else f"updated (`{op}`)"
    return None, ""


def _statement_of(node: Node) -> Node:
    while (
        node.type not in _SIMPLE
        and node.parent is not None
        and node.parent.type not in ("statement_list", "block")
    ):
        node = node.parent
    return node


def _inside(node: Node, method: _Method, types: tuple[str, ...]) -> list[tuple[int, int]]:
    """Ranges of the enclosing nodes of ``types`` within the method body."""
    found: list[tuple[int, int]] = []
    up = node.parent
    while up is not None and up.start_byte >= method.body.start_byte:
        if up.type in types:
            found.append((up.start_byte, up.end_byte))
        up = up.parent
    return found


def _used_later(write: _Write, method: _Method) -> bool:
    """Is the copy (or the written field) used after the write, so the write matters?"""
    after = write.statement.end_byte
    same_field_writes = [
        (w.statement.start_byte, w.statement.end_byte) for w in method.writes if w.field == write.field
    ]
    for use in method.uses:
        if use.field is not None and use.field != write.field:
            continue
        if use.field is not None and any(s <= use.position < e for s, e in same_field_writes):
            continue  # `c.f = append(c.f, x)` reads c.f only to write it again
        if use.position >= after or use.in_closure or any(s <= use.position < e for s, e in write.repeats):
            return True
    return False


# -- types ---------------------------------------------------------------------


def _base_name(type_text: str) -> str:
    return type_text.split("[", 1)[0].strip()


def _local_struct(facts: PackageFacts, type_text: str) -> str | None:
    """The name of a struct type of this package that ``type_text`` denotes by value."""
    name = _base_name(type_text)
    symbol = facts.types.get(name) if name.isidentifier() else None
    return name if symbol is not None and symbol.kind == "struct" else None


def _field_type(facts: PackageFacts, type_name: str, name: str, depth: int = 0) -> str | None:
    """The type text of field ``name`` of struct ``type_name``, through embedded structs.

    ``"*"`` when the field is promoted through an embedded pointer (writes persist);
    None when unknown.
    """
    symbol = facts.types.get(type_name)
    if symbol is None or symbol.kind != "struct" or depth > 4:
        return None
    if name in symbol.fields:
        return symbol.fields[name]
    for key, text in symbol.fields.items():
        embedded = _base_name(text.lstrip("*").split(".")[-1])
        if embedded != key:
            continue
        if text.startswith("*"):
            if _field_type(facts, embedded, name, depth + 1) is not None:
                return "*"
            continue
        found = _field_type(facts, embedded, name, depth + 1)
        if found is not None:
            return found
    return None


def _value_struct(facts: PackageFacts, type_name: str, path: list[str | None]) -> str | None:
    """The struct type reached by ``path`` from ``type_name`` if every step stays in the copy."""
    current: str | None = type_name
    text = ""
    for step in path:
        if step is None:  # indexing: only arrays are values
            array = _ARRAY.match(text)
            if array is None:
                return None
            text = array.group(1)
            current = _local_struct(facts, text)
            continue
        if current is None:
            return None
        found = _field_type(facts, current, step)
        if found is None or found == "*":
            return None
        text = found
        current = _local_struct(facts, text)
    return current if current is not None else ("" if text else None)


def _lands_on_copy(facts: PackageFacts, type_name: str, path: list[str | None]) -> bool:
    """Does writing ``c.<path>`` change only the copy (no map, slice or pointer on the way)?"""
    return _value_struct(facts, type_name, path) is not None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."
