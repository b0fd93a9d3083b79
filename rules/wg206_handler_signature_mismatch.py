from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.calls import call_parts
from linter.model.functions import Parameter, parameters
from linter.model.plugin import Handler, Phase
from linter.model.sdk import (
    NEW_WRAPPER,
    NEW_WRAPPER_ROOT,
    OLD_WRAPPER,
    OLD_WRAPPER_ROOT,
    TYPES,
    WRAPPERS,
    Generation,
)
from linter.rule import FileContext, PackageContext, Rule

NEW_LOG = NEW_WRAPPER_ROOT + "log"
OLD_LOG = OLD_WRAPPER_ROOT + "log"
IFACE = NEW_WRAPPER_ROOT + "iface"
GJSON = "github.com/tidwall/gjson"

_BUILTINS = frozenset(
    {
        *("bool", "byte", "complex64", "complex128", "error", "float32", "float64", "string", "rune"),
        *("int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"),
        *("uintptr", "any"),
    }
)
_ALIASES = {"uint8": "byte", "int32": "rune", "any": "interface{}"}

_ACTION = frozenset(f"{t}.Action" for t in TYPES)
_LOG_TYPES = frozenset({f"{OLD_WRAPPER}.Log", f"{NEW_WRAPPER}.Log", f"{NEW_LOG}.Log", f"{OLD_LOG}.Log"})
_RIGHT_LOG = {OLD_WRAPPER: f"{OLD_WRAPPER}.Log", NEW_WRAPPER: f"{NEW_LOG}.Log"}
_LOG_SPELLING = {OLD_WRAPPER: "wrapper.Log", NEW_WRAPPER: "log.Log"}
_LOG_PACKAGE = {OLD_WRAPPER: OLD_WRAPPER, NEW_WRAPPER: NEW_LOG}

_KNOWN_MEMBERS = {
    "HttpContext": frozenset({*WRAPPERS, IFACE}),
    "PluginContext": frozenset({*WRAPPERS, IFACE}),
    "Log": frozenset({*WRAPPERS, NEW_LOG, OLD_LOG}),
    "Action": TYPES,
    "Result": frozenset({GJSON}),
}
"""Dot-imported names whose package can be told when several packages are dot-imported."""


@dataclass(frozen=True)
class _Slot:
    kind: str
    """``ctx``, ``plugin``, ``json``, ``bytes``, ``bool``, ``config``, ``config*``, ``global``."""
    shown: str


_CTX = _Slot("ctx", "ctx wrapper.HttpContext")
_CFG = _Slot("config", "config Cfg")
_CFG_PTR = _Slot("config*", "config *Cfg")
_JSON = _Slot("json", "json gjson.Result")

_HEADERS = ((_CTX, _CFG), "action")
_BODY = ((_CTX, _CFG, _Slot("bytes", "body []byte")), "action")
_STREAMING = ((_CTX, _CFG, _Slot("bytes", "chunk []byte"), _Slot("bool", "isLastChunk bool")), "bytes")

_SHAPES: dict[tuple[str, int], tuple[tuple[_Slot, ...], str | None]] = {
    ("ParseConfig", 0): ((_JSON, _CFG_PTR), "error"),
    ("ParseOverrideConfig", 0): ((_JSON, _CFG_PTR), "error"),
    ("ParseOverrideConfig", 1): ((_JSON, _Slot("global", "global Cfg"), _CFG_PTR), "error"),
    ("ParseConfigWithContext", 0): ((_Slot("plugin", "context wrapper.PluginContext"), _JSON, _CFG_PTR), "error"),
    ("ParseRawConfig", 0): ((_Slot("bytes", "configBytes []byte"), _CFG_PTR), "error"),
    ("ParseOverrideRawConfig", 0): ((_Slot("bytes", "configBytes []byte"), _CFG_PTR), "error"),
    ("ParseOverrideRawConfig", 1): (
        (_Slot("bytes", "configBytes []byte"), _Slot("global", "global Cfg"), _CFG_PTR),
        "error",
    ),
    ("ProcessRequestHeaders", 0): _HEADERS,
    ("ProcessResponseHeaders", 0): _HEADERS,
    ("ProcessRequestBody", 0): _BODY,
    ("ProcessResponseBody", 0): _BODY,
    ("ProcessStreamingRequestBody", 0): _STREAMING,
    ("ProcessStreamingResponseBody", 0): _STREAMING,
    ("ProcessStreamDone", 0): ((_CTX, _CFG), None),
}
_BY_OPTIONS = frozenset(
    {
        "ParseConfig",
        "ParseOverrideConfig",
        "ProcessRequestHeaders",
        "ProcessResponseHeaders",
        "ProcessRequestBody",
        "ProcessResponseBody",
        "ProcessStreamingRequestBody",
        "ProcessStreamingResponseBody",
        "ProcessStreamDone",
    }
)
_RESULTS = {
    "action": (_ACTION, "types.Action", "a header or body handler must return the action for the stream"),
    "bytes": (frozenset({"[]byte"}), "[]byte", "a streaming body handler must return the chunk to forward"),
    "error": (frozenset({"error"}), "error", "a parse function must return an error (nil when the config is valid)"),
}


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    function: Node
    file: FileContext
    base: str
    index: int
    option_text: str
    option_line: int
    wrapper: str


