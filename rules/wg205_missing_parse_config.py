from __future__ import annotations

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.calls import call_parts
from linter.model.functions import parameters
from linter.model.plugin import EntryCall, Handler
from linter.model.sdk import WRAPPERS
from linter.rule import PackageContext, Rule

_ZERO_SIZE_FIELD_TYPES = frozenset({"struct{}", "[0]byte", "[0]int"})


class MissingParseConfig(Rule):
    """## What it does
    Flags a wrapper registration (`SetCtx`, `SetCtxWithOptions`, `NewCommonVmCtx`,
    `NewCommonVmCtxWithOptions`) whose config type is a struct with fields but that
    passes no `Parse*` option (`ParseConfig`, `ParseOverrideConfig`,
    `ParseConfigWithContext`, `ParseRawConfig`, `ParseOverrideRawConfig` or a `...By`
    twin). The config type is the registration's type argument, an option's type
    argument, or the config parameter of its handlers.

    ## Why is this bad?
    Without a parse function the wrapper cannot fill a config that has fields: it
    panics while the plugin registers, in `init()` (or `main()` with TinyGo), with
    "the `parseConfig` is missing in NewCommonVmCtx's arguments". The VM never
    loads, so the plugin is never applied. Configs of size zero (`struct{}`) are fine.

    ## Example
    ```go
    type Config struct{ header string }

    func init() {
        wrapper.SetCtx("add-header", wrapper.ProcessRequestHeaders(onHttpRequestHeaders))
    }
    ```

    ## Use instead
    ```go
    func init() {
        wrapper.SetCtx("add-header",
            wrapper.ParseConfig(parseConfig),
            wrapper.ProcessRequestHeaders(onHttpRequestHeaders),
        )
    }

    func parseConfig(json gjson.Result, config *Config) error {
        config.header = json.Get("header").String()
        return nil
    }
    ```
    """

    code = "WG205"
    name = "missing-parse-config"
    severity = Severity.ERROR
    tags = ("correctness", "config")
    precision = "very-high"

    def check_package(self, pkg: PackageContext) -> None:
        plugin = pkg.plugin
        registrations = plugin.registrations
        for entry in registrations:
            options = _options(entry)
            if options is None or any(_is_parse(o) for o in options):
                continue
            handlers = [h for h in plugin.handlers if any(h.option_node.id == o.id for o in options)]
            config_type = _config_type(entry, options, handlers)
            if config_type is None and len(registrations) == 1:
                config_type = plugin.config_type
            if config_type is None:
                continue
            symbol = pkg.facts.types.get(config_type)
            if symbol is None or symbol.kind != "struct":
                continue
            fields = [f for f, t in symbol.fields.items() if t.replace(" ", "") not in _ZERO_SIZE_FIELD_TYPES]
            if not fields:
                continue
            where = _callee(entry.node)
            shown = ", ".join(f"`{f}`" for f in fields[:3]) + (", ..." if len(fields) > 3 else "")
            self.report(
                entry.file,
                where,
                f"`{entry.file.text(where)}` registers config type `{config_type}` that has fields "
                f"({shown}) but passes no Parse* option: the wrapper panics at VM start with \"the "
                "`parseConfig` is missing in NewCommonVmCtx's arguments\", so the plugin never loads; "
                "add wrapper.ParseConfig(parseConfig) (or a struct{} config if it needs none)",
            )


def _callee(call: Node) -> Node:
    function = call.child_by_field_name("function")
    if function is not None and function.type == "index_expression":
        function = function.child_by_field_name("operand") or function
    return function if function is not None else call


def _options(entry: EntryCall) -> list[Node] | None:
    """The option calls of a registration; None when some option is not a visible
    wrapper option call (a spread slice, a variable, a helper's result)."""
    parts = call_parts(entry.node)
    if parts is None:
        return None
    options: list[Node] = []
    for arg in parts[1][1:]:
        option = call_parts(arg)
        if option is None or not entry.file.refers_to(option[0].node, WRAPPERS, option[0].name):
            return None
        options.append(arg)
    return options


def _is_parse(option: Node) -> bool:
    parts = call_parts(option)
    return parts is not None and parts[0].name.startswith("Parse")


def _config_type(entry: EntryCall, options: list[Node], handlers: list[Handler]) -> str | None:
    if entry.type_argument:
        return _base(entry.type_argument)
    for option in options:
        if option.type == "type_conversion_expression":
            type_node = option.child_by_field_name("type")
            arguments = type_node.child_by_field_name("type_arguments") if type_node is not None else None
            if arguments is not None and arguments.named_children:
                return _base(entry.file.text(arguments.named_children[0]))
        function = option.child_by_field_name("function")
        if function is not None and function.type == "index_expression":
            index = function.child_by_field_name("index")
            if index is not None:
                return _base(entry.file.text(index))
    for handler in handlers:
        if handler.function is None or handler.file is None or handler.raw:
            continue
        params = parameters(handler.function)
        if handler.phase.is_request_scoped and len(params) > 1 and params[1].type is not None:
            return _base(handler.file.text(params[1].type))
    return None


def _base(type_text: str) -> str:
    return type_text.strip().lstrip("*")
