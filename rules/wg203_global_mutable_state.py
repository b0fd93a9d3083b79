from __future__ import annotations

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.functions import FUNCTION_NODE_TYPES, body_of, enclosing_function
from linter.model.lvalues import access_chain
from linter.model.plugin import Handler, Phase
from linter.model.query import captures
from linter.model.reach import Reached, Root, reach, shadowed, tick_functions
from linter.rule import FileContext, PackageContext, Rule

_WRITES_QUERY = """
(assignment_statement left: (expression_list (_) @target))
(inc_statement (_) @target)
(dec_statement (_) @target)
(call_expression
  function: (identifier) @builtin
  arguments: (argument_list . (_) @target)
  (#match? @builtin "^(delete|clear)$"))
(func_literal) @literal
"""

_REQUEST_REASON = (
    "a package variable is shared by every request on this VM (one VM per worker thread, "
    "interleaved with other requests' callbacks), so one request's data leaks into another's "
    "and counters are per worker; keep per-request data in ctx.SetContext"
)
_PARSE_REASON = (
    "parse runs once for the global config and once per rule, so the rules overwrite each "
    "other's value and every request sees the last rule parsed; store it in the config"
)


class GlobalMutableState(Rule):
    """## What it does
    Flags writes to a package-level variable (assignment, `++`/`--`, compound
    assignment, `append`, a map or slice element, a field, `delete`/`clear`) made in a
    request handler, in a callback or closure of one, in a parse function, or in a
    same-package helper any of them calls or hands on as a callback.

    ## Why is this bad?
    A plugin VM serves every request of its Envoy worker thread, and the callbacks of
    concurrent requests interleave: a package variable written while handling one
    request is read by the next one, so one user's data reaches another user's
    upstream call, and counters kept there are per worker thread and inconsistent.
    The parse function runs once for the global config and once per `_rules_` entry:
    a package variable it writes holds whatever the last parsed rule wrote, for every
    route. Rebuilding the VM (`WithRebuildAfterRequests`) silently resets it.

    Writes in `init()` or in a raw `OnVMStart`, and read-only tables and compiled
    regexps that are only read or only have methods called on them, are fine.

    ## Example
    ```go
    var lastUser string

    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        lastUser, _ = proxywasm.GetHttpRequestHeader("x-user")
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        user, _ := proxywasm.GetHttpRequestHeader("x-user")
        ctx.SetContext("user", user)
        return types.ActionContinue
    }
    ```
    """

    code = "WG203"
    name = "global-mutable-state"
    severity = Severity.WARNING
    tags = ("correctness", "state")
    precision = "high"

    def check_package(self, pkg: PackageContext) -> None:
        if not pkg.facts.variables:
            return
        plugin = pkg.plugin
        roots = [_root(h) for h in plugin.handlers if h.phase.is_request_scoped]
        roots += [_root(h) for h in plugin.handlers if h.phase is Phase.PARSE]
        skip = tick_functions(pkg)
        once: dict[int, list[tuple[int, int]]] = {}

        def spans(item: Reached) -> list[tuple[int, int]]:
            if item.function.id not in once:
                once[item.function.id] = _once_spans(item.function, item.file, pkg)
            return once[item.function.id]

        def follow(item: Reached, node: Node) -> bool:
            return not any(start <= node.start_byte < end for start, end in spans(item))

        for item in reach(pkg, [r for r in roots if r is not None], skip, follow=follow):
            self._check_function(item, pkg, skip, spans(item))

    def _check_function(
        self, item: Reached, pkg: PackageContext, skip: set[int], once: list[tuple[int, int]]
    ) -> None:
        body = body_of(item.function)
        if body is None:
            return
        fctx = item.file
        text = fctx.file.data[body.start_byte : body.end_byte]
        if not any(name.encode() in text for name in pkg.facts.variables):
            return  # no package variable is even named here
        found = captures(_WRITES_QUERY, body)
        excluded = once + [(n.start_byte, n.end_byte) for n in found.get("literal", []) if n.id in skip]
        variables = pkg.facts.variables
        for target in found.get("target", []):
            if any(start <= target.start_byte < end for start, end in excluded):
                continue
            root = _root_identifier(target)
            if root is None:
                continue
            name = fctx.text(root)
            if name not in variables or name == "_" or shadowed(name, root, fctx):
                continue
            if _fills_absent_key(target, fctx):
                continue
            self.report(fctx, target, _message(fctx.text(target), name, target, item))