class HandlerSignatureMismatch(Rule):
    """## What it does
    Checks each wrapper handler's parameters and result against the option that
    registers it (and the SDK generation): `...By` options pass a trailing log
    parameter (`wrapper.Log` with the old `github.com/alibaba/higress/.../wrapper`,
    `log.Log` from `github.com/higress-group/wasm-go/pkg/log` with the new wrapper),
    other options pass none; header handlers take `(ctx, config)` and return
    `types.Action`, body handlers add `body []byte`, streaming body handlers take
    `(ctx, config, chunk []byte, isLastChunk bool)` and return `[]byte`; parse
    functions take a pointer to the config and return `error`; handlers take the
    config by value. Only handlers whose declaration is in the package (functions,
    func literals, method values) are judged.

    ## Why is this bad?
    The options are generic: the handler's type must match the option's function
    type exactly, so any difference fails the build, often with a confusing
    "type func(...) does not match inferred type func(...)" message. The classic case
    is migrating to the new wrapper and keeping `log wrapper.Log`: the new package
    still declares `type Log log.Log`, but a defined type is distinct from
    `log.Log`. This rule names the parameter and the option instead.

    ## Example
    ```go
    // github.com/higress-group/wasm-go/pkg/wrapper, registered with
    // wrapper.ProcessRequestHeadersBy(onHttpRequestHeaders)
    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config, log wrapper.Log) types.Action {
        return types.ActionContinue
    }
    ```

    ## Use instead
    ```go
    import "github.com/higress-group/wasm-go/pkg/log"

    func onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config, log log.Log) types.Action {
        return types.ActionContinue
    }
    ```
    """

    code = "WG206"
    name = "handler-signature-mismatch"
    severity = Severity.ERROR
    tags = ("correctness", "build")
    precision = "high"

    def check_package(self, pkg: PackageContext) -> None:
        registrations = _registrations(pkg)
        expected_config = _expected_config(pkg, registrations)
        reported: set[tuple[int, int, str]] = set()
        for reg in registrations:
            for where, message in self._check(reg, expected_config, pkg):
                key = (where.start_byte, where.end_byte, message)
                if key not in reported:
                    reported.add(key)
                    self.report(reg.file, where, message)

    def _check(self, reg: _Registration, expected_config: str | None, pkg: PackageContext) -> list[tuple[Node, str]]:
        shape = _SHAPES.get((reg.base, reg.index))
        if shape is None:
            return []
        slots, result = shape
        by = reg.handler.option.endswith("By") and reg.base in _BY_OPTIONS
        params = parameters(reg.function)
        if any(p.variadic for p in params):
            return []
        plist = reg.function.child_by_field_name("parameters") or reg.function
        name = _display(reg)
        config = _short(expected_config) if expected_config is not None else "Cfg"
        right_log = _RIGHT_LOG[reg.wrapper]
        log_text = _LOG_SPELLING[reg.wrapper]
        findings: list[tuple[Node, str]] = []
        expected = len(slots) + (1 if by else 0)
        last = params[-1] if params else None
        last_type = _resolve(last.type, reg.file) if last is not None and last.type is not None else None
        if by and len(params) == len(slots) and last_type not in _LOG_TYPES:
            findings.append(
                (
                    plist,
                    f"{name} is registered with `{reg.option_text}` (line {reg.option_line}), which passes a "
                    f"trailing log parameter (`{log_text}`), but it takes only {_signature(slots, config)}: the build "
                    f"fails; add `log {log_text}` or register it with `{reg.option_text.removesuffix('By')}`",
                )
            )
            return findings
        if not by and len(params) == len(slots) + 1 and last_type in _LOG_TYPES:
            by_name = reg.option_text + "By" if reg.base in _BY_OPTIONS else None
            fix = f"register it with `{by_name}` or drop the parameter" if by_name else "drop the parameter"
            findings.append(
                (
                    plist,
                    f"{name} ends with a log parameter, but `{reg.option_text}` (line {reg.option_line}) passes "
                    f"no log: the build fails; {fix}",
                )
            )
            return findings
        if len(params) != expected:
            shown = _signature(slots, config)
            shown = shown if not by else shown[:-1] + f", log {log_text})"
            findings.append(
                (
                    plist,
                    f"{name} takes {len(params)} parameters, but `{reg.option_text}` (line {reg.option_line}) "
                    f"calls it with {shown}: the build fails",
                )
            )
            return findings
        for slot, param in zip(slots, params, strict=False):
            finding = _check_slot(slot, param, reg, expected_config, pkg)
            if finding is not None:
                findings.append(finding)
        if by and last is not None and last.type is not None and last_type is not None and last_type != right_log:
            findings.append(
                (
                    last.type,
                    f"the log parameter type `{reg.file.text(last.type)}` of {name} does not match "
                    f"`{reg.option_text}` (line {reg.option_line}), which passes a `{log_text}` "
                    f"({_LOG_PACKAGE[reg.wrapper]}): distinct defined types, so the build fails with \"does "
                    f"not match inferred type\"; declare it `log {log_text}`",
                )
            )
        findings.extend(_check_result(result, reg, name))
        return findings


