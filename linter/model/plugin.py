"""The plugin model: registrations, handlers and their phases.

Wrapper plugins register with ``wrapper.SetCtx(name, options...)`` (or
``SetCtxWithOptions``/``NewCommonVmCtx*``); each option names a handler whose phase
the option decides. Raw-SDK plugins implement ``OnHttp*`` methods on a type that
embeds ``types.DefaultHttpContext`` or is built by a ``NewHttpContext`` method.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from linter.model.calls import call_parts, called_name
from linter.model.functions import parameters
from linter.model.query import captures
from linter.model.sdk import PROXYWASM, WRAPPERS

if TYPE_CHECKING:
    from linter.rule import FileContext, PackageContext


class Phase(enum.Enum):
    PARSE = "parse"
    PLUGIN_START = "plugin start"
    REQUEST_HEADERS = "request headers"
    REQUEST_BODY = "request body"
    STREAMING_REQUEST_BODY = "streaming request body"
    REQUEST_TRAILERS = "request trailers"
    RESPONSE_HEADERS = "response headers"
    RESPONSE_BODY = "response body"
    STREAMING_RESPONSE_BODY = "streaming response body"
    RESPONSE_TRAILERS = "response trailers"
    STREAM_DONE = "stream done"
    TICK = "tick"

    @property
    def is_request_scoped(self) -> bool:
        return self not in (Phase.PARSE, Phase.PLUGIN_START, Phase.TICK)

    @property
    def is_header(self) -> bool:
        return self in (Phase.REQUEST_HEADERS, Phase.RESPONSE_HEADERS)

    @property
    def is_buffered_body(self) -> bool:
        return self in (Phase.REQUEST_BODY, Phase.RESPONSE_BODY)

    @property
    def is_streaming_body(self) -> bool:
        return self in (Phase.STREAMING_REQUEST_BODY, Phase.STREAMING_RESPONSE_BODY)

    @property
    def is_response(self) -> bool:
        return self in (
            Phase.RESPONSE_HEADERS,
            Phase.RESPONSE_BODY,
            Phase.STREAMING_RESPONSE_BODY,
            Phase.RESPONSE_TRAILERS,
        )


OPTION_PHASES: dict[str, Phase] = {
    "ParseConfig": Phase.PARSE,
    "ParseOverrideConfig": Phase.PARSE,
    "ParseConfigWithContext": Phase.PARSE,
    "ParseRawConfig": Phase.PARSE,
    "ParseOverrideRawConfig": Phase.PARSE,
    "PrePluginStartOrReload": Phase.PLUGIN_START,
    "ProcessRequestHeaders": Phase.REQUEST_HEADERS,
    "ProcessRequestBody": Phase.REQUEST_BODY,
    "ProcessStreamingRequestBody": Phase.STREAMING_REQUEST_BODY,
    "ProcessResponseHeaders": Phase.RESPONSE_HEADERS,
    "ProcessResponseBody": Phase.RESPONSE_BODY,
    "ProcessStreamingResponseBody": Phase.STREAMING_RESPONSE_BODY,
    "ProcessStreamDone": Phase.STREAM_DONE,
}

RAW_METHOD_PHASES: dict[str, Phase] = {
    "OnHttpRequestHeaders": Phase.REQUEST_HEADERS,
    "OnHttpRequestBody": Phase.REQUEST_BODY,
    "OnHttpRequestTrailers": Phase.REQUEST_TRAILERS,
    "OnHttpResponseHeaders": Phase.RESPONSE_HEADERS,
    "OnHttpResponseBody": Phase.RESPONSE_BODY,
    "OnHttpResponseTrailers": Phase.RESPONSE_TRAILERS,
    "OnHttpStreamDone": Phase.STREAM_DONE,
}

REGISTRATION_FUNCTIONS = frozenset(
    {"SetCtx", "SetCtxWithOptions", "NewCommonVmCtx", "NewCommonVmCtxWithOptions"}
)
RAW_ENTRY_POINTS = frozenset({"SetVMContext", "SetPluginContext", "SetHttpContext"})
TICK_FUNCTIONS = frozenset({"RegisterTickFunc", "RegisteTickFunc"})

_ENTRY_FUNCTIONS = REGISTRATION_FUNCTIONS | RAW_ENTRY_POINTS | TICK_FUNCTIONS

_ENTRY_NAMES = frozenset(name.encode() for name in _ENTRY_FUNCTIONS)
"""Also byte searches that skip the many files that register nothing."""

_RETURNED_TYPES_QUERY = """
(return_statement (expression_list [
  (unary_expression operand: (composite_literal type: (type_identifier) @type))
  (composite_literal type: (type_identifier) @type)
]))
"""


@dataclass
class Handler:
    option: str
    """The option as written, without package qualifier: ``ProcessRequestHeadersBy``."""
    phase: Phase
    function: Node | None
    """``function_declaration``, ``method_declaration`` or ``func_literal``; None when
    the handler lives in another package or cannot be resolved."""
    file: FileContext | None
    """The file that holds ``function``."""
    name: str
    option_node: Node
    raw: bool = False

    @property
    def by_variant(self) -> bool:
        return self.option.endswith("By")

    @property
    def config_parameter(self) -> str | None:
        """Name of the by-value config parameter of a wrapper request handler."""
        if self.raw or self.function is None or not self.phase.is_request_scoped:
            return None
        params = parameters(self.function)
        return params[1].name if len(params) > 1 else None


@dataclass
class EntryCall:
    """A call that registers the plugin (or a tick function) with the host."""

    function: str
    node: Node
    file: FileContext
    type_argument: str | None = None


@dataclass
class PluginModel:
    entry_calls: list[EntryCall] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)
    config_type: str | None = None

    @property
    def registrations(self) -> list[EntryCall]:
        return [e for e in self.entry_calls if e.function in REGISTRATION_FUNCTIONS]

    @property
    def request_handlers(self) -> list[Handler]:
        return [h for h in self.handlers if h.phase.is_request_scoped]

    def handlers_of(self, function: Node) -> list[Handler]:
        return [h for h in self.handlers if h.function is not None and h.function.id == function.id]

    @classmethod
    def build(cls, pkg: PackageContext) -> PluginModel:
        model = cls()
        for fctx in pkg.files:
            if not any(name in fctx.file.data for name in _ENTRY_NAMES):
                continue
            for call in fctx.within(fctx.root, "call_expression"):
                if called_name(call) in _ENTRY_NAMES:
                    model._add_entry_call(call, fctx, pkg)
        model._add_raw_handlers(pkg)
        if model.config_type is None:
            model.config_type = _config_type_from_handlers(model.handlers)
        return model

    def _add_entry_call(self, call: Node, fctx: FileContext, pkg: PackageContext) -> None:
        parts = call_parts(call)
        if parts is None:
            return
        callee, args = parts
        allowed = WRAPPERS if callee.name in REGISTRATION_FUNCTIONS | TICK_FUNCTIONS else PROXYWASM
        if not fctx.refers_to(callee.node, allowed, callee.name):
            return
        function_node = call.child_by_field_name("function")
        type_argument = None
        if function_node is not None and function_node.type == "index_expression":
            index = function_node.child_by_field_name("index")
            type_argument = fctx.text(index) if index is not None else None
        self.entry_calls.append(EntryCall(callee.name, call, fctx, type_argument))
        if callee.name in REGISTRATION_FUNCTIONS:
            if type_argument and self.config_type is None:
                self.config_type = type_argument
            for option in args[1:]:
                self._add_option(option, fctx, pkg)
        elif callee.name in TICK_FUNCTIONS and len(args) >= 2:
            self._add_handler("RegisterTickFunc", Phase.TICK, args[1], call, fctx, pkg)

    def _add_option(self, option: Node, fctx: FileContext, pkg: PackageContext) -> None:
        parts = call_parts(option)
        if parts is None:
            return
        callee, args = parts
        if not fctx.refers_to(callee.node, WRAPPERS, callee.name):
            return
        base = callee.name[:-2] if callee.name.endswith("By") else callee.name
        phase = OPTION_PHASES.get(base)
        if phase is None:
            return
        if type_argument := _generic_argument(option, fctx):
            self.config_type = self.config_type or type_argument
        for arg in args:
            self._add_handler(callee.name, phase, arg, option, fctx, pkg)

    def _add_handler(
        self, option: str, phase: Phase, arg: Node, option_node: Node, fctx: FileContext, pkg: PackageContext
    ) -> None:
        function, holder, name = resolve_function_value(arg, fctx, pkg)
        self.handlers.append(Handler(option, phase, function, holder, name, option_node))

    def _add_raw_handlers(self, pkg: PackageContext) -> None:
        facts = pkg.facts
        http_types = {
            name
            for name, symbol in facts.types.items()
            if symbol.kind == "struct"
            and any(t.lstrip("*").endswith("DefaultHttpContext") for t in symbol.fields.values())
        }
        for methods in facts.methods.values():
            constructor = methods.get("NewHttpContext")
            if constructor is not None:
                found = captures(_RETURNED_TYPES_QUERY, constructor.node)
                http_types.update(constructor.file.text(n) for n in found.get("type", []))
        for type_name in sorted(http_types):
            for method_name, symbol in facts.methods.get(type_name, {}).items():
                phase = RAW_METHOD_PHASES.get(method_name)
                if phase is not None:
                    self.handlers.append(
                        Handler(method_name, phase, symbol.node, symbol.file, f"{type_name}.{method_name}", symbol.node, raw=True)
                    )


def _generic_argument(option: Node, fctx: FileContext) -> str | None:
    if option.type == "type_conversion_expression":
        type_node = option.child_by_field_name("type")
        arguments = type_node.child_by_field_name("type_arguments") if type_node is not None else None
        if arguments is not None and arguments.named_children:
            return fctx.text(arguments.named_children[0])
    return None


def _config_type_from_handlers(handlers: list[Handler]) -> str | None:
    for handler in handlers:
        if handler.raw or handler.function is None or handler.file is None:
            continue
        params = parameters(handler.function)
        if handler.phase.is_request_scoped and len(params) > 1 and params[1].type is not None:
            return handler.file.text(params[1].type).lstrip("*")
    return None


def resolve_function_value(
    arg: Node, fctx: FileContext, pkg: PackageContext
) -> tuple[Node | None, FileContext | None, str]:
    """The function a function-valued expression denotes, where it can be known."""
    text = fctx.text(arg)
    if arg.type == "func_literal":
        return arg, fctx, f"func literal at line {arg.start_point.row + 1}"
    facts = pkg.facts
    if arg.type == "identifier":
        symbol = facts.functions.get(text)
        return (symbol.node, symbol.file, text) if symbol else (None, None, text)
    if arg.type == "selector_expression":
        operand = arg.child_by_field_name("operand")
        member = arg.child_by_field_name("field")
        if operand is None or member is None or fctx.qualified(arg) is not None:
            return None, None, text
        method_name = fctx.text(member)
        owners = [t for t, methods in facts.methods.items() if method_name in methods]
        if len(owners) == 1:
            symbol = facts.methods[owners[0]][method_name]
            return symbol.node, symbol.file, text
    return None, None, text