def _statements(block: Node | None) -> list[Node]:
    if block is None:
        return []
    inner = next((c for c in block.named_children if c.type == "statement_list"), None)
    return [c for c in (inner or block).named_children if c.type != "comment"]


def _global_flag(condition: Node | None, fctx: FileContext) -> tuple[str, bool] | None:
    """``(G, negated)`` for a condition ``G`` or ``!G`` naming a package variable."""
    negated = False
    node = condition
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    if node is not None and node.type == "unary_expression":
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type != "!":
            return None
        negated = True
        node = node.child_by_field_name("operand")
    if node is None or node.type != "identifier":
        return None
    name = fctx.text(node)
    if name not in fctx.package.facts.variables or shadowed(name, node, fctx):
        return None
    return name, negated


def _sets_true(statement: Node, name: str, fctx: FileContext) -> bool:
    if statement.type != "assignment_statement":
        return False
    left = statement.child_by_field_name("left")
    right = statement.child_by_field_name("right")
    return (
        left is not None
        and right is not None
        and fctx.text(left) == name
        and fctx.text(right) == "true"
    )


def _once_spans(function: Node, fctx: FileContext, pkg: PackageContext) -> list[tuple[int, int]]:
    """Code that runs once per VM behind a package flag (a hand-rolled ``sync.Once``):
    ``if done { return }; ...; done = true`` (the rest of the function) or
    ``if !done { ...; done = true }`` (the block). Writes there, and in the helpers
    called from there, initialise VM-wide data once instead of per rule or request."""
    statements = _statements(body_of(function))
    spans: list[tuple[int, int]] = []
    for index, statement in enumerate(statements):
        if statement.type != "if_statement" or statement.child_by_field_name("initializer") is not None:
            continue
        flag = _global_flag(statement.child_by_field_name("condition"), fctx)
        if flag is None:
            continue
        name, negated = flag
        consequence = statement.child_by_field_name("consequence")
        body = _statements(consequence)
        if not negated:
            returns = bool(body) and body[-1].type == "return_statement"
            alternative = statement.child_by_field_name("alternative")
            rest = statements[index + 1 :]
            if returns and alternative is None and any(_sets_true(s, name, fctx) for s in rest):
                spans.append((statement.end_byte, function.end_byte))
        elif consequence is not None and any(_sets_true(s, name, fctx) for s in body):
            spans.append((consequence.start_byte, consequence.end_byte))
    return spans


def _fills_absent_key(target: Node, fctx: FileContext) -> bool:
    """``m[k] = f(k)`` only where ``m[k]`` is absent (``_, ok := m[k]; if !ok``, or
    ``m[k] == nil``): a cache fill computed from its key, which overwrites nothing
    and gives every rule and request the same value for the same key."""
    if target.type != "index_expression":
        return False
    index = target.child_by_field_name("index")
    value = _assigned_value(target)
    if index is None or index.type != "identifier" or value is None:
        return False
    key = fctx.text(target)
    node = target
    while node.parent is not None and node.type not in FUNCTION_NODE_TYPES:
        parent = node.parent
        if parent.type == "if_statement" and _is_consequence(parent, node):
            condition = parent.child_by_field_name("condition")
            if condition is not None and _absent_check(condition, key, parent, fctx):
                return _derived_from(value, fctx.text(index), target, fctx)
        node = parent
    return False


def _assigned_value(target: Node) -> Node | None:
    left = target.parent
    statement = left.parent if left is not None else None
    if left is None or statement is None or statement.type != "assignment_statement":
        return None
    right = statement.child_by_field_name("right")
    operator = statement.child_by_field_name("operator")
    if right is None or (operator is not None and operator.type != "="):
        return None
    targets, values = left.named_children, right.named_children
    if len(targets) != len(values):
        return None
    return next((v for t, v in zip(targets, values, strict=True) if t.id == target.id), None)