def _registrations(pkg: PackageContext) -> list[_Registration]:
    plugin = pkg.plugin
    option_files: dict[int, tuple[FileContext, str, int, str]] = {}
    for entry in plugin.registrations:
        parts = call_parts(entry.node)
        if parts is None:
            continue
        for option in parts[1][1:]:
            found = call_parts(option)
            if found is None:
                continue
            wrapper = _wrapper_of(found[0].node, entry.file, pkg)
            if wrapper is None:
                continue
            line = option.start_point.row + 1
            option_files[option.id] = (entry.file, entry.file.text(found[0].node), line, wrapper)
    positions: Counter[int] = Counter()
    registrations: list[_Registration] = []
    for handler in plugin.handlers:
        if handler.raw or handler.phase in (Phase.TICK, Phase.PLUGIN_START):
            continue
        found_option = option_files.get(handler.option_node.id)
        index = positions[handler.option_node.id]
        positions[handler.option_node.id] += 1
        if found_option is None or handler.function is None or handler.file is None:
            continue
        if handler.function.has_error:
            continue
        _, option_text, line, wrapper = found_option
        base = handler.option.removesuffix("By")
        registrations.append(
            _Registration(handler, handler.function, handler.file, base, index, option_text, line, wrapper)
        )
    return registrations


def _wrapper_of(callee: Node, fctx: FileContext, pkg: PackageContext) -> str | None:
    qualified = fctx.qualified(callee)
    if qualified is not None:
        return qualified[0] if qualified[0] in WRAPPERS else None
    for path in fctx.imports.dot_imports:
        if path in WRAPPERS:
            return path
    if pkg.generation is Generation.NEW_WRAPPER:
        return NEW_WRAPPER
    if pkg.generation is Generation.OLD_WRAPPER:
        return OLD_WRAPPER
    return None


def _expected_config(pkg: PackageContext, registrations: list[_Registration]) -> str | None:
    """The config type every handler must agree on, canonically named; None when
    the package registers more than once (each registration has its own)."""
    if len(pkg.plugin.registrations) != 1:
        return None
    for entry in pkg.plugin.registrations:
        function = entry.node.child_by_field_name("function")
        if function is not None and function.type == "index_expression":
            index = function.child_by_field_name("index")
            if index is not None:
                return _resolve(index, entry.file)
    votes: Counter[str] = Counter()
    first: str | None = None
    for reg in registrations:
        params = parameters(reg.function)
        slots = _SHAPES.get((reg.base, reg.index), ((), None))[0]
        for slot, param in zip(slots, params, strict=False):
            if slot.kind in ("config", "config*", "global") and param.type is not None:
                inner = param.type
                if inner.type == "pointer_type" and inner.named_children:
                    inner = inner.named_children[0]
                resolved = _resolve(inner, reg.file)
                if resolved is not None:
                    votes[resolved] += 1
                    first = first or resolved if slot.kind == "config" else first
    if not votes:
        return None
    ranked = votes.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return first
    return ranked[0][0]


