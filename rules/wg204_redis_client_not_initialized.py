from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.lifecycle.ops import Classifier
from linter.model.calls import call_parts
from linter.model.functions import body_of, enclosing_function
from linter.model.plugin import Phase
from linter.model.query import captures
from linter.model.reach import Root, reach, shadowed
from linter.model.sdk import WRAPPERS
from linter.rule import FileContext, PackageContext, Rule

_INIT_QUERY = """
(call_expression
  function: (selector_expression operand: (_) @receiver field: (field_identifier) @method)
  (#eq? @method "Init")) @call
"""

_ALIAS_QUERY = """
(assignment_statement) @assignment
(keyed_element) @keyed
(return_statement) @escape
(argument_list) @escape
"""

_NOT_READY = (
    "every command on it then fails synchronously with \"redis client is not ready, please call "
    "Init() first\", so its callback never runs"
)


@dataclass(frozen=True)
class _Holder:
    fields: frozenset[str]
    """Struct fields the client is stored in (``config.redis`` -> ``redis``)."""
    names: frozenset[str]
    """Variables holding it (a local of the creating function, or a package variable)."""
    shown: str
    package_variable: bool = False


@dataclass
class _Found:
    created: list[tuple[Node, FileContext]] = field(default_factory=list)
    discarded: list[tuple[Node, FileContext]] = field(default_factory=list)


class RedisClientNotInitialized(Rule):
    """## What it does
    Flags a Redis client created with `wrapper.NewRedisClusterClient(...)` that is
    never `Init`-ed by the parse function or a function it calls (helpers,
    constructors, methods), and an `Init(...)` call whose error is discarded
    (an expression statement or `_ = client.Init(...)`).

    ## Why is this bad?
    `NewRedisClusterClient` only records the cluster: the client connects (and
    authenticates, and selects the database) in `Init`, which must run at plugin
    start. Until then every command fails synchronously with "redis client is not
    ready, please call Init() first" and its callback never runs; a handler that
    pauses after such a call hangs the request. When `Init` fails (unknown cluster,
    wrong password) and the error is dropped, the plugin starts with a client that
    never works; returning the error from the parse function rejects the config
    instead, so the failure is visible. (The newer wrapper retries a failed `Init`
    lazily and returns nil, but the old one reports the error only there.)

    ## Example
    ```go
    func parseConfig(json gjson.Result, cfg *Config) error {
        cfg.redis = wrapper.NewRedisClusterClient(wrapper.FQDNCluster{FQDN: "redis.svc", Port: 6379})
        return nil
    }
    ```

    ## Use instead
    ```go
    func parseConfig(json gjson.Result, cfg *Config) error {
        cfg.redis = wrapper.NewRedisClusterClient(wrapper.FQDNCluster{FQDN: "redis.svc", Port: 6379})
        return cfg.redis.Init("", json.Get("password").String(), 1000, wrapper.WithDataBase(0))
    }
    ```
    """

    code = "WG204"
    name = "redis-client-not-initialized"
    severity = Severity.ERROR
    tags = ("correctness", "redis")
    precision = "high"
    node_types = ("call_expression",)
    call_names = frozenset({b"NewRedisClusterClient", b"Init"})

    def __init__(self) -> None:
        self._found: dict[int, _Found] = {}

    def node_types_for(self, ctx: FileContext) -> tuple[str, ...]:
        data = ctx.file.data
        return self.node_types if b"NewRedisClusterClient" in data or b"Init(" in data else ()

    def check(self, node: Node, ctx: FileContext) -> None:
        parts = call_parts(node)
        if parts is None:
            return
        callee, _ = parts
        if callee.name == "NewRedisClusterClient" and ctx.refers_to(callee.node, WRAPPERS, callee.name):
            self._found.setdefault(id(ctx.package), _Found()).created.append((node, ctx))
        elif callee.name == "Init" and callee.qualifier is not None and _discarded(node, ctx):
            self._found.setdefault(id(ctx.package), _Found()).discarded.append((node, ctx))

    def check_package(self, pkg: PackageContext) -> None:
        found = self._found.pop(id(pkg), None)
        if found is None:
            return
        classifier = pkg.classifier
        holders: list[_Holder] = []
        for call, fctx in found.created:
            holder = _holder(call, fctx)
            if holder is None:
                continue
            holders.append(holder)
            self._judge_creation(call, fctx, holder, pkg, classifier)
        fields = {f for h in holders for f in h.fields}
        for call, fctx in found.discarded:
            receiver = _receiver(call)
            if receiver is None or not _is_client(receiver, call, fctx, fields, classifier):
                continue
            self.report(
                fctx,
                call,
                f"the error of `{fctx.text(receiver)}.Init(...)` is discarded: if Init fails (unknown "
                "cluster, wrong password, database not selectable) the plugin starts with a client that "
                f"stays not ready and {_NOT_READY}; return the error from the parse function so the "
                "config is rejected",
            )

    def _judge_creation(
        self, call: Node, fctx: FileContext, holder: _Holder, pkg: PackageContext, classifier: Classifier
    ) -> None:
        creator = enclosing_function(call)
        if creator is None:
            return  # a package-level initialiser: nothing runs it on the parse path
        handlers = [h for h in pkg.plugin.handlers if h.phase in (Phase.PARSE, Phase.PLUGIN_START)]
        roots = [
            Root(h.function, h.file, f"the parse function `{h.name}`")
            for h in handlers
            if h.function is not None and h.file is not None
        ]
        parse_names = [r.role for r in roots]
        roots.append(Root(creator, fctx, "the creating function"))
        reached = reach(pkg, roots, classifier=classifier)
        if any(_initialises(r.function, r.file, holder, creator) for r in reached):
            return
        if not parse_names:
            # No registration in this package: the parse path is in another package.
            if _escapes(holder, creator, fctx) or holder.package_variable or any(f[:1].isupper() for f in holder.fields):
                return
            everything = [s for s in pkg.facts.functions.values()] + [
                s for methods in pkg.facts.methods.values() for s in methods.values()
            ]
            if any(_initialises(s.node, s.file, holder, creator) for s in everything):
                return
            where = f"`{_name(creator, fctx)}`, the functions it calls, or anywhere else in this package"
        else:
            if not holder.fields and not holder.package_variable and _escapes(holder, creator, fctx):
                return
            where = " or ".join(parse_names) + " and the functions it calls"
        self.report(
            fctx,
            call,
            f"the Redis client created here and stored in {holder.shown} is never initialised: no "
            f"`Init(...)` call on it in {where}; {_NOT_READY}; call Init in the parse function "
            "and return its error",
        )