def _derived_from(value: Node, key: str, write: Node, fctx: FileContext) -> bool:
    """Is ``value`` a call on ``key`` (``regexp.MustCompile(k)``), or a local set
    from one just before the write (``re, err := regexp.Compile(k)``)?"""
    if value.type == "call_expression":
        arguments = value.child_by_field_name("arguments")
        return arguments is not None and key in _identifiers(arguments, fctx)
    if value.type != "identifier":
        return False
    name = fctx.text(value)
    statement = write.parent.parent if write.parent is not None else None
    sibling = statement.prev_named_sibling if statement is not None else None
    while sibling is not None:
        if sibling.type in ("short_var_declaration", "assignment_statement"):
            left = sibling.child_by_field_name("left")
            right = sibling.child_by_field_name("right")
            names = [fctx.text(n) for n in left.named_children] if left is not None else []
            if name in names:
                values = right.named_children if right is not None else []
                return len(values) == 1 and values[0].type == "call_expression" and _derived_from(
                    values[0], key, write, fctx
                )
        sibling = sibling.prev_named_sibling
    return False


def _identifiers(node: Node, fctx: FileContext) -> set[str]:
    found = {fctx.text(node)} if node.type == "identifier" else set()
    for child in node.named_children:
        found |= _identifiers(child, fctx)
    return found


def _is_consequence(statement: Node, child: Node) -> bool:
    consequence = statement.child_by_field_name("consequence")
    return consequence is not None and consequence.id == child.id


def _absent_check(condition: Node, key: str, statement: Node, fctx: FileContext) -> bool:
    if condition.type == "binary_expression":
        left = condition.child_by_field_name("left")
        right = condition.child_by_field_name("right")
        operator = condition.child_by_field_name("operator")
        return (
            operator is not None
            and operator.type == "=="
            and left is not None
            and right is not None
            and fctx.text(left) == key
            and right.type == "nil"
        )
    if condition.type != "unary_expression":
        return False
    operator = condition.child_by_field_name("operator")
    operand = condition.child_by_field_name("operand")
    if operator is None or operator.type != "!" or operand is None or operand.type != "identifier":
        return False
    found = fctx.text(operand)
    candidates = [statement.child_by_field_name("initializer")]
    sibling = statement.prev_named_sibling
    while sibling is not None:
        candidates.append(sibling)
        sibling = sibling.prev_named_sibling
    for candidate in candidates:
        if candidate is None or candidate.type != "short_var_declaration":
            continue
        left = candidate.child_by_field_name("left")
        right = candidate.child_by_field_name("right")
        names = left.named_children if left is not None else []
        values = right.named_children if right is not None else []
        if len(names) == 2 and len(values) == 1 and fctx.text(names[1]) == found:
            return fctx.text(values[0]) == key
    return False


def _root(handler: Handler) -> Root | None:
    if handler.function is None or handler.file is None:
        return None
    if handler.phase is Phase.PARSE:
        role = f"the parse function `{handler.name}`"
    else:
        role = f"the {handler.phase.value} handler `{handler.name}`"
    return Root(handler.function, handler.file, role)


def _root_identifier(target: Node) -> Node | None:
    """``g`` of ``g``, ``g.f``, ``g[k]``, ``(*g).f``, ``g.a[i].b``; None otherwise."""
    found = access_chain(target)
    return found[0] if found is not None else None


def _message(written: str, name: str, target: Node, item: Reached) -> str:
    function = enclosing_function(target)
    root = item.root
    if function is not None and function.type == "func_literal" and function.id != item.function.id:
        where = f"in the func literal at line {function.start_point.row + 1} (a callback or closure) of {_owner(item)}"
    elif item.via is None:
        where = f"in {root.role}"
    else:
        where = f"in `{_display(item)}`, reached from {root.role}"
    reason = _PARSE_REASON if root.role.startswith("the parse function") else _REQUEST_REASON
    return f"`{written}` writes the package variable `{name}` {where}: {reason}"


def _owner(item: Reached) -> str:
    return item.root.role if item.via is None else f"`{_display(item)}` (reached from {item.root.role})"


def _display(item: Reached) -> str:
    function = item.function
    if function.type == "func_literal":
        return f"func literal at line {function.start_point.row + 1}"
    name = function.child_by_field_name("name")
    return item.file.text(name) if name is not None else "function"

