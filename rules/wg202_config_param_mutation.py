from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.functions import body_of, parameters
from linter.model.lvalues import access_chain
from linter.model.query import captures
from linter.rule import FileContext, PackageContext, Rule

_QUERY = """
(assignment_statement left: (expression_list (_) @target))
(inc_statement (_) @target)
(dec_statement (_) @target)
(func_literal) @literal
(call_expression function: (identifier) @callee arguments: (argument_list) @arguments)
"""

_SHARED_PREFIXES = ("map[", "[]", "*")


@dataclass(frozen=True)
class _Work:
    function: Node
    file: FileContext
    parameter: str
    config_type: str


class ConfigParamMutation(Rule):
    """## What it does
    Flags writes to the config parameter of a request handler, of a callback that
    captures it, or of a same-package helper the handler passes it to.

    ## Why is this bad?
    Handlers receive the matched config **by value**. Assigning a field
    (`cfg.lastUser = u`, `cfg.count++`) changes only this call's copy: the value is
    lost when the handler returns. Writing through a map, slice or pointer field
    (`cfg.seen[k] = v`, `cfg.state.user = u`) changes state that every request
    matching the rule shares on this VM, including interleaved callbacks of other
    requests: one user's data leaks into another's request. The config is meant to be
    written only by the parse function.

    ## Example
    ```go
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {
        cfg.currentUser, _ = proxywasm.GetHttpRequestHeader("x-user") // lost
        cfg.seen[ctx.Path()]++                                        // shared by all requests
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

    code = "WG202"
    name = "config-param-mutation"
    severity = Severity.WARNING
    tags = ("correctness", "state")
    precision = "high"

    def check_package(self, pkg: PackageContext) -> None:
        work: list[_Work] = []
        for handler in pkg.plugin.request_handlers:
            parameter = handler.config_parameter
            if handler.function is None or handler.file is None or parameter is None:
                continue
            params = parameters(handler.function)
            config_type = handler.file.text(params[1].type).lstrip("*") if params[1].type else ""
            work.append(_Work(handler.function, handler.file, parameter, config_type))
        seen: set[tuple[int, str]] = set()
        while work:
            item = work.pop()
            key = (item.function.id, item.parameter)
            if key in seen:
                continue
            seen.add(key)
            work.extend(self._check_function(item, pkg))

    def _check_function(self, item: _Work, pkg: PackageContext) -> list[_Work]:
        body = body_of(item.function)
        if body is None or body.has_error:
            return []
        found = captures(_QUERY, body)
        shadows = [
            (lit.start_byte, lit.end_byte)
            for lit in found.get("literal", [])
            if any(p.name == item.parameter for p in parameters(lit))
        ]
        fctx = item.file

        def visible(node: Node) -> bool:
            return not any(start <= node.start_byte < end for start, end in shadows)

        fields = pkg.facts.types.get(item.config_type)
        data, name = fctx.file.data, item.parameter.encode()
        targets = [
            t
            for t in found.get("target", [])
            if visible(t) and (data.startswith(name, t.start_byte) or data[t.start_byte : t.start_byte + 1] in b"(*")
        ]  # written through the parameter (`cfg.x`, `(*cfg).x`), as far as the bytes tell
        if targets:
            uses = _uses_outside(targets, captures(_uses_query(item.parameter), body).get("use", []))
            for target in targets:
                self._check_target(target, item, fields.fields if fields else None, fctx, uses)
        return self._helpers(found, item, pkg, visible)

    def _check_target(
        self,
        target: Node,
        item: _Work,
        fields: dict[str, str] | None,
        fctx: FileContext,
        uses: list[Node],
    ) -> None:
        chain = _access_chain(target, fctx)
        if not chain or chain[0] != item.parameter or len(chain) < 2:
            return
        field_name = chain[1]
        written = fctx.text(target)
        used_later = any(
            use.start_byte >= target.end_byte and _used_field(use, fctx) in (None, field_name) for use in uses
        )
        field_type = fields.get(field_name) if fields is not None else None
        lost = len(chain) == 2 or (field_type is not None and not field_type.startswith(_SHARED_PREFIXES))
        if lost and used_later:
            return  # scratch use: the changed copy is read or handed on afterwards
        if len(chain) == 2:
            self.report(
                fctx,
                target,
                f"`{written}` is assigned on this request's copy of the config ({item.config_type} is "
                "passed by value): the change is lost when the handler returns; keep per-request "
                "data in ctx.SetContext",
            )
            return
        if lost:
            self.report(
                fctx,
                target,
                f"`{written}` writes into the field `{field_name}` of this request's copy of the config: "
                "the change is lost when the handler returns; keep per-request data in ctx.SetContext",
            )
            return
        self.report(
            fctx,
            target,
            f"`{written}` writes through the config field `{field_name}`, which is shared by every "
            "request matching this rule on the VM: data leaks between requests; keep per-request "
            "data in ctx.SetContext and write the config only in the parse function",
        )

    def _helpers(
        self, found: dict[str, list[Node]], item: _Work, pkg: PackageContext, visible: Callable[[Node], bool]
    ) -> list[_Work]:
        more: list[_Work] = []
        for callee, arguments in zip(found.get("callee", []), found.get("arguments", []), strict=False):
            if not visible(callee):
                continue
            symbol = pkg.facts.functions.get(item.file.text(callee))
            if symbol is None:
                continue
            params = parameters(symbol.node)
            for index, arg in enumerate(a for a in arguments.named_children if a.type != "comment"):
                if arg.type != "identifier" or item.file.text(arg) != item.parameter:
                    continue
                if index < len(params) and params[index].name and not params[index].type_text.startswith("*"):
                    more.append(_Work(symbol.node, symbol.file, params[index].name or "", item.config_type))
        return more


def _uses_query(name: str) -> str:
    escaped = name.replace("\\", "").replace('"', "")
    return f'((identifier) @use (#eq? @use "{escaped}"))'


def _uses_outside(targets: list[Node], uses: list[Node]) -> list[Node]:
    """Occurrences of the parameter that are not the root of a write target."""
    spans = [(t.start_byte, t.end_byte) for t in targets]
    return [u for u in uses if not any(start <= u.start_byte < end for start, end in spans)]


def _used_field(use: Node, fctx: FileContext) -> str | None:
    """The field read through ``use`` (``cfg.f`` -> ``f``), None for the whole value."""
    parent = use.parent
    if parent is not None and parent.type == "selector_expression":
        operand = parent.child_by_field_name("operand")
        field = parent.child_by_field_name("field")
        if operand is not None and operand.id == use.id and field is not None:
            return fctx.text(field)
    return None


def _access_chain(target: Node, fctx: FileContext) -> list[str]:
    """``cfg.a[k].b`` -> ``["cfg", "a", "[]", "b"]``; empty when not rooted at a name."""
    found = access_chain(target)
    if found is None:
        return []
    root, steps = found
    return [fctx.text(root), *("[]" if step.type == "index_expression" else fctx.text(step) for step in steps)]
    return []