def _check_slot(
    slot: _Slot, param: Parameter, reg: _Registration, expected_config: str | None, pkg: PackageContext
) -> tuple[Node, str] | None:
    type_node = param.type
    if type_node is None:
        return None
    name = _display(reg)
    text = reg.file.text(type_node)
    where = f"`{reg.option_text}` (line {reg.option_line})"
    if slot.kind in ("config", "config*", "global"):
        pointer = type_node.type == "pointer_type"
        inner = type_node.named_children[0] if pointer and type_node.named_children else type_node
        if slot.kind == "config*" and not pointer:
            return (
                type_node,
                f"{name} takes the config by value (`{text}`), but parse functions get a pointer "
                f"(`*{text}`) to fill, as {where} declares: the build fails, and a copy would be filled "
                "and lost",
            )
        if slot.kind == "global" and pointer:
            return (
                type_node,
                f"{name} takes the global config as `{text}`, but {where} passes the parsed global config "
                f"by value (`{reg.file.text(inner)}`): the build fails",
            )
        if slot.kind == "config" and pointer:
            return (
                type_node,
                f"{name} takes the config as `{text}`, but {where} passes each request the matched config "
                f"by value (`{reg.file.text(inner)}`): the build fails",
            )
        resolved = _resolve(inner, reg.file)
        if expected_config is not None and resolved is not None and resolved != expected_config:
            return (
                type_node,
                f"{name} takes the config as `{text}`, but the other options of this registration use "
                f"`{_short(expected_config)}`: the build fails",
            )
        return None
    resolved = _resolve(type_node, reg.file)
    if resolved is None:
        return None
    accepted = {
        # The wrapper declares `type HttpContext iface.HttpContext`: a distinct type.
        "ctx": f"{reg.wrapper}.HttpContext",
        "plugin": f"{reg.wrapper}.PluginContext",
        "json": f"{GJSON}.Result",
        "bytes": "[]byte",
        "bool": "bool",
    }[slot.kind]
    if resolved == accepted:
        return None
    declared = f"{param.name} {text}" if param.name else text
    return (
        type_node,
        f"{name} takes `{declared}` where {where} passes `{slot.shown}`: the build fails",
    )


def _check_result(result: str | None, reg: _Registration, name: str) -> list[tuple[Node, str]]:
    node = reg.function.child_by_field_name("result")
    where = f"`{reg.option_text}` (line {reg.option_line})"
    if result is None:
        if node is not None:
            return [(node, f"{name} returns `{reg.file.text(node)}`, but {where} expects no result: the build fails")]
        return []
    accepted, shown, why = _RESULTS[result]
    if node is None:
        anchor = reg.function.child_by_field_name("parameters") or reg.function
        return [(anchor, f"{name} returns nothing, but {why} (`{shown}`), as {where} declares: the build fails")]
    resolved = _resolve(node, reg.file)
    if resolved is None or resolved in accepted:
        return []
    return [(node, f"{name} returns `{reg.file.text(node)}`, but {why} (`{shown}`), as {where} declares: the build fails")]


def _signature(slots: tuple[_Slot, ...], config: str) -> str:
    return "(" + ", ".join(s.shown.replace("Cfg", config) for s in slots) + ")"


def _display(reg: _Registration) -> str:
    if reg.function.type == "func_literal":
        return f"the func literal at line {reg.function.start_point.row + 1}"
    return f"`{reg.handler.name}`"


def _short(canonical: str) -> str:
    return canonical.removeprefix("local:").rsplit("/", 1)[-1]


def _resolve(node: Node | None, fctx: FileContext) -> str | None:
    """A canonical name for a type: ``path.Member``, a builtin, ``local:Name``,
    ``[]elem``/``*elem``; None when the declarations do not tell."""
    if node is None:
        return None
    kind = node.type
    if kind == "parenthesized_type" and node.named_children:
        return _resolve(node.named_children[0], fctx)
    if kind == "qualified_type":
        qualified = fctx.qualified(node)
        return f"{qualified[0]}.{qualified[1]}" if qualified is not None else None
    if kind == "type_identifier":
        name = fctx.text(node)
        symbol = fctx.package.facts.types.get(name)
        if symbol is not None:
            return None if symbol.node.type == "type_alias" else f"local:{name}"
        if name in _BUILTINS:
            return _ALIASES.get(name, name)
        return _dot_imported(name, fctx)
    if kind == "slice_type":
        element = _resolve(node.child_by_field_name("element"), fctx)
        return f"[]{element}" if element is not None else None
    if kind == "pointer_type" and node.named_children:
        inner = _resolve(node.named_children[0], fctx)
        return f"*{inner}" if inner is not None else None
    return None


def _dot_imported(name: str, fctx: FileContext) -> str | None:
    dots = fctx.imports.dot_imports
    known = _KNOWN_MEMBERS.get(name)
    if known is not None:
        candidates = [p for p in dots if p in known]
        if len(candidates) == 1:
            return f"{candidates[0]}.{name}"
        return None
    if len(dots) == 1:
        return f"{dots[0]}.{name}"
    return None