def _discarded(call: Node, fctx: FileContext) -> bool:
    parent = call.parent
    if parent is None:
        return False
    if parent.type == "expression_statement":
        return True
    if parent.type != "expression_list":
        return False
    statement = parent.parent
    if statement is None or statement.type != "assignment_statement":
        return False
    left = statement.child_by_field_name("left")
    right = statement.child_by_field_name("right")
    if left is None or right is None or right.id != parent.id:
        return False
    values = right.named_children
    targets = left.named_children
    index = next((i for i, v in enumerate(values) if v.id == call.id), None)
    if index is None or len(values) != len(targets):
        return False
    return fctx.text(targets[index]) == "_"


def _receiver(call: Node) -> Node | None:
    function = call.child_by_field_name("function")
    return function.child_by_field_name("operand") if function is not None else None


def _is_client(
    receiver: Node, call: Node, fctx: FileContext, fields: set[str], classifier: Classifier
) -> bool:
    if receiver.type == "selector_expression":
        member = receiver.child_by_field_name("field")
        if member is not None and fctx.text(member) in fields:
            return True
    type_text = classifier.type_of(receiver, call, fctx)
    return type_text is not None and ("RedisClient" in type_text or "RedisClusterClient" in type_text)


def _holder(call: Node, fctx: FileContext) -> _Holder | None:
    """Where the new client is stored, as far as the creating statement shows."""
    parent = call.parent
    if parent is None:
        return None
    if parent.type == "literal_element":
        keyed = parent.parent
        if keyed is None or keyed.type != "keyed_element":
            return None
        key = keyed.child_by_field_name("key")
        if key is None or key.id == parent.id:
            return None
        name = fctx.text(key)
        literal = keyed.parent.parent if keyed.parent is not None else None
        owner = literal.child_by_field_name("type") if literal is not None else None
        shown = f"the field `{name}` of a `{fctx.text(owner)}`" if owner is not None else f"the field `{name}`"
        return _Holder(frozenset({name}), frozenset(), shown)
    if parent.type == "expression_list":
        statement = parent.parent
        if statement is None:
            return None
        index = next((i for i, v in enumerate(parent.named_children) if v.id == call.id), None)
        if statement.type == "var_spec":
            names = statement.children_by_field_name("name")
            target = names[index] if index is not None and index < len(names) else None
        elif statement.type in ("assignment_statement", "short_var_declaration"):
            left = statement.child_by_field_name("left")
            targets = left.named_children if left is not None else []
            target = targets[index] if index is not None and len(targets) == len(parent.named_children) else None
        else:
            return None
        if target is None:
            return None
        if target.type == "identifier":
            name = fctx.text(target)
            if name == "_":
                return None
            creator = enclosing_function(call)
            fields = _stored_fields(name, creator, fctx) if creator is not None else frozenset()
            package_variable = name in fctx.package.facts.variables and not shadowed(name, target, fctx)
            shown = f"`{name}`" + (f" (then in `{'`, `'.join(sorted(fields))}`)" if fields else "")
            return _Holder(fields, frozenset({name}), shown, package_variable)
        if target.type == "selector_expression":
            member = target.child_by_field_name("field")
            if member is not None:
                return _Holder(frozenset({fctx.text(member)}), frozenset(), f"`{fctx.text(target)}`")
    return None


