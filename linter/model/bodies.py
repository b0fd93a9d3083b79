"""Body buffering facts shared by WG301-WG303: which handlers run before a body is
buffered, what they reach, and where buffer limits are set.

A buffer limit is set with ``ctx.SetRequestBodyBufferLimit(n)`` /
``ctx.SetResponseBodyBufferLimit(n)`` or the raw property
``proxywasm.SetProperty([]string{"set_decoder_buffer_limit"}, []byte(strconv.Itoa(n)))``
(``set_encoder_buffer_limit`` for responses).

Timing: a request body is buffered after the request headers, a response body
after the response headers. Code reached from the request header handler runs
before either body; code reached from the request body handler still runs before
the response body. A limit set there is in time for that direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from linter.lifecycle.ops import Classifier, EventKind
from linter.model.callgraph import Reached, reachable
from linter.model.calls import call_parts, called_name
from linter.model.functions import parameters
from linter.model.plugin import Handler, Phase
from linter.model.sdk import PROXYWASM
from linter.rule import FileContext, PackageContext

REQUEST = "request"
RESPONSE = "response"
DIRECTIONS = (REQUEST, RESPONSE)

SETTERS = {"SetRequestBodyBufferLimit": REQUEST, "SetResponseBodyBufferLimit": RESPONSE}
PROPERTIES = {"set_decoder_buffer_limit": REQUEST, "set_encoder_buffer_limit": RESPONSE}

_LIMIT_NAMES = frozenset({b"SetRequestBodyBufferLimit", b"SetResponseBodyBufferLimit", b"SetProperty"})

HEADER_PHASE = {REQUEST: Phase.REQUEST_HEADERS, RESPONSE: Phase.RESPONSE_HEADERS}
BODY_PHASE = {REQUEST: Phase.REQUEST_BODY, RESPONSE: Phase.RESPONSE_BODY}
IN_TIME_PHASES = {
    REQUEST: (Phase.REQUEST_HEADERS,),
    RESPONSE: (Phase.REQUEST_HEADERS, Phase.REQUEST_BODY, Phase.STREAMING_REQUEST_BODY, Phase.RESPONSE_HEADERS),
}
"""Handlers that run before the body of a direction is buffered."""


@dataclass(frozen=True)
class LimitCall:
    call: Node
    file: FileContext
    direction: str
    size: Node | None
    """The byte-count expression (``n`` of ``strconv.Itoa(n)`` for the raw form);
    a string literal when the property value is written as one."""


def limit_call(call: Node, fctx: FileContext) -> LimitCall | None:
    """A buffer-limit setter call, or None."""
    parts = call_parts(call)
    if parts is None:
        return None
    callee, args = parts
    if callee.name in SETTERS:
        if callee.qualifier is None or fctx.qualified(callee.node) is not None or len(args) != 1:
            return None
        return LimitCall(call, fctx, SETTERS[callee.name], args[0])
    if callee.name == "SetProperty" and len(args) == 2 and fctx.refers_to(callee.node, PROXYWASM, "SetProperty"):
        path = args[0]
        if path.type != "composite_literal":
            return None
        text = fctx.text(path)
        for prop, direction in PROPERTIES.items():
            if f'"{prop}"' in text:
                return LimitCall(call, fctx, direction, _property_value(args[1], fctx))
    return None


def _property_value(node: Node, fctx: FileContext) -> Node | None:
    """``[]byte(strconv.Itoa(n))`` -> ``n``; ``[]byte("1024")`` -> the literal."""
    if node.type == "type_conversion_expression":
        inner = node.child_by_field_name("operand")
        if inner is None:
            return None
        node = inner
    if node.type == "call_expression":
        parts = call_parts(node)
        if parts is not None:
            callee, args = parts
            if args and fctx.refers_to(callee.node, {"strconv"}, "Itoa", "FormatInt", "FormatUint"):
                return args[0]
        return None
    if node.type in ("interpreted_string_literal", "raw_string_literal"):
        return node
    return None


def limit_calls_in(function: Node, fctx: FileContext) -> list[LimitCall]:
    body = function.child_by_field_name("body")
    if body is None:
        return []
    found = []
    for call in fctx.within(body, "call_expression"):
        if called_name(call) not in _LIMIT_NAMES:
            continue
        limit = limit_call(call, fctx)
        if limit is not None:
            found.append(limit)
    return found


@dataclass
class Reach:
    """Functions reached from the handlers of some phases."""

    functions: dict[int, Reached]
    handlers: list[Handler]
    unresolved: bool
    """Some handler of these phases lives in another package or cannot be resolved."""
    package: PackageContext | None = None


@dataclass
class _Cache:
    """Per package (WG301 and WG302 ask the same questions), kept on the package."""

    reaches: dict[tuple[tuple[Phase, ...], bool, str | None], Reach] = field(default_factory=dict)
    limits: dict[int, list[LimitCall]] = field(default_factory=dict)


def _cache(pkg: PackageContext) -> _Cache:
    cache = pkg.memo.get(__name__)
    if not isinstance(cache, _Cache):
        cache = pkg.memo[__name__] = _Cache()
    return cache


def reach_of(
    pkg: PackageContext, phases: tuple[Phase, ...], wrapper_only: bool = False, opaque: str | None = None
) -> Reach:
    """What the handlers of ``phases`` reach. With ``opaque="context"`` a reached call
    that hands the HttpContext to code of another package (or to an unresolved
    method) makes the reach unresolved; with ``opaque="any"`` any call into another
    package that may have effects does."""
    cache = _cache(pkg)
    key = (phases, wrapper_only, opaque)
    known = cache.reaches.get(key)
    if known is None:
        known = cache.reaches[key] = _reach(pkg, phases, wrapper_only, opaque, cache)
    return known


def _reach(
    pkg: PackageContext, phases: tuple[Phase, ...], wrapper_only: bool, opaque: str | None, cache: _Cache
) -> Reach:
    handlers = [h for h in pkg.plugin.handlers if h.phase in phases and not (wrapper_only and h.raw)]
    roots = [(h.function, h.file) for h in handlers if h.function is not None and h.file is not None]
    unresolved = any(h.function is None or h.file is None for h in handlers)
    functions = reachable(roots, pkg)
    if not unresolved and opaque is not None:
        classifier = pkg.classifier
        unresolved = any(_delegates(item, classifier, opaque == "context") for item in functions.values())
    return Reach(functions, handlers, unresolved, pkg)


def _delegates(item: Reached, classifier: Classifier, context_only: bool) -> bool:
    """Does ``item`` call code the analysis cannot see (and, if ``context_only``, hand
    it the request's HttpContext)?"""
    fctx = item.file
    body = item.node.child_by_field_name("body")
    if body is None:
        return False
    contexts = {p.name for p in parameters(item.node) if p.name and "HttpContext" in p.type_text}
    if context_only and not contexts:
        return False
    for call in fctx.within(body, "call_expression"):
        parts = call_parts(call)
        if parts is None:
            continue
        callee, args = parts
        if context_only and not any(a.type == "identifier" and fctx.text(a) in contexts for a in args):
            continue
        event = classifier.classify(call, fctx)
        if event is not None and event.kind is EventKind.OPAQUE:
            return True
        if context_only and event is None and callee.qualifier is not None:
            qualifier = callee.qualifier
            if not (qualifier.type == "identifier" and fctx.imports.path_of(fctx.text(qualifier)) is not None):
                return True  # a method of a value whose type is not known: it gets the context
    return False


def limits_in(reach: Reach) -> list[LimitCall]:
    found: list[LimitCall] = []
    seen: set[int] = set()
    cache = _cache(reach.package) if reach.package is not None else None
    for item in reach.functions.values():
        calls = cache.limits.get(item.node.id) if cache is not None else None
        if calls is None:
            calls = limit_calls_in(item.node, item.file)
            if cache is not None:
                cache.limits[item.node.id] = calls
        for limit in calls:
            if limit.call.id not in seen:
                seen.add(limit.call.id)
                found.append(limit)
    return found