def _stored_fields(name: str, function: Node, fctx: FileContext) -> frozenset[str]:
    """Fields a local is copied into in its function: ``cfg.client = name``, ``{client: name}``."""
    body = body_of(function)
    if body is None:
        return frozenset()
    found = captures(_ALIAS_QUERY, body)
    fields: set[str] = set()
    for assignment in found.get("assignment", []):
        left = assignment.child_by_field_name("left")
        right = assignment.child_by_field_name("right")
        if left is None or right is None or len(left.named_children) != len(right.named_children):
            continue
        for target, value in zip(left.named_children, right.named_children, strict=True):
            if value.type == "identifier" and fctx.text(value) == name and target.type == "selector_expression":
                member = target.child_by_field_name("field")
                if member is not None:
                    fields.add(fctx.text(member))
    for keyed in found.get("keyed", []):
        key = keyed.child_by_field_name("key")
        element = keyed.child_by_field_name("value")
        if key is not None and element is not None and fctx.text(element) == name:
            fields.add(fctx.text(key))
    return frozenset(fields)


def _escapes(holder: _Holder, function: Node, fctx: FileContext) -> bool:
    """Is a local holder returned or handed to another function (Init may happen there)?"""
    if not holder.names:
        return False
    body = body_of(function)
    if body is None:
        return False
    for node in captures(_ALIAS_QUERY, body).get("escape", []):
        values = node.named_children
        if node.type == "return_statement" and values and values[0].type == "expression_list":
            values = values[0].named_children
        if any(v.type == "identifier" and fctx.text(v) in holder.names for v in values):
            return True
    return False


def _initialises(function: Node, fctx: FileContext, holder: _Holder, creator: Node) -> bool:
    body = body_of(function)
    if body is None:
        return False
    for receiver in captures(_INIT_QUERY, body).get("receiver", []):
        if receiver.type == "selector_expression":
            member = receiver.child_by_field_name("field")
            if member is not None and fctx.text(member) in holder.fields:
                return True
        elif (
            receiver.type == "identifier"
            and fctx.text(receiver) in holder.names
            and (holder.package_variable or function.id == creator.id)
        ):
            return True
    return False


def _name(function: Node, fctx: FileContext) -> str:
    if function.type == "func_literal":
        return f"func literal at line {function.start_point.row + 1}"
    name = function.child_by_field_name("name")
    return fctx.text(name) if name is not None else "function"
