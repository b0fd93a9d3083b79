#!/usr/bin/env python3
"""Generate a synthetic corpus of Go proxy-wasm plugins for benchmarking wasm-go-lint.

    python benchmarks/gen_corpus.py --out benchmarks/corpus --size-mb 4 --seed 1 [--check]

The corpus looks like a large plugin monorepo: ``extensions/<plugin>/`` directories,
each a ``package main`` of about ten files plus a ``go.mod``, some with an
``internal/<name>/`` helper package. The plugins mix both wrapper SDK generations
(``github.com/higress-group/wasm-go`` and the old ``github.com/alibaba/higress/...``
wrapper) with raw ``proxy-wasm-go-sdk`` plugins, and contain config structs parsed
with gjson, header/body handlers, HTTP and Redis calls with callbacks, helpers that
call each other across files, types with value and pointer receivers, and a few
percent of functions with a deliberate pitfall (code after return, a goroutine,
``time.Sleep``, a field write through a value receiver, ...), so rules have work.

All code is produced from templates in this file. Output is deterministic for a
given seed and size. 1 MB = 1,000,000 bytes. ``--check`` parses every generated
file with tree-sitter-go and fails if any tree contains an ERROR or MISSING node.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

MB = 1_000_000
MANIFEST = "MANIFEST.json"
MODULE_ROOT = "github.com/example-gw/plugins/extensions"

NEW_WRAPPER = "github.com/higress-group/wasm-go/pkg/wrapper"
NEW_LOG = "github.com/higress-group/wasm-go/pkg/log"
OLD_WRAPPER = "github.com/alibaba/higress/plugins/wasm-go/pkg/wrapper"
PROXYWASM = "github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
TYPES = "github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"

STD_PATHS = {
    "bytes": "bytes",
    "errors": "errors",
    "fmt": "fmt",
    "http": "net/http",
    "math": "math",
    "sort": "sort",
    "strconv": "strconv",
    "strings": "strings",
    "time": "time",
    "url": "net/url",
}
THIRD_PARTY = {
    "gjson": "github.com/tidwall/gjson",
    "sjson": "github.com/tidwall/sjson",
    "resp": "github.com/tidwall/resp",
    "proxywasm": PROXYWASM,
    "types": TYPES,
}

GO_KEYWORDS = frozenset([
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
    "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
    "return", "select", "struct", "switch", "type", "var",
])
RESERVED = GO_KEYWORDS | frozenset(
    [*STD_PATHS, *THIRD_PARTY, "wrapper", "log", "ctx", "config", "cfg", "err", "json", "len", "cap",
     "append", "make", "new", "string", "int", "bool", "byte", "error", "true", "false", "nil",
     "copy", "delete", "panic", "print", "close", "min", "max", "clear", "h", "p", "c", "body"]
)

NOUNS = [
    "token", "user", "tenant", "route", "quota", "consumer", "apiKey", "session", "policy",
    "rule", "header", "client", "service", "scope", "claim", "origin", "model", "prompt",
    "region", "upstream", "endpoint", "identity", "signature", "nonce", "bucket", "window",
    "domain", "cookie", "version", "label", "trace", "account", "role", "group", "host",
]
VERBS = [
    "normalize", "build", "parse", "resolve", "match", "extract", "validate", "lookup",
    "compute", "format", "check", "render", "split", "merge", "select", "encode", "decode",
    "filter", "collect", "apply", "derive", "sanitize", "classify", "compare", "score",
]
HEADERS = [
    "x-user-id", "x-tenant-id", "x-request-id", "authorization", "x-api-key", "x-forwarded-for",
    "x-real-ip", "x-consumer", "x-trace-id", "x-mse-consumer", "user-agent", "x-client-version",
    "x-route-name", "x-canary", "cookie", "x-region", "x-model", "x-signature", "x-timestamp",
]
PATHS = ["/api/v1", "/internal", "/healthz", "/v1/chat/completions", "/login", "/admin",
         "/static/", "/graphql", "/v2/", "/metrics", "/oauth/token", "/.well-known/"]
WORDS = ["default", "public", "internal", "premium", "basic", "gray", "blue", "green", "beta",
         "stable", "admin", "guest", "anonymous", "primary", "backup", "east", "west", "gpt-4o",
         "qwen-max", "deny", "allow", "shadow", "strict", "lenient"]
JSON_KEYS = ["data.user", "data.tenant", "result.allowed", "code", "message", "model",
             "messages.0.content", "usage.total_tokens", "user.id", "claims.sub", "choices.0.text",
             "error.type", "stream", "metadata.region", "access_token", "expires_in"]
PLUGIN_HEADS = ["ext", "ai", "key", "jwt", "basic", "hmac", "ip", "geo", "canary", "traffic",
                "request", "response", "cache", "quota", "token", "bot", "waf", "cors", "oauth",
                "opa", "header", "body", "path", "model", "prompt", "log", "trace", "rate",
                "circuit", "mirror", "tenant", "consumer", "gray", "sign", "replay", "de-graph"]
PLUGIN_TAILS = ["auth", "guard", "limit", "router", "rewrite", "filter", "transformer", "proxy",
                "validator", "cache", "mapper", "detector", "injector", "statistics", "breaker",
                "restriction", "redirect", "tagger", "blacklist", "quota", "security", "audit"]
EXTRA_FILES = ["headers.go", "matcher.go", "cache.go", "types.go", "util.go", "metrics.go",
               "transform.go", "rules.go", "token.go", "policy.go", "request.go", "body.go",
               "consumer.go", "route.go", "signature.go", "limiter.go", "errors.go",
               "constants.go", "tenant.go", "stats.go"]
THEME_OF = {
    "cache.go": "typed", "limiter.go": "typed", "metrics.go": "typed", "stats.go": "typed",
    "types.go": "enums", "constants.go": "enums", "errors.go": "enums",
    "headers.go": "headers", "request.go": "headers", "body.go": "headers",
    "matcher.go": "matcher", "rules.go": "matcher", "route.go": "matcher", "policy.go": "matcher",
}
PITFALLS = ("code_after_return", "goroutine", "time_sleep", "value_receiver_write",
            "global_write", "unchecked_assertion", "callback_missing_resume")


def camel(*parts: str) -> str:
    head, *tail = parts
    return head + "".join(p[:1].upper() + p[1:] for p in tail)


def block(lines: list[str]) -> list[str]:
    return ["\t" + line if line else line for line in lines]


def quote(text: str) -> str:
    return json.dumps(text)


# --------------------------------------------------------------------------- scopes


@dataclass
class Var:
    name: str
    typ: str
    assignable: bool = True


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Var] = dict(parent.vars) if parent else {}

    def add(self, name: str, typ: str, assignable: bool = True) -> str:
        self.vars[name] = Var(name, typ, assignable)
        return name

    def of(self, typ: str, assignable: bool = False) -> list[str]:
        return [v.name for v in self.vars.values() if v.typ == typ and (v.assignable or not assignable)]

    def has(self, name: str) -> bool:
        return name in self.vars

    def fresh(self, base: str) -> str:
        name, i = base, 2
        while name in self.vars or name in RESERVED:
            name, i = f"{base}{i}", i + 1
        return name


@dataclass
class Fn:
    """What the statement generator needs to know about the function it fills."""

    results: tuple[str, ...] = ()
    plugin_ctx: bool = True
    """Host APIs (proxywasm.*) and logging are available."""
    pitfall: str | None = None
    in_callback: bool = False
    returns_seen: int = 0

    @property
    def may_return_early(self) -> bool:
        """Early returns in a callback would leave the stream paused: only planted ones."""
        return not self.in_callback


@dataclass(frozen=True)
class Helper:
    name: str
    params: tuple[str, ...]
    results: tuple[str, ...]


@dataclass
class ConfigField:
    name: str
    typ: str
    key: str


# --------------------------------------------------------------------------- plugin model


@dataclass
class Plugin:
    name: str
    sdk: str  # "new", "old", "raw"
    directory: str
    module: str
    cfg_type: str
    fields: list[ConfigField]
    uses_http: bool
    uses_redis: bool
    handlers: list[str]
    register_in_init: bool
    by_handlers: bool
    subpackage: str | None = None
    helpers: list[Helper] = field(default_factory=list)
    external: list[Helper] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    deny: str = "sendDeny"
    async_helpers: list[tuple[str, str]] = field(default_factory=list)
    """(name, kind) of same-package functions that dispatch an async op."""
    rule_type: str | None = None
    rule_matchers: list[str] = field(default_factory=list)
    called: set[str] = field(default_factory=set)
    pending: list[tuple[str, str]] = field(default_factory=list)
    """(async helper, pitfall kind) planted in that helper's callback."""
    globals: list[tuple[str, str]] = field(default_factory=list)

    @property
    def cfg_param(self) -> str:
        return "cfg" if self.sdk == "raw" else "config"

    def field_of(self, typ: str) -> list[ConfigField]:
        return [f for f in self.fields if f.typ == typ]

    def unique(self, base: str) -> str:
        name, i = base, 2
        while name in self.names or name in RESERVED:
            name, i = f"{base}{i}", i + 1
        self.names.add(name)
        return name


class FileGen:
    """Builds one Go file: collects the imports its declarations use."""

    def __init__(self, gen: CorpusGen, plugin: Plugin, package: str, in_plugin: bool) -> None:
        self.g = gen
        self.r = gen.rng
        self.p = plugin
        self.package = package
        self.in_plugin = in_plugin
        self.imports: set[str] = set()
        self.decls: list[str] = []

        self.current_async: str | None = None
        """The async helper being generated, if any."""

    def plant(self, kind: str) -> None:
        """Count a planted pitfall. One in the callback of an async helper only matters
        if a handler dispatches that helper; ``PluginWriter`` settles those at the end."""
        if self.current_async and kind in ("callback_missing_resume", "unchecked_assertion"):
            self.p.pending.append((self.current_async, kind))
        else:
            self.g.pitfalls[kind] += 1

    # ------------------------------------------------------------------ output

    def use(self, *keys: str) -> None:
        self.imports.update(keys)

    def import_path(self, key: str) -> str:
        if key in STD_PATHS:
            return STD_PATHS[key]
        if key == "wrapper":
            return NEW_WRAPPER if self.p.sdk == "new" else OLD_WRAPPER
        if key == "log":
            return NEW_LOG
        if key == "util":
            assert self.p.subpackage is not None
            return f"{self.p.module}/internal/{self.p.subpackage}"
        return THIRD_PARTY[key]

    def render(self) -> str:
        std = sorted(self.import_path(k) for k in self.imports if k in STD_PATHS)
        other = sorted(self.import_path(k) for k in self.imports if k not in STD_PATHS)
        out = [f"package {self.package}", ""]
        if len(std) + len(other) == 1:
            out += [f"import {quote((std + other)[0])}", ""]
        elif std or other:
            out.append("import (")
            out += [f"\t{quote(p)}" for p in std]
            if std and other:
                out.append("")
            out += [f"\t{quote(p)}" for p in other]
            out += [")", ""]
        for decl in self.decls:
            out += [decl, ""]
        return "\n".join(out).rstrip("\n") + "\n"

    def size(self) -> int:
        return sum(len(d) + 2 for d in self.decls) + 40 * len(self.imports) + 40

    def add(self, lines: list[str]) -> None:
        self.decls.append("\n".join(lines))

    # ------------------------------------------------------------------ logging

    def log(self, sc: Scope, level: str, msg: str, args: list[str]) -> str:
        tail = "".join(", " + a for a in args)
        if not self.in_plugin:
            return ""
        if self.p.sdk == "new" or (sc.has("log") and sc.vars["log"].typ == "log"):
            if self.p.sdk == "new" and not sc.has("log"):
                self.use("log")
            return f"log.{level}f({quote(msg)}{tail})"
        self.use("proxywasm")
        return f"proxywasm.Log{level}f({quote(msg)}{tail})"

    def log_any(self, sc: Scope) -> str:
        level = self.r.choice(["Debug", "Debug", "Info", "Warn"])
        strs = sc.of("string")
        ints = sc.of("int")
        if strs and self.r.random() < 0.6:
            v = self.r.choice(strs)
            return self.log(sc, level, f"{self.r.choice(NOUNS)} {self.r.choice(['resolved', 'is', 'matched', 'rejected', 'set to'])} %s", [v])
        if ints and self.r.random() < 0.5:
            v = self.r.choice(ints)
            return self.log(sc, level, f"{self.r.choice(NOUNS)} count: %d", [v])
        return self.log(sc, level, f"{self.p.name}: {self.r.choice(['skip', 'pass', 'check', 'done'])} {self.r.choice(NOUNS)}", [])

    # ------------------------------------------------------------------ expressions

    def pick(self, names: list[str]) -> str:
        """Prefer recently declared variables, as real code uses what it just computed."""
        if len(names) > 2 and self.r.random() < 0.6:
            return self.r.choice(names[-2:])
        return self.r.choice(names)

    def lit(self) -> str:
        pool = self.r.choice([WORDS, HEADERS, PATHS, NOUNS])
        return quote(self.r.choice(pool))

    def s_expr(self, sc: Scope) -> str:
        r = self.r
        strs, ints, maps = sc.of("string"), sc.of("int"), sc.of("map[string]string")
        opts: list[tuple[str, tuple[str, ...]]] = [(self.lit(), ())]
        if strs:
            a, b = self.pick(strs), r.choice(strs)
            opts += [
                (a, ()), (a, ()),
                (f"strings.ToLower({a})", ("strings",)),
                (f"strings.TrimSpace({a})", ("strings",)),
                (f"strings.TrimPrefix({a}, {quote(r.choice(PATHS))})", ("strings",)),
                (f"{a} + {quote(r.choice([':', '/', '-', '|', '.']))} + {b}", ()),
                (f"fmt.Sprintf({quote(r.choice(['%s:%s', '%s/%s', '%s-%s', '%s@%s']))}, {a}, {b})", ("fmt",)),
                (f"strings.ReplaceAll({a}, {quote(r.choice(['-', '/', ' ']))}, {quote(r.choice(['_', '.', '']))})", ("strings",)),
            ]
        if ints:
            opts.append((f"strconv.Itoa({r.choice(ints)})", ("strconv",)))
        if maps and strs:
            opts.append((f"{r.choice(maps)}[{r.choice(strs)}]", ()))
        text, keys = r.choice(opts)
        self.use(*keys)
        return text

    def i_expr(self, sc: Scope) -> str:
        r = self.r
        strs, ints, slices = sc.of("string"), sc.of("int"), sc.of("[]string")
        opts: list[tuple[str, tuple[str, ...]]] = [(str(r.choice([0, 1, 2, 3, 8, 16, 64, 100, 1024])), ())]
        if strs:
            s = self.pick(strs)
            opts += [(f"len({s})", ()), (f"strings.Count({s}, {quote(r.choice(['/', '.', ',', ':']))})", ("strings",)),
                     (f"strings.Index({s}, {quote(r.choice(['/', '=', ':']))})", ("strings",))]
        if ints:
            n = self.pick(ints)
            opts += [(n, ()), (n, ()), (f"{n} + {r.randint(1, 9)}", ()), (f"{n} * {r.choice([2, 10, 1000])}", ()),
                     (f"{n} % {r.choice([7, 16, 100])}", ())]
        if slices:
            opts.append((f"len({r.choice(slices)})", ()))
        text, keys = r.choice(opts)
        self.use(*keys)
        return text

    def cond(self, sc: Scope, depth: int = 0) -> str:
        r = self.r
        strs, ints, bools = sc.of("string"), sc.of("int"), sc.of("bool")
        slices, maps, errs = sc.of("[]string"), sc.of("map[string]string"), sc.of("error")
        opts: list[tuple[str, tuple[str, ...]]] = []
        if strs:
            s = self.pick(strs)
            opts += [
                (f'{s} == ""', ()), (f'{s} != ""', ()),
                (f"{s} == {self.lit()}", ()),
                (f"strings.HasPrefix({s}, {quote(r.choice(PATHS + WORDS))})", ("strings",)),
                (f"strings.Contains({s}, {quote(r.choice(['/', 'Bearer ', '..', 'admin', '%', ';']))})", ("strings",)),
                (f"strings.EqualFold({s}, {quote(r.choice(WORDS))})", ("strings",)),
                (f"len({s}) > {r.choice([0, 8, 64, 256])}", ()),
            ]
        if ints:
            n = r.choice(ints)
            opts += [(f"{n} > {r.choice([0, 1, 10, 100])}", ()), (f"{n} <= {r.choice([0, 3, 32])}", ()),
                     (f"{n} == {r.choice([0, 1, -1])}", ())]
        if bools:
            b = self.pick(bools)
            opts += [(b, ()), (f"!{b}", ()), (b, ())]
        if slices:
            opts += [(f"len({r.choice(slices)}) == 0", ()), (f"len({r.choice(slices)}) > 1", ())]
        if maps and strs:
            opts.append((f"{r.choice(maps)}[{r.choice(strs)}] != \"\"", ()))
        if errs:
            opts.append((f"{r.choice(errs)} != nil", ()))
        if not opts:
            opts.append((r.choice(["true", "false"]), ()))
        text, keys = r.choice(opts)
        self.use(*keys)
        if depth == 0 and r.random() < 0.25:
            other = self.cond(sc, 1)
            text = f"{text} {r.choice(['&&', '||'])} {other}"
        return text

    def zero(self, typ: str, sc: Scope, err_text: str | None = None) -> str:
        if typ == "string":
            return self.r.choice(['""', self.s_expr(sc)])
        if typ == "int":
            return self.r.choice(["0", "-1", self.i_expr(sc)])
        if typ == "bool":
            return self.r.choice(["false", "true"])
        if typ == "error":
            if err_text:
                return err_text
            if sc.of("error") and self.r.random() < 0.5:
                return self.r.choice(sc.of("error"))
            if self.r.random() < 0.5:
                return "nil"
            self.use("fmt")
            strs = sc.of("string")
            if strs:
                return f"fmt.Errorf({quote('invalid ' + self.r.choice(NOUNS) + ': %q')}, {self.r.choice(strs)})"
            return f"fmt.Errorf({quote(self.r.choice(NOUNS) + ' is not configured')})"
        if typ == "[]string":
            return self.r.choice(["nil", *sc.of("[]string")])
        if typ == "[]byte":
            strs = sc.of("string")
            return f"[]byte({self.r.choice(strs)})" if strs and self.r.random() < 0.6 else "nil"
        if typ == "map[string]string":
            return self.r.choice(["nil", *sc.of("map[string]string")])
        if typ == "types.Action":
            self.use("types")
            return "types.ActionContinue"
        if typ == "float64":
            return "0"
        if typ == "[][2]string":
            return "nil"
        return "nil"

    def ret(self, fn: Fn, sc: Scope, final: bool = False) -> str:
        fn.returns_seen += 1
        if not fn.results:
            return "return"
        vals = []
        for typ in fn.results:
            if typ == "error" and not final and len(fn.results) > 1:
                vals.append(self.zero("error", sc, "err" if sc.of("error") else None))
            else:
                vals.append(self.zero(typ, sc))
        if final and fn.results[-1] == "error" and self.r.random() < 0.8:
            vals[-1] = "nil"
        return "return " + ", ".join(vals)

    # ------------------------------------------------------------------ statements

    def stmts(self, fn: Fn, sc: Scope, depth: int, n: int) -> list[str]:
        out: list[str] = []
        for _ in range(n):
            out += self.stmt(fn, sc, depth)
        return out

    def stmt(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        r = self.r
        strs, slices, maps = sc.of("string"), sc.of("[]string"), sc.of("map[string]string")
        host = fn.plugin_ctx and self.in_plugin
        kinds: list[tuple[str, float]] = [("str", 7), ("int", 3), ("bool", 2), ("log", 2.5 if host else 0.5)]
        if depth < 3:
            kinds += [("if", 7), ("switch", 2.5 if strs else 0), ("range", 3 if slices else 0.5), ("count", 1),
                      ("closure", 0.4)]
        kinds += [("map", 1.5 if maps and strs else 0), ("append", 2 if sc.of("[]string", True) else 0),
                  ("assign", 2 if sc.of("string", True) else 0), ("atoi", 1.5 if strs else 0),
                  ("call", 4 if self.callable(sc) else 0), ("newmap", 0.6), ("newslice", 0.6)]
        if host:
            kinds += [("hget", 3), ("hset", 2), ("prop", 0.7)]
            if sc.has("ctx") and sc.vars["ctx"].typ == "wrapper.HttpContext":
                kinds += [("ctxset", 1), ("ctxget", 1), ("typeswitch", 0.4 if depth < 3 else 0)]
        kind = r.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        method: Callable[[Fn, Scope, int], list[str]] = getattr(self, "st_" + kind)
        return method(fn, sc, depth)

    def new_name(self, sc: Scope) -> str:
        base = self.r.choice(NOUNS)
        if self.r.random() < 0.6:
            base = camel(base, self.r.choice(["Key", "Value", "Name", "ID", "Path"]))
        return sc.fresh(base)

    def st_str(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        expr = self.s_expr(sc)
        return [f"{sc.add(self.new_name(sc), 'string')} := {expr}"]

    def st_int(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        expr = self.i_expr(sc)
        name = sc.fresh(self.r.choice(["count", "size", "limit", "offset", "weight", "retries", "n", "idx", "total"]))
        return [f"{sc.add(name, 'int')} := {expr}"]

    def st_bool(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        expr = self.cond(sc, 1)
        name = sc.fresh(self.r.choice(["matched", "allowed", "found", "skip", "isAdmin", "ok", "hit", "valid"]))
        return [f"{sc.add(name, 'bool')} := {expr}"]

    def st_log(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        line = self.log_any(sc)
        return [line] if line else []

    def st_assign(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        target = self.r.choice(sc.of("string", True))
        return [f"{target} = {self.s_expr(sc)}"]

    def st_append(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        target = self.r.choice(sc.of("[]string", True))
        return [f"{target} = append({target}, {self.s_expr(sc)})"]

    def st_map(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        m = self.r.choice(sc.of("map[string]string"))
        if not sc.vars[m].assignable:
            strs = sc.of("string")
            name = sc.add(sc.fresh("mapped"), "string")
            return [f"{name} := {m}[{self.r.choice(strs)}]"]
        return [f"{m}[{self.s_expr(sc)}] = {self.s_expr(sc)}"]

    def st_newmap(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        name = sc.add(sc.fresh(self.r.choice(["tags", "labels", "attrs", "fields", "params"])), "map[string]string")
        return [f"{name} := make(map[string]string, {self.r.choice([2, 4, 8])})"]

    def st_newslice(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        name = sc.add(sc.fresh(self.r.choice(["parts", "keys", "values", "names", "segments"])), "[]string")
        strs = sc.of("string")
        if strs and self.r.random() < 0.6:
            self.use("strings")
            return [f"{name} := strings.Split({self.r.choice(strs)}, {quote(self.r.choice([',', '/', ';', ' ', '.']))})"]
        return [f"{name} := make([]string, 0, {self.r.choice([2, 4, 8, 16])})"]

    def st_atoi(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        s = self.r.choice(sc.of("string"))
        n = sc.fresh(self.r.choice(["parsed", "value", "num", "port", "seconds"]))
        self.use("strconv")
        err = "err" if not sc.has("err") else sc.fresh("convErr")
        inner = Scope(sc)
        inner.add(err, "error")
        body = [self.log(inner, "Warn", "invalid number %q: %v", [s, err])] if fn.plugin_ctx and self.in_plugin else []
        body = [b for b in body if b]
        if fn.may_return_early and (self.r.random() < 0.5 or not body):
            body.append(self.ret(fn, inner))
            self.maybe_after_return(fn, inner, body)
        else:
            body.append(f"{n} = {self.r.choice([0, 1, 10, 60])}")
        lines = [f"{n}, {err} := strconv.Atoi({s})", f"if {err} != nil {{", *block(body), "}"]
        sc.add(n, "int")
        return lines

    def st_if(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        r = self.r
        lines = [f"if {self.cond(sc)} {{"]
        inner = Scope(sc)
        body = self.stmts(fn, inner, depth + 1, r.randint(1, 3))
        if fn.may_return_early and r.random() < 0.35:
            body.append(self.ret(fn, inner))
            self.maybe_after_return(fn, inner, body)
        lines += block(body)
        if r.random() < 0.15:
            inner = Scope(sc)
            lines.append(f"}} else if {self.cond(sc)} {{")
            lines += block(self.stmts(fn, inner, depth + 1, r.randint(1, 2)))
        if r.random() < 0.3:
            inner = Scope(sc)
            lines.append("} else {")
            lines += block(self.stmts(fn, inner, depth + 1, r.randint(1, 2)))
        lines.append("}")
        return lines

    def maybe_after_return(self, fn: Fn, sc: Scope, body: list[str]) -> None:
        if fn.pitfall == "code_after_return":
            fn.pitfall = None
            self.g.pitfalls["code_after_return"] += 1
            line = self.log_any(sc) if self.in_plugin else ""
            body.append(line or f"_ = {self.s_expr(sc)}")

    def st_switch(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        r = self.r
        subject = self.pick(sc.of("string"))
        lines = [f"switch {subject} {{"]
        low = subject.lower()
        if "method" in low:
            pool = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]
        elif "path" in low:
            pool = PATHS
        elif "header" in low:
            pool = HEADERS
        else:
            pool = WORDS
        labels = r.sample(pool, min(len(pool), r.randint(2, 4)))
        for i, label in enumerate(labels):
            if not label:
                continue
            if i + 1 < len(labels) and r.random() < 0.3:
                lines.append(f"case {quote(label)}, {quote(labels[i + 1])}:")
                labels[i + 1] = ""
            else:
                lines.append(f"case {quote(label)}:")
            inner = Scope(sc)
            body = self.stmts(fn, inner, depth + 1, r.randint(1, 2))
            if fn.may_return_early and r.random() < 0.25:
                body.append(self.ret(fn, inner))
            lines += block(body)
        if r.random() < 0.6:
            lines.append("default:")
            lines += block(self.stmts(fn, Scope(sc), depth + 1, 1))
        lines.append("}")
        return lines

    def st_range(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        r = self.r
        slices = sc.of("[]string")
        inner = Scope(sc)
        item = inner.add(inner.fresh(r.choice(["item", "entry", "candidate", "segment", "name"])), "string")
        if slices:
            subject = r.choice(slices)
            idx = inner.add(inner.fresh("i"), "int") if r.random() < 0.3 else "_"
        else:
            self.use("strings")
            subject = f"strings.Split({self.s_expr(sc)}, \",\")"
            idx = "_"
        lines = [f"for {idx}, {item} := range {subject} {{"]
        body: list[str] = []
        if r.random() < 0.4:
            body += [f"if {self.cond(inner, 1)} {{", "\tcontinue", "}"]
        body += self.stmts(fn, inner, depth + 1, r.randint(1, 3))
        if r.random() < 0.3:
            body += [f"if {self.cond(inner, 1)} {{", "\tbreak", "}"]
        lines += block(body)
        lines.append("}")
        return lines

    def st_count(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        r = self.r
        inner = Scope(sc)
        i = inner.add(inner.fresh(r.choice(["i", "attempt", "pos"])), "int")
        bound = self.i_expr(sc)
        lines = [f"for {i} := 0; {i} < {bound}; {i}++ {{"]
        body = self.stmts(fn, inner, depth + 1, r.randint(1, 2))
        if fn.pitfall == "time_sleep":
            fn.pitfall = None
            self.g.pitfalls["time_sleep"] += 1
            self.use("time")
            body.append(f"time.Sleep(time.Duration({i}+1) * {r.choice([5, 10, 50, 100])} * time.Millisecond)")
        lines += block(body)
        lines.append("}")
        return lines

    def st_closure(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        r = self.r
        name = sc.add(sc.fresh(r.choice(["pick", "fallback", "describe", "joinKey"])), "func", assignable=False)
        inner = Scope(sc)
        p = inner.add(inner.fresh("v"), "string")
        body = self.stmts(Fn(("string",), fn.plugin_ctx), inner, depth + 2, 1)
        body.append(f"return {self.s_expr(inner)}")
        lines = [f"{name} := func({p} string) string {{", *block(body), "}"]
        strs = sc.of("string")
        res = sc.fresh("described")
        lines.append(f"{res} := {name}({r.choice(strs) if strs else self.lit()})")
        sc.add(res, "string")
        return lines

    def st_hget(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        self.use("proxywasm")
        r = self.r
        hdr = r.choice(HEADERS)
        side = "Request" if r.random() < 0.85 or fn.in_callback else "Response"
        name = sc.fresh(camel(*[w for w in hdr.replace("x-", "").split("-") if w]) or "value")
        if r.random() < 0.5:
            lines = [f"{name}, _ := proxywasm.GetHttp{side}Header({quote(hdr)})"]
        else:
            err = "err" if not sc.has("err") else sc.fresh("hdrErr")
            inner = Scope(sc)
            inner.add(err, "error")
            log = self.log(inner, "Debug", f"{hdr} header missing: %v", [err])
            lines = [f"{name}, {err} := proxywasm.GetHttp{side}Header({quote(hdr)})", f"if {err} != nil {{"]
            body = [log] if log else []
            body.append(f"{name} = {self.lit()}")
            lines += [*block(body), "}"]
        sc.add(name, "string")
        return lines

    def st_hset(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        self.use("proxywasm")
        r = self.r
        hdr = r.choice(HEADERS)
        side = "Request" if r.random() < 0.8 else "Response"
        op = r.choice(["Replace", "Add", "Remove"])
        if op == "Remove":
            return [f"_ = proxywasm.RemoveHttp{side}Header({quote(hdr)})"]
        return [f"_ = proxywasm.{op}Http{side}Header({quote(hdr)}, {self.s_expr(sc)})"]

    def st_prop(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        self.use("proxywasm")
        prop = self.r.choice([["route_name"], ["cluster_name"], ["source", "address"], ["request", "path"],
                              ["metadata", "filter_metadata"], ["plugin_name"]])
        raw = sc.fresh("raw")
        name = sc.fresh(camel(*prop[-1].split("_")))
        parts = ", ".join(quote(p) for p in prop)
        lines = [f"{raw}, _ := proxywasm.GetProperty([]string{{{parts}}})", f"{name} := string({raw})"]
        sc.add(raw, "[]byte")
        sc.add(name, "string")
        return lines

    def st_ctxset(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        key = camel(self.r.choice(NOUNS), self.r.choice(["Key", "Name", "Start", "ID"]))
        strs = sc.of("string")
        val = self.r.choice(strs) if strs else self.lit()
        return [f"ctx.SetContext({quote(key)}, {val})"]

    def st_ctxget(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        key = camel(self.r.choice(NOUNS), self.r.choice(["Key", "Name", "ID"]))
        name = sc.fresh(camel("cached", self.r.choice(NOUNS)))
        if fn.pitfall == "unchecked_assertion" and fn.in_callback:
            fn.pitfall = None
            self.plant("unchecked_assertion")
            sc.add(name, "string")
            return [f"{name} := ctx.GetContext({quote(key)}).(string)"]
        ok = sc.fresh("ok")
        lines = [f"{name}, {ok} := ctx.GetContext({quote(key)}).(string)", f"if !{ok} {{", f"\t{name} = {self.lit()}", "}"]
        sc.add(name, "string")
        return lines

    def st_typeswitch(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        key = camel(self.r.choice(NOUNS), "Value")
        v = sc.fresh("v")
        lines = [f"switch {v} := ctx.GetContext({quote(key)}).(type) {{"]
        for typ in self.r.sample(["string", "int", "int64", "[]byte", "bool"], 2):
            inner = Scope(sc)
            lines.append(f"case {typ}:")
            if typ == "string":
                inner.add(v, "string")
            elif typ == "int":
                inner.add(v, "int")
            body = self.stmts(fn, inner, depth + 1, 1)
            body.append(f"_ = {v}")
            lines += block(body)
        lines += ["case nil:", "\t// not set for this request", "}"]
        return lines

    def callable(self, sc: Scope) -> list[Helper]:
        pool = self.p.helpers + (self.p.external if self.package == "main" else [])
        ok = []
        for h in pool:
            if all(sc.of(t) or t in ("string", "int", "bool") for t in h.params):
                ok.append(h)
        return ok

    def arg(self, typ: str, sc: Scope) -> str:
        if typ == "string":
            return self.s_expr(sc)
        if typ == "int":
            return self.i_expr(sc)
        if typ == "bool":
            return self.cond(sc, 1)
        return self.r.choice(sc.of(typ))

    def st_call(self, fn: Fn, sc: Scope, depth: int) -> list[str]:
        h = self.r.choice(self.callable(sc))
        if "." in h.name:
            self.use("util")
        args = ", ".join(self.arg(t, sc) for t in h.params)
        call = f"{h.name}({args})"
        res = h.results
        base = h.name.split(".")[-1]
        stem = base[0].lower() + base[1:]
        for verb in VERBS:
            if stem.startswith(verb) and len(stem) > len(verb):
                stem = stem[len(verb)].lower() + stem[len(verb) + 1:]
                break
        if not res:
            return [call]
        if res == ("error",):
            err = sc.fresh("err")
            inner = Scope(sc)
            inner.add(err, "error")
            body = [self.log(inner, "Warn", f"{base} failed: %v", [err])] if self.in_plugin and fn.plugin_ctx else []
            body = [b for b in body if b]
            if fn.may_return_early or not body:
                body.append(self.ret(fn, inner) if fn.may_return_early else f"_ = {err}")
            return [f"if {err} := {call}; {err} != nil {{", *block(body), "}"]
        name = sc.fresh(stem + "OK" if res[0] == "bool" else stem)
        if len(res) == 2:
            err = "err" if not sc.has("err") else sc.fresh("callErr")
            inner = Scope(sc)
            inner.add(err, "error")
            if fn.may_return_early:
                body = [self.ret(fn, inner)]
                self.maybe_after_return(fn, inner, body)
            else:
                body = [f"{name} = {self.zero(res[0], inner)}"]
            sc.add(name, res[0])
            return [f"{name}, {err} := {call}", f"if {err} != nil {{", *block(body), "}"]
        sc.add(name, res[0])
        return [f"{name} := {call}"]

    # ------------------------------------------------------------------ functions

    def func_body(self, fn: Fn, sc: Scope, n: int) -> list[str]:
        chunks = [self.stmt(fn, sc, 0) for _ in range(n)]
        if fn.pitfall == "goroutine" and self.in_plugin:
            fn.pitfall = None
            self.g.pitfalls["goroutine"] += 1
            go_body = [self.log_any(Scope(sc)) or "_ = 0"]
            chunks.insert(self.r.randint(0, len(chunks)), ["go func() {", *block(go_body), "}()"])
        body = [line for chunk in chunks for line in chunk]
        if fn.pitfall == "time_sleep" and self.in_plugin:
            fn.pitfall = None
            self.g.pitfalls["time_sleep"] += 1
            self.use("time")
            body.append(f"time.Sleep({self.r.choice([1, 5, 20, 100])} * time.Millisecond)")
        if fn.results or self.r.random() < 0.1:
            body.append(self.ret(fn, sc, final=True))
            self.maybe_after_return(fn, sc, body)
        return body

    def roll_pitfall(self, *allowed: str) -> str | None:
        if not self.in_plugin or self.r.random() >= self.g.pitfall_rate:
            return None
        return self.r.choice(allowed)

    def signature_pool(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        return [
            (("string",), ("string",)), (("string", "string"), ("string",)), (("string",), ("bool",)),
            (("string", "[]string"), ("bool",)), (("string",), ("string", "error")), (("string", "int"), ("string",)),
            (("[]string",), ("[]string",)), (("string",), ("int", "error")), (("map[string]string", "string"), ("string",)),
            (("string", "string"), ("error",)), (("string",), ("[]string",)), (("string", "bool"), ("string",)),
            (("int", "int"), ("int",)), (("string",), ()), (("[]string", "string"), ("int",)),
        ]

    def helper_func(self, exported: bool = False) -> None:
        r = self.r
        params, results = r.choice(self.signature_pool())
        verb, noun = r.choice(VERBS), r.choice(NOUNS)
        name = self.p.unique(camel(verb, noun, r.choice(["", "", "Key", "Header", "Name", "Value", "Path", "List"])))
        if exported:
            name = self.p.unique(name[0].upper() + name[1:])
        sc = Scope()
        names = []
        for t in params:
            base = {"string": r.choice(NOUNS), "int": r.choice(["limit", "size", "n", "max"]), "bool": r.choice(["strict", "enabled"]),
                    "[]string": r.choice(["items", "patterns", "allowList", "values"]),
                    "map[string]string": r.choice(["mapping", "tags", "overrides"])}[t]
            names.append(sc.add(sc.fresh(base), t, assignable=t != "map[string]string"))
        kinds = ["code_after_return", "goroutine", "time_sleep"] + (["global_write"] if self.p.globals else [])
        fn = Fn(results, plugin_ctx=self.in_plugin and r.random() < 0.5, pitfall=self.roll_pitfall(*kinds))
        body = self.func_body(fn, sc, r.randint(3, 8))
        if fn.pitfall == "global_write":
            fn.pitfall = None
            self.g.pitfalls["global_write"] += 1
            body.insert(0, f"{self.p.globals[0][0]}++")
        sig = self.params_text(names, params)
        res = self.results_text(results)
        doc = f"// {name} {r.choice(['returns', 'computes', 'derives', 'checks'])} the {noun} {r.choice(['used by the handlers', 'for the current request', 'from its raw form', 'against the config'])}."
        self.add([doc, f"func {name}({sig}){res} {{", *block(body), "}"])
        helper = Helper(name, params, results)
        if exported:
            self.p.external.append(Helper(f"{self.package}.{name}", params, results))
        else:
            self.p.helpers.append(helper)

    @staticmethod
    def params_text(names: list[str], types: tuple[str, ...]) -> str:
        parts: list[str] = []
        for i, (n, t) in enumerate(zip(names, types, strict=True)):
            if i + 1 < len(types) and types[i + 1] == t:
                parts.append(n)
            else:
                parts.append(f"{n} {t}")
        return ", ".join(parts)

    @staticmethod
    def results_text(results: tuple[str, ...]) -> str:
        if not results:
            return ""
        if len(results) == 1:
            return " " + results[0]
        return " (" + ", ".join(results) + ")"

    # ------------------------------------------------------------------ themed declarations

    def typed_decl(self) -> None:
        """A struct type with pointer- and value-receiver methods (a cache or counter)."""
        r = self.r
        noun = r.choice(NOUNS)
        kind = r.choice(["Cache", "Counter", "Window", "Stats", "Registry", "Tracker"])
        tname = self.p.unique(camel(noun, kind))
        recv = tname[0] if tname[0] not in ("b", "e", "k") else "s"
        entry = self.p.unique(camel(noun, "Entry"))
        self.add([f"type {entry} struct {{", "\tvalue     string", "\texpiresAt int64", "\thits      int", "}"])
        fields = [("entries", f"map[string]{entry}"), ("capacity", "int"), ("hits", "int"), ("misses", "int"),
                  ("name", "string"), ("lastKey", "string")]
        width = max(len(f) for f, _ in fields)
        self.add([f"type {tname} struct {{", *[f"\t{f.ljust(width)} {t}" for f, t in fields], "}"])
        ctor = self.p.unique(camel("new", noun, kind))
        self.add([
            f"func {ctor}(name string, capacity int) *{tname} {{",
            "\tif capacity <= 0 {",
            f"\t\tcapacity = {r.choice([64, 128, 256, 1024])}",
            "\t}",
            f"\treturn &{tname}{{name: name, capacity: capacity, entries: make(map[string]{entry}, capacity)}}",
            "}",
        ])
        self.add([
            f"func ({recv} *{tname}) get(key string, now int64) (string, bool) {{",
            f"\te, ok := {recv}.entries[key]",
            "\tif !ok || (e.expiresAt > 0 && e.expiresAt < now) {",
            f"\t\t{recv}.misses++",
            "\t\treturn \"\", false",
            "\t}",
            "\te.hits++",
            f"\t{recv}.entries[key] = e",
            f"\t{recv}.hits++",
            "\treturn e.value, true",
            "}",
        ])
        self.add([
            f"func ({recv} *{tname}) put(key, value string, ttl, now int64) {{",
            f"\tif len({recv}.entries) >= {recv}.capacity {{",
            f"\t\tfor k, e := range {recv}.entries {{",
            "\t\t\tif e.expiresAt < now || e.hits == 0 {",
            f"\t\t\t\tdelete({recv}.entries, k)",
            "\t\t\t\tbreak",
            "\t\t\t}",
            "\t\t}",
            "\t}",
            "\texpires := int64(0)",
            "\tif ttl > 0 {",
            "\t\texpires = now + ttl",
            "\t}",
            f"\t{recv}.entries[key] = {entry}{{value: value, expiresAt: expires}}",
            f"\t{recv}.lastKey = key",
            "}",
        ])
        self.add([f"func ({recv} {tname}) size() int {{", f"\treturn len({recv}.entries)", "}"])
        self.use("math")
        self.add([
            f"func ({recv} {tname}) hitRatio() float64 {{",
            f"\ttotal := {recv}.hits + {recv}.misses",
            "\tif total == 0 {",
            "\t\treturn 0",
            "\t}",
            f"\treturn math.Round(float64({recv}.hits)/float64(total)*1000) / 1000",
            "}",
        ])
        self.add([
            f"func ({recv} {tname}) describe() string {{",
            *block(self.describe_body(recv)),
            "}",
        ])
        if self.in_plugin and r.random() < self.g.pitfall_rate * 4:
            self.g.pitfalls["value_receiver_write"] += 1
            self.add([
                "// reset clears the counters between reporting periods.",
                f"func ({recv} {tname}) reset() {{",
                f"\t{recv}.hits = 0",
                f"\t{recv}.misses{' = 0' if r.random() < 0.5 else '--'}",
                f"\t{recv}.lastKey = \"\"",
                "}",
            ])
        else:
            self.add([
                f"func ({recv} *{tname}) reset() {{",
                f"\t{recv}.hits, {recv}.misses = 0, 0",
                f"\t{recv}.lastKey = \"\"",
                "}",
            ])

    def describe_body(self, recv: str) -> list[str]:
        self.use("strconv", "strings")
        return [
            "var b strings.Builder",
            f"b.WriteString({recv}.name)",
            "b.WriteString(\" size=\")",
            f"b.WriteString(strconv.Itoa(len({recv}.entries)))",
            f"if {recv}.lastKey != \"\" {{",
            "\tb.WriteString(\" last=\")",
            f"\tb.WriteString({recv}.lastKey)",
            "}",
            "return b.String()",
        ]

    def enums_decl(self) -> None:
        r = self.r
        noun = r.choice(NOUNS)
        tname = self.p.unique(camel(noun, r.choice(["Mode", "Kind", "Level", "Source", "Strategy"])))
        members = [self.p.unique(camel(noun, w.replace("-", "").replace(".", ""))) for w in r.sample(WORDS, r.randint(3, 5))]
        lines = [f"type {tname} int", "", "const ("]
        lines.append(f"\t{members[0]} {tname} = iota")
        lines += [f"\t{m}" for m in members[1:]]
        lines.append(")")
        self.add(lines)
        body = ["switch m {"]
        for m in members:
            body += [f"case {m}:", f"\treturn {quote(m[len(noun):].lower() or m)}"]
        body += ["}", "return \"unknown\""]
        self.add([f"func (m {tname}) String() string {{", *block(body), "}"])
        parse = self.p.unique(camel("parse", tname))
        body = ["switch strings.ToLower(strings.TrimSpace(s)) {"]
        self.use("strings", "fmt")
        for m in members:
            body += [f"case {quote(m[len(noun):].lower() or m)}:", f"\treturn {m}, nil"]
        body += ["}", f"return {members[0]}, fmt.Errorf(\"unknown {noun} value %q\", s)"]
        self.add([f"func {parse}(s string) ({tname}, error) {{", *block(body), "}"])
        if r.random() < 0.5:
            errs = [self.p.unique(camel("err", r.choice(NOUNS), r.choice(["Missing", "Invalid", "Expired", "Denied"]))) for _ in range(r.randint(2, 4))]
            self.use("errors")
            width = max(len(e) for e in errs)
            self.add(["var (", *[f"\t{e.ljust(width)} = errors.New({quote(self.p.name + ': ' + e[3:].lower())})" for e in errs], ")"])

    def matcher_decl(self) -> None:
        r = self.r
        if self.p.rule_type and r.random() < 0.5:
            rt = self.p.rule_type
            name = self.p.unique(camel(r.choice(["match", "find", "select"]), "Rule", r.choice(["", "For", "By"])))
            self.use("strings")
            body = [
                f"var best {rt}",
                "found := false",
                "for _, rule := range rules {",
                "\tif rule.prefix == \"\" || !strings.HasPrefix(path, rule.prefix) {",
                "\t\tcontinue",
                "\t}",
                "\tif !found || len(rule.prefix) > len(best.prefix) || (len(rule.prefix) == len(best.prefix) && rule.weight > best.weight) {",
                "\t\tbest, found = rule, true",
                "\t}",
                "}",
                "return best, found",
            ]
            self.add([f"func {name}(rules []{rt}, path string) ({rt}, bool) {{", *block(body), "}"])
            self.p.rule_matchers.append(name)
            return
        name = self.p.unique(camel(r.choice(["match", "contains", "allow"]), r.choice(NOUNS), r.choice(["", "Pattern", "Path", "Host"])))
        self.use("strings")
        body = [
            "for _, pattern := range patterns {",
            "\tswitch {",
            "\tcase pattern == \"*\":",
            "\t\treturn true",
            "\tcase strings.HasSuffix(pattern, \"*\"):",
            "\t\tif strings.HasPrefix(value, strings.TrimSuffix(pattern, \"*\")) {",
            "\t\t\treturn true",
            "\t\t}",
            "\tcase strings.HasPrefix(pattern, \"*.\"):",
            "\t\tif strings.HasSuffix(value, pattern[1:]) {",
            "\t\t\treturn true",
            "\t\t}",
            "\tdefault:",
            f"\t\tif {r.choice(['pattern == value', 'strings.EqualFold(pattern, value)'])} {{",
            "\t\t\treturn true",
            "\t\t}",
            "\t}",
            "}",
            "return false",
        ]
        self.add([f"func {name}(value string, patterns []string) bool {{", *block(body), "}"])
        self.p.helpers.append(Helper(name, ("string", "[]string"), ("bool",)))

    def headers_decl(self) -> None:
        r = self.r
        self.use("proxywasm")
        name = self.p.unique(camel(r.choice(["copy", "apply", "strip", "inject", "forward"]), r.choice(NOUNS), "Headers"))
        side = r.choice(["Request", "Response"])
        body = [
            f"headers, err := proxywasm.GetHttp{side}Headers()",
            "if err != nil {",
            f"\treturn fmt.Errorf(\"read {side.lower()} headers: %w\", err)",
            "}",
            "applied := 0",
            "for _, kv := range headers {",
            "\tname := strings.ToLower(kv[0])",
            "\tif strings.HasPrefix(name, \":\") {",
            "\t\tcontinue",
            "\t}",
            "\tif target, ok := mapping[name]; ok && target != \"\" {",
            f"\t\tif err := proxywasm.ReplaceHttp{side}Header(target, kv[1]); err != nil {{",
            "\t\t\treturn err",
            "\t\t}",
            "\t\tapplied++",
            "\t}",
            "}",
        ]
        self.use("fmt", "strings")
        logline = self.log(Scope(), "Debug", f"{name}: %d headers mapped", ["applied"])
        if logline:
            body.append(logline)
        body.append("return nil")
        self.add([f"func {name}(mapping map[string]string) error {{", *block(body), "}"])
        self.p.helpers.append(Helper(name, ("map[string]string",), ("error",)))

    # ------------------------------------------------------------------ async helpers

    def resume(self, phase: str = "request") -> str:
        self.use("proxywasm")
        return "proxywasm.ResumeHttpRequest()" if phase == "request" else "proxywasm.ResumeHttpResponse()"

    def deny_call(self, code: int, reason: str) -> str:
        return f"{self.p.deny}({code}, {quote(reason)})"

    def http_callback(self, sc: Scope, phase: str, fail_open: bool) -> list[str]:
        r = self.r
        self.use("http", "gjson")
        cb = Scope(sc)
        cb.add("statusCode", "int", assignable=False)
        cb.add("responseBody", "[]byte", assignable=False)
        # Callbacks are where these two bite, so they get a higher share.
        pitfall = None
        if self.r.random() < self.g.pitfall_rate * 3:
            kinds = ["code_after_return", "callback_missing_resume"]
            pitfall = self.r.choice([*kinds, "unchecked_assertion"] if sc.has("ctx") else kinds)
        fn = Fn((), plugin_ctx=True, in_callback=True, pitfall=pitfall)
        deny = self.deny_call(r.choice([401, 403, 429, 503]), r.choice(["denied", "unauthorized", "quota_exceeded", "auth_error"]))
        fail = self.resume(phase) if fail_open else deny
        lines: list[str] = []
        if r.random() < 0.5:
            lines += ["if statusCode != http.StatusOK {",
                      "\t" + self.log(cb, "Warn", f"{self.p.name}: upstream check returned %d", ["statusCode"]),
                      f"\t{fail}", "\treturn", "}"]
        else:
            lines += ["switch statusCode {", "case http.StatusOK:", "\t// handled below",
                      "case http.StatusUnauthorized, http.StatusForbidden:",
                      f"\t{self.deny_call(403, 'forbidden')}", "\treturn", "default:",
                      "\t" + self.log(cb, "Error", "check service failed with status %d", ["statusCode"]),
                      f"\t{fail}", "\treturn", "}"]
        key = r.choice(JSON_KEYS)
        value = cb.add(cb.fresh(camel(key.split(".")[-1].replace("_", ""), "Value")), "string")
        lines.append(f"{value} := gjson.GetBytes(responseBody, {quote(key)}).String()")
        if r.random() < 0.5:
            hdr = cb.add(cb.fresh("upstreamHeader"), "string")
            lines.append(f"{hdr} := responseHeaders.Get({quote(r.choice(HEADERS))})")
        if fn.pitfall == "unchecked_assertion":
            lines += self.st_ctxget(fn, cb, 1)
        if fn.pitfall == "callback_missing_resume":
            fn.pitfall = None
            self.plant("callback_missing_resume")
            lines += [f"if {value} == {self.lit()} {{",
                      "\t" + self.log(cb, "Info", f"{self.p.name}: nothing to do for %s", [value]), "\treturn", "}"]
        lines += self.stmts(fn, cb, 1, r.randint(1, 4))
        lines += [f"if {value} == \"\" {{", f"\t{deny}", "\treturn", "}"]
        if fn.pitfall == "code_after_return":
            lines[-1:-1] = ["\t" + self.log_any(cb)]
            fn.pitfall = None
            self.g.pitfalls["code_after_return"] += 1
        self.use("proxywasm")
        lines.append(f"_ = proxywasm.ReplaceHttp{phase.title()}Header({quote(r.choice(HEADERS))}, {value})")
        lines.append(self.resume(phase))
        return ["func(statusCode int, responseHeaders http.Header, responseBody []byte) {", *block(lines), "}"]

    def redis_callback(self, sc: Scope, limit: str) -> list[str]:
        r = self.r
        self.use("resp")
        cb = Scope(sc)
        fail_open = r.random() < 0.6
        fail = self.resume() if fail_open else self.deny_call(503, "redis_unavailable")
        lines = ["if err := response.Error(); err != nil {",
                 "\t" + self.log(cb, "Error", "redis call failed: %v", ["err"]),
                 f"\t{fail}", "\treturn", "}"]
        mode = r.choice(["count", "member", "value"])
        if mode == "count":
            count = cb.add(cb.fresh("count"), "int")
            lines += [f"{count} := response.Integer()",
                      f"if {count} > {limit} {{", f"\t{self.deny_call(429, 'rate_limited')}", "\treturn", "}"]
        elif mode == "member":
            lines += ["if response.Integer() == 1 {", f"\t{self.deny_call(403, 'blacklisted')}", "\treturn", "}"]
        else:
            v = cb.add(cb.fresh("cached"), "string")
            lines += ["if response.IsNull() {", f"\t{self.resume()}", "\treturn", "}",
                      f"{v} := response.String()"]
            self.use("proxywasm")
            lines.append(f"_ = proxywasm.ReplaceHttpRequestHeader({quote(r.choice(HEADERS))}, {v})")
        lines.append(self.resume())
        return ["func(response resp.Value) {", *block(lines), "}"]

    def async_helper(self, kind: str) -> None:
        """A same-package function that performs an async op and returns its error."""
        try:
            self._async_helper(kind)
        finally:
            self.current_async = None

    def _async_helper(self, kind: str) -> None:
        r = self.r
        p = self.p
        cfgp = "config" if p.sdk != "raw" else "cfg"
        cfg_t = p.cfg_type if p.sdk != "raw" else "*" + p.cfg_type
        sc = Scope()
        sc.add(cfgp, "cfg", assignable=False)
        key = sc.add(r.choice(["token", "user", "key", "tenant"]), "string")
        if kind == "http" and p.sdk != "raw":
            name = p.unique(camel(r.choice(["call", "query", "verify", "fetch"]), r.choice(NOUNS), "Service"))
            self.current_async = name
            method = r.choice(["Get", "Post", "Post", "Call"])
            path_field = self.cfg_str("checkPath")
            url = f"{cfgp}.{path_field} + \"?{r.choice(['id', 'key', 'q'])}=\" + url.QueryEscape({key})"
            self.use("url")
            hdrs = f"[][2]string{{{{\"{r.choice(HEADERS)}\", {key}}}}}"
            cb = self.http_callback(sc, "request", fail_open=self.r.random() < 0.5)
            timeout = self.timeout_arg(cfgp)
            if method == "Get":
                head = f"return {cfgp}.client.Get({url}, {hdrs}, "
            elif method == "Post":
                head = f"return {cfgp}.client.Post({url}, {hdrs}, []byte({key}), "
            else:
                head = f"return {cfgp}.client.Call(\"PUT\", {url}, {hdrs}, nil, "
            lines = [head + cb[0], *cb[1:-1], cb[-1] + timeout + ")"]
            self.add([f"func {name}({cfgp} {cfg_t}, {key} string) error {{", *block(lines), "}"])
            p.async_helpers.append((name, "http"))
        elif kind == "redis" and p.sdk != "raw":
            name = p.unique(camel(r.choice(["lookup", "incr", "check", "count"]), r.choice(NOUNS), "InRedis"))
            self.current_async = name
            op = r.choice(["Get", "Incr", "SIsMember", "Exists", "HGet"])
            prefix = self.cfg_str("redisKeyPrefix")
            k = f"{cfgp}.{prefix} + {key}"
            limit = f"{cfgp}.{self.cfg_int('limit')}"
            cb = self.redis_callback(sc, limit)
            args = {"Get": f"{k}, ", "Incr": f"{k}, ", "Exists": f"{k}, ",
                    "SIsMember": f"{cfgp}.{prefix} + \"blacklist\", {key}, ",
                    "HGet": f"{cfgp}.{prefix} + \"users\", {key}, "}[op]
            lines = [f"return {cfgp}.redisClient.{op}({args}{cb[0]}", *cb[1:-1], cb[-1] + ")"]
            self.add([f"func {name}({cfgp} {cfg_t}, {key} string) error {{", *block(lines), "}"])
            p.async_helpers.append((name, "redis"))
        elif kind == "redis":
            name = p.unique(camel("query", r.choice(NOUNS), "Redis"))
            self.current_async = name
            self.use("proxywasm", "strconv", "bytes")
            cluster = self.cfg_str("clusterName")
            prefix = self.cfg_str("redisKeyPrefix")
            op = r.choice(["GET", "EXISTS", "INCR"])
            lines = [
                f"k := {cfgp}.{prefix} + {key}",
                f"query := {quote(f'*2{chr(13)}{chr(10)}${len(op)}{chr(13)}{chr(10)}{op}{chr(13)}{chr(10)}$')} + strconv.Itoa(len(k)) + \"\\r\\n\" + k + \"\\r\\n\"",
                f"_, err := proxywasm.DispatchRedisCall({cfgp}.{cluster}, []byte(query), func(status, responseSize int) {{",
                "\tdata, err := proxywasm.GetRedisCallResponse(0, responseSize)",
                "\tif status != 0 || err != nil {",
                "\t\tproxywasm.LogWarnf(\"redis callout failed: status=%d err=%v\", status, err)",
                "\t\t_ = proxywasm.ResumeHttpRequest()",
                "\t\treturn",
                "\t}",
                f"\tif bytes.HasPrefix(data, []byte({quote(r.choice([':1', '+', '$']))})) {{",
                f"\t\t{self.deny_call(429, 'limited')}",
                "\t\treturn",
                "\t}",
                "\t_ = proxywasm.ResumeHttpRequest()",
                "})",
                "return err",
            ]
            self.add([f"func {name}({cfgp} {cfg_t}, {key} string) error {{", *block(lines), "}"])
            p.async_helpers.append((name, "raw-redis"))
        else:
            name = p.unique(camel("dispatch", r.choice(NOUNS), "Check"))
            self.current_async = name
            self.use("proxywasm", "strings")
            cluster = self.cfg_str("clusterName")
            lines = [
                "hs := [][2]string{",
                "\t{\":method\", \"GET\"},",
                f"\t{{\":path\", {cfgp}.{self.cfg_str('checkPath')} + \"/\" + {key}}},",
                f"\t{{\":authority\", {cfgp}.{cluster}}},",
                "}",
                f"_, err := proxywasm.DispatchHttpCall({cfgp}.{cluster}, hs, nil, nil, {r.choice([500, 1000, 3000])}, func(numHeaders, bodySize, numTrailers int) {{",
                "\tbody, err := proxywasm.GetHttpCallResponseBody(0, bodySize)",
                "\tif err != nil {",
                "\t\tproxywasm.LogErrorf(\"read callout body: %v\", err)",
                "\t\t_ = proxywasm.ResumeHttpRequest()",
                "\t\treturn",
                "\t}",
                f"\tif strings.Contains(string(body), {quote(r.choice(WORDS))}) {{",
                f"\t\t{self.deny_call(403, 'rejected')}",
                "\t\treturn",
                "\t}",
                "\t_ = proxywasm.ResumeHttpRequest()",
                "})",
                "return err",
            ]
            self.add([f"func {name}({cfgp} {cfg_t}, {key} string) error {{", *block(lines), "}"])
            p.async_helpers.append((name, "raw"))

    def timeout_arg(self, cfgp: str) -> str:
        if self.p.field_of("uint32") and self.r.random() < 0.6:
            return f", {cfgp}.{self.r.choice(self.p.field_of('uint32')).name}"
        return self.r.choice([", 3000", ", 1000", ", 500", ""])

    def cfg_str(self, preferred: str) -> str:
        names = [f.name for f in self.p.field_of("string")]
        return preferred if preferred in names else names[0]

    def cfg_int(self, preferred: str) -> str:
        names = [f.name for f in self.p.field_of("int")]
        return preferred if preferred in names else names[0]

    def deny_helper(self) -> None:
        p = self.p
        self.use("proxywasm")
        body = [
            f"hs := [][2]string{{{{\"content-type\", \"application/json\"}}, {{\"x-{p.name}-reason\", reason}}}}",
            "payload := []byte(`{\"code\":` + strconv.Itoa(int(statusCode)) + `,\"reason\":\"` + reason + `\"}`)",
        ]
        self.use("strconv")
        if p.sdk == "raw":
            body.append("if err := proxywasm.SendHttpResponse(statusCode, hs, payload, -1); err != nil {")
        else:
            body.append(f"if err := proxywasm.SendHttpResponseWithDetail(statusCode, {quote(p.name.replace('-', '_') + '.')} + reason, hs, payload, -1); err != nil {{")
        body += ["\t" + self.log(Scope(), "Error", "send local reply: %v", ["err"]), "}"]
        self.add([f"// {p.deny} answers the request locally; the caller must stop the stream.",
                  f"func {p.deny}(statusCode uint32, reason string) {{", *block(body), "}"])


# --------------------------------------------------------------------------- per-plugin files


class PluginWriter:
    def __init__(self, gen: CorpusGen, plugin: Plugin) -> None:
        self.g = gen
        self.r = gen.rng
        self.p = plugin

    def new_file(self, package: str = "main", in_plugin: bool = True) -> FileGen:
        return FileGen(self.g, self.p, package, in_plugin)

    def fill(self, f: FileGen, target: int, theme: str) -> None:
        themed = {
            "typed": [f.typed_decl],
            "enums": [f.enums_decl],
            "headers": [f.headers_decl],
            "matcher": [f.matcher_decl],
            "client": [lambda: f.async_helper("http")],
            "redis": [lambda: f.async_helper("redis")],
        }.get(theme, [])
        guard = 0
        while f.size() < target and guard < 400:
            guard += 1
            if themed and self.r.random() < 0.3:
                self.r.choice(themed)()
            else:
                f.helper_func()

    # ------------------------------------------------------------------ config.go

    def config_file(self, target: int) -> FileGen:
        p, r = self.p, self.r
        f = self.new_file()
        fields = [(fl.name, self.go_type(fl.typ)) for fl in p.fields]
        if p.uses_http and p.sdk != "raw":
            fields.append(("client", "wrapper.HttpClient"))
            f.use("wrapper")
        if p.uses_redis and p.sdk != "raw":
            fields.append(("redisClient", "wrapper.RedisClient"))
            f.use("wrapper")
        if p.rule_type:
            fields.append(("rules", f"[]{p.rule_type}"))
            f.add([f"type {p.rule_type} struct {{", "\tprefix string", "\taction string", "\tweight int", "}"])
        width = max(len(n) for n, _ in fields)
        f.add([f"// {p.cfg_type} is the per-rule configuration of {p.name}.",
               f"type {p.cfg_type} struct {{", *[f"\t{n.ljust(width)} {t}" for n, t in fields], "}"])
        if p.globals:
            width = max(len(n) for n, _ in p.globals)
            f.add(["var (", *[f"\t{n.ljust(width)} = {v}" for n, v in p.globals], ")"])
        if p.sdk == "raw":
            f.add(["func (c *" + p.cfg_type + ") load(json gjson.Result) error {", *block(self.parse_body(f, "c")), "}"])
        else:
            self.parse_config(f)
        if p.sdk != "raw" and r.random() < 0.35:
            self.parse_override(f)
        self.fill(f, target, "config")
        return f

    def go_type(self, typ: str) -> str:
        return typ

    def parse_body(self, f: FileGen, recv: str) -> list[str]:
        p, r = self.p, self.r
        f.use("gjson")
        lines: list[str] = []
        for fl in p.fields:
            target = f"{recv}.{fl.name}"
            get = f"json.Get({quote(fl.key)})"
            if fl.typ == "string":
                lines.append(f"{target} = {get}.String()")
                if r.random() < 0.4:
                    f.use("errors")
                    lines += [f"if {target} == \"\" {{", f"\treturn errors.New({quote('missing ' + fl.key + ' in config')})", "}"]
                elif r.random() < 0.5:
                    lines += [f"if {target} == \"\" {{", f"\t{target} = {f.lit()}", "}"]
            elif fl.typ == "int":
                lines += [f"{target} = int({get}.Int())", f"if {target} <= 0 {{", f"\t{target} = {r.choice([10, 60, 100, 1000])}", "}"]
            elif fl.typ == "int64":
                lines += [f"{target} = {get}.Int()", f"if {target} == 0 {{", f"\t{target} = {r.choice([80, 443, 6379, 8080])}", "}"]
            elif fl.typ == "uint32":
                default = r.choice(["1 << 20", "10 * 1024 * 1024"]) if fl.name == "bufferLimit" else r.choice([500, 1000, 2000, 3000])
                lines += [f"{target} = uint32({get}.Uint())", f"if {target} == 0 {{", f"\t{target} = {default}", "}"]
            elif fl.typ == "bool":
                if r.random() < 0.5:
                    lines.append(f"{target} = {get}.Bool()")
                else:
                    lines += [f"if v := {get}; v.Exists() {{", f"\t{target} = v.Bool()", "} else {", f"\t{target} = {r.choice(['true', 'false'])}", "}"]
            elif fl.typ == "[]string":
                lines += [f"for _, item := range {get}.Array() {{", f"\t{target} = append({target}, item.String())", "}"]
            elif fl.typ == "map[string]string":
                lines += [f"{target} = make(map[string]string)",
                          f"{get}.ForEach(func(key, value gjson.Result) bool {{",
                          f"\t{target}[key.String()] = value.String()", "\treturn true", "})"]
        if p.rule_type:
            lines += ["for _, item := range json.Get(\"rules\").Array() {",
                      f"\trule := {p.rule_type}{{",
                      "\t\tprefix: item.Get(\"prefix\").String(),",
                      "\t\taction: item.Get(\"action\").String(),",
                      "\t\tweight: int(item.Get(\"weight\").Int()),",
                      "\t}",
                      "\tif rule.prefix == \"\" {",
                      "\t\tcontinue",
                      "\t}",
                      f"\t{recv}.rules = append({recv}.rules, rule)",
                      "}"]
        lines.append("return nil")
        return lines

    def cluster_literal(self, f: FileGen, recv: str) -> str:
        f.use("wrapper")
        names = {fl.name for fl in self.p.fields}
        host = "serviceName" if "serviceName" in names else self.p.field_of("string")[0].name
        port = "servicePort" if "servicePort" in names else None
        kind = self.r.choice(["FQDN", "FQDN", "K8s", "Static"])
        port_part = f", Port: {recv}.{port}" if port else ""
        if kind == "FQDN":
            return f"wrapper.FQDNCluster{{FQDN: {recv}.{host}{port_part}}}"
        if kind == "K8s":
            return f"wrapper.K8sCluster{{ServiceName: {recv}.{host}, Namespace: {quote(self.r.choice(['default', 'higress-system', 'auth']))}{port_part}}}"
        return f"wrapper.StaticIpCluster{{ServiceName: {recv}.{host}{port_part}}}"

    def parse_config(self, f: FileGen) -> None:
        p, r = self.p, self.r
        body = self.parse_body(f, "config")
        body.pop()  # return nil
        if p.uses_http:
            body.append(f"config.client = wrapper.NewClusterClient({self.cluster_literal(f, 'config')})")
        if p.uses_redis:
            body += [f"config.redisClient = wrapper.NewRedisClusterClient({self.cluster_literal(f, 'config')})",
                     "username := json.Get(\"redis.username\").String()",
                     "password := json.Get(\"redis.password\").String()",
                     "timeout := json.Get(\"redis.timeout\").Int()",
                     "if timeout == 0 {", f"\ttimeout = {r.choice([1000, 2000])}", "}",
                     "return config.redisClient.Init(username, password, timeout)"]
        else:
            body.append("return nil")
        if r.random() < 0.2:
            register = "RegisterTickFunc" if p.sdk == "new" else "RegisteTickFunc"
            body[-1:-1] = [f"wrapper.{register}(" + str(r.choice([1000, 5000, 30000])) + ", func() {",
                           "\t" + f.log(Scope(), "Debug", f"{p.name} tick", []), "})"]
        params = "json gjson.Result, config *" + p.cfg_type
        if p.by_handlers:
            params += ", log log.Log" if p.sdk == "new" else ", log wrapper.Log"
            f.use("log" if p.sdk == "new" else "wrapper")
        f.add([f"func parseConfig({params}) error {{", *block(body), "}"])

    def parse_override(self, f: FileGen) -> None:
        p = self.p
        strs = p.field_of("string")
        lines = ["*config = global"]
        for fl in strs[:2]:
            lines += [f"if v := json.Get({quote(fl.key)}); v.Exists() {{", f"\tconfig.{fl.name} = v.String()", "}"]
        lines.append("return nil")
        params = f"json gjson.Result, global {p.cfg_type}, config *{p.cfg_type}"
        if p.by_handlers:
            params += ", log log.Log" if p.sdk == "new" else ", log wrapper.Log"
            f.use("log" if p.sdk == "new" else "wrapper")
        f.add([f"func parseRuleConfig({params}) error {{", *block(lines), "}"])
        p.names.add("parseRuleConfig")

    # ------------------------------------------------------------------ main.go (wrapper SDKs)

    def wrapper_main(self, target: int) -> FileGen:
        p = self.p
        f = self.new_file()
        f.use("wrapper", "types")
        opts = []
        by = "By" if p.by_handlers else ""
        if "parseRuleConfig" in p.names:
            opts.append(f"wrapper.ParseOverrideConfig{by}(parseConfig, parseRuleConfig)")
        else:
            opts.append(f"wrapper.ParseConfig{by}(parseConfig)")
        registry = {
            "request_headers": ("ProcessRequestHeaders", "onHttpRequestHeaders"),
            "request_body": ("ProcessRequestBody", "onHttpRequestBody"),
            "response_headers": ("ProcessResponseHeaders", "onHttpResponseHeaders"),
            "response_body": ("ProcessResponseBody", "onHttpResponseBody"),
            "streaming_response_body": ("ProcessStreamingResponseBody", "onStreamingResponseBody"),
            "stream_done": ("ProcessStreamDone", "onHttpStreamDone"),
        }
        for h in p.handlers:
            opt, fname = registry[h]
            opts.append(f"wrapper.{opt}{by}({fname})")
        setctx = ["wrapper.SetCtx(", f"\t{quote(p.name)},", *[f"\t{o}," for o in opts], ")"]
        if p.register_in_init:
            f.add(["func main() {}"])
            f.add(["func init() {", *block(setctx), "}"])
        else:
            f.add(["func main() {", *block(setctx), "}"])
        for h in p.handlers:
            getattr(self, "h_" + h)(f)
        self.fill(f, target, "main")
        return f

    def handler_scope(self, f: FileGen) -> tuple[Scope, str]:
        p = self.p
        sc = Scope()
        sc.add("ctx", "wrapper.HttpContext", assignable=False)
        sc.add("config", "cfg", assignable=False)
        for fl in p.fields:
            if fl.typ in ("string", "int", "bool", "[]string", "map[string]string"):
                sc.add(f"config.{fl.name}", fl.typ, assignable=False)
        extra = ""
        if p.by_handlers:
            sc.add("log", "log")
            extra = ", log log.Log" if p.sdk == "new" else ", log wrapper.Log"
            if p.sdk == "new":
                f.use("log")
        return sc, extra

    def pick_async_helper(self) -> str:
        """Prefer an async helper no handler calls yet, so its callback is reachable."""
        p = self.p
        fresh = [n for n, _ in p.async_helpers if n not in p.called]
        name = self.r.choice(fresh) if fresh else self.r.choice(p.async_helpers)[0]
        p.called.add(name)
        return name

    def pause_const(self, phase: str) -> str:
        if phase == "headers" and self.p.sdk == "new" and self.r.random() < 0.8:
            return "types.HeaderStopAllIterationAndWatermark"
        return "types.ActionPause"

    def h_request_headers(self, f: FileGen) -> None:
        p, r = self.p, self.r
        sc, extra = self.handler_scope(f)
        fn = Fn(("types.Action",), pitfall=f.roll_pitfall("code_after_return", "goroutine", "time_sleep", "global_write"))
        body: list[str] = []
        if r.random() < 0.3:
            body.append("ctx.DisableReroute()")
        bools = p.field_of("bool")
        if bools and r.random() < 0.6:
            body += [f"if !config.{bools[0].name} {{", "\treturn types.ActionContinue", "}"]
        body.append(f"{sc.add('path', 'string')} := ctx.Path()")
        if r.random() < 0.5:
            body.append(f"{sc.add('host', 'string')} := ctx.Host()")
        if r.random() < 0.4:
            body.append(f"{sc.add('method', 'string')} := ctx.Method()")
        lists = p.field_of("[]string")
        if lists and r.random() < 0.6:
            f.use("strings")
            body += [f"for _, skip := range config.{lists[0].name} {{", "\tif strings.HasPrefix(path, skip) {",
                     "\t\treturn types.ActionContinue", "\t}", "}"]
        if p.rule_matchers and r.random() < 0.7:
            match = r.choice(p.rule_matchers)
            sc.add("rule", "rule", assignable=False)
            sc.add("ok", "bool", assignable=False)
            body += [f"rule, ok := {match}(config.rules, path)", "if ok && rule.action == \"skip\" {",
                     "\treturn types.ActionContinue", "}"]
        if "request_body" in p.handlers:
            if r.random() < 0.85:
                limit = [fl for fl in p.field_of("uint32") if fl.name == "bufferLimit"]
                size = "config.bufferLimit" if limit and r.random() < 0.7 else r.choice(["32 * 1024 * 1024", "10 << 20", "1024 * 1024"])
                body.append(f"ctx.SetRequestBodyBufferLimit({size})")
            if r.random() < 0.8:
                f.use("proxywasm")
                body.append("_ = proxywasm.RemoveHttpRequestHeader(\"content-length\")")
        if fn.pitfall == "global_write" and p.globals:
            fn.pitfall = None
            self.g.pitfalls["global_write"] += 1
            body.append(f"{p.globals[0][0]}++")
        body += f.stmts(fn, sc, 0, r.randint(3, 9))
        body += self.header_ending(f, sc, fn)
        f.add([f"func onHttpRequestHeaders(ctx wrapper.HttpContext, config {p.cfg_type}{extra}) types.Action {{",
               *block(body), "}"])

    def header_ending(self, f: FileGen, sc: Scope, fn: Fn) -> list[str]:
        p, r = self.p, self.r
        modes = ["continue", "deny"]
        if p.uses_http:
            modes += ["http", "http"]
        if p.uses_redis:
            modes += ["redis", "redis"]
        if p.async_helpers:
            modes += ["helper", "helper"]
            if any(n not in p.called for n, _ in p.async_helpers):
                modes += ["helper", "helper"]
        mode = r.choice(modes)
        strs = sc.of("string")
        key = r.choice(strs) if strs else "path"
        pause = self.pause_const("headers")
        lines: list[str] = []
        if mode == "continue":
            if r.random() < 0.5:
                f.use("proxywasm")
                lines.append(f"_ = proxywasm.ReplaceHttpRequestHeader({quote(r.choice(HEADERS))}, {key})")
            lines.append("return types.ActionContinue")
        elif mode == "deny":
            lines += [f"if {f.cond(sc)} {{", f"\t{f.deny_call(403, 'blocked')}", f"\treturn {r.choice(['types.ActionPause', pause])}", "}",
                      "return types.ActionContinue"]
        elif mode == "helper":
            name = self.pick_async_helper()
            lines += [f"if err := {name}(config, {key}); err != nil {{",
                      "\t" + f.log(sc, "Error", f"{name} failed: %v", ["err"]),
                      "\treturn types.ActionContinue", "}", f"return {pause}"]
        elif mode == "http":
            cb = f.http_callback(sc, "request", fail_open=r.random() < 0.5)
            f.use("url")
            path_f = f.cfg_str("checkPath")
            method = r.choice(["Get", "Post"])
            url = f"config.{path_f} + \"?path=\" + url.QueryEscape({key})"
            decl = "err =" if sc.has("err") else "err :="
            head = (f"{decl} config.client.Get({url}, [][2]string{{{{\"x-original-path\", {key}}}}}, " if method == "Get"
                    else f"{decl} config.client.Post({url}, [][2]string{{{{\"content-type\", \"application/json\"}}}}, []byte({key}), ")
            lines += [head + cb[0], *cb[1:-1], cb[-1] + f.timeout_arg("config") + ")"]
            lines += ["if err != nil {", "\t" + f.log(sc, "Error", "dispatch check request: %v", ["err"]),
                      "\treturn types.ActionContinue", "}", f"return {pause}"]
        else:
            cb = f.redis_callback(sc, f"config.{f.cfg_int('limit')}")
            prefix = f.cfg_str("redisKeyPrefix")
            decl = "err =" if sc.has("err") else "err :="
            lines += [f"{decl} config.redisClient.{r.choice(['Incr', 'Get', 'Exists'])}(config.{prefix} + {key}, {cb[0]}",
                      *cb[1:-1], cb[-1] + ")"]
            lines += ["if err != nil {", "\t" + f.log(sc, "Error", "redis dispatch: %v", ["err"]),
                      "\treturn types.ActionContinue", "}", f"return {pause}"]
        if fn.pitfall == "code_after_return":
            fn.pitfall = None
            self.g.pitfalls["code_after_return"] += 1
            lines.append(f.log_any(sc))
        return lines

    def h_request_body(self, f: FileGen) -> None:
        p, r = self.p, self.r
        sc, extra = self.handler_scope(f)
        sc.add("body", "[]byte", assignable=False)
        fn = Fn(("types.Action",), pitfall=f.roll_pitfall("code_after_return", "goroutine"))
        f.use("gjson")
        key = r.choice(JSON_KEYS)
        field_name = sc.add(sc.fresh(camel(key.split(".")[-1].replace("_", ""), "Field")), "string")
        body = [f"{field_name} := gjson.GetBytes(body, {quote(key)}).String()"]
        body += f.stmts(fn, sc, 0, r.randint(2, 6))
        if r.random() < 0.6:
            f.use("sjson", "proxywasm")
            body += [f"newBody, err := sjson.SetBytes(body, {quote(key)}, {f.s_expr(sc)})",
                     "if err != nil {", "\t" + f.log(sc, "Warn", "rewrite body: %v", ["err"]), "\treturn types.ActionContinue", "}",
                     "_ = proxywasm.ReplaceHttpRequestBody(newBody)"]
        if r.random() < 0.25:
            body += [f"if {field_name} == \"\" {{", f"\t{f.deny_call(400, 'bad_request')}", "\treturn types.ActionPause", "}"]
        body.append("return types.ActionContinue")
        if fn.pitfall == "code_after_return":
            fn.pitfall = None
            self.g.pitfalls["code_after_return"] += 1
            body.append(f.log_any(sc))
        f.add([f"func onHttpRequestBody(ctx wrapper.HttpContext, config {p.cfg_type}, body []byte{extra}) types.Action {{",
               *block(body), "}"])

    def h_response_headers(self, f: FileGen) -> None:
        p, r = self.p, self.r
        sc, extra = self.handler_scope(f)
        fn = Fn(("types.Action",), pitfall=f.roll_pitfall("code_after_return"))
        f.use("proxywasm")
        body = [f"{sc.add('status', 'string')}, _ := proxywasm.GetHttpResponseHeader(\":status\")"]
        if "response_body" in p.handlers:
            body += ["_ = proxywasm.RemoveHttpResponseHeader(\"content-length\")",
                     f"ctx.SetResponseBodyBufferLimit({r.choice(['4 << 20', '1024 * 1024', '16 * 1024 * 1024'])})"]
        elif r.random() < 0.3:
            body.append("ctx.DontReadResponseBody()")
        body += f.stmts(fn, sc, 0, r.randint(2, 6))
        body += [f"_ = proxywasm.AddHttpResponseHeader({quote('x-' + p.name)}, {f.s_expr(sc)})", "return types.ActionContinue"]
        f.add([f"func onHttpResponseHeaders(ctx wrapper.HttpContext, config {p.cfg_type}{extra}) types.Action {{",
               *block(body), "}"])

    def h_response_body(self, f: FileGen) -> None:
        p, r = self.p, self.r
        sc, extra = self.handler_scope(f)
        sc.add("body", "[]byte", assignable=False)
        fn = Fn(("types.Action",), pitfall=f.roll_pitfall("goroutine"))
        f.use("gjson", "proxywasm", "bytes")
        key = r.choice(JSON_KEYS)
        body = ["if !gjson.ValidBytes(body) {", "\treturn types.ActionContinue", "}",
                f"{sc.add('value', 'string')} := gjson.GetBytes(body, {quote(key)}).String()"]
        body += f.stmts(fn, sc, 0, r.randint(2, 5))
        body += [f"replaced := bytes.ReplaceAll(body, []byte({quote(r.choice(WORDS))}), []byte({f.s_expr(sc)}))",
                 "_ = proxywasm.ReplaceHttpResponseBody(replaced)", "return types.ActionContinue"]
        f.add([f"func onHttpResponseBody(ctx wrapper.HttpContext, config {p.cfg_type}, body []byte{extra}) types.Action {{",
               *block(body), "}"])

    def h_streaming_response_body(self, f: FileGen) -> None:
        p, r = self.p, self.r
        sc, extra = self.handler_scope(f)
        sc.add("chunk", "[]byte", assignable=False)
        sc.add("isLastChunk", "bool", assignable=False)
        fn = Fn(("[]byte",), pitfall=None)
        f.use("bytes")
        body = f.stmts(fn, sc, 0, r.randint(1, 4))
        body += ["if len(chunk) == 0 {", "\treturn chunk", "}",
                 f"out := bytes.ReplaceAll(chunk, []byte({quote(r.choice(WORDS))}), []byte({quote(r.choice(WORDS))}))",
                 "if isLastChunk {", f"\tout = append(out, []byte({quote(chr(10))})...)", "}", "return out"]
        f.add([f"func onStreamingResponseBody(ctx wrapper.HttpContext, config {p.cfg_type}, chunk []byte, isLastChunk bool{extra}) []byte {{",
               *block(body), "}"])

    def h_stream_done(self, f: FileGen) -> None:
        p, r = self.p, self.r
        sc, extra = self.handler_scope(f)
        fn = Fn((), pitfall=f.roll_pitfall("goroutine", "time_sleep"))
        body = ["start, ok := ctx.GetContext(\"startTime\").(int64)", "if !ok {", "\treturn", "}"]
        sc.add("start", "int64", assignable=False)
        sc.add("ok", "bool", assignable=False)
        sc.add("elapsed", "int64", assignable=False)
        f.use("time")
        body.append("elapsed := time.Now().UnixMilli() - start")
        body.append(f.log(sc, "Info", f"{p.name}: request finished in %dms", ["elapsed"]))
        body += f.func_body(fn, sc, r.randint(1, 3))
        f.add([f"func onHttpStreamDone(ctx wrapper.HttpContext, config {p.cfg_type}{extra}) {{", *block(body), "}"])

    # ------------------------------------------------------------------ raw SDK plugin

    def raw_main(self, target: int) -> FileGen:
        p, r = self.p, self.r
        f = self.new_file()
        f.use("proxywasm", "types", "gjson")
        if p.register_in_init:
            f.add(["func main() {}"])
            f.add(["func init() {", "\tproxywasm.SetVMContext(&vmContext{})", "}"])
        else:
            f.add(["func main() {", "\tproxywasm.SetVMContext(&vmContext{})", "}"])
        f.add(["type vmContext struct {", "\ttypes.DefaultVMContext", "}"])
        f.add(["func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {",
               f"\treturn &pluginContext{{contextID: contextID, config: &{p.cfg_type}{{}}}}", "}"])
        f.add(["type pluginContext struct {", "\ttypes.DefaultPluginContext", "\tcontextID uint32",
               f"\tconfig    *{p.cfg_type}", "\trequests  int", "}"])
        tick = r.random() < 0.3
        start = ["data, err := proxywasm.GetPluginConfiguration()",
                 "if err != nil && err != types.ErrorStatusNotFound {",
                 "\tproxywasm.LogCriticalf(\"read plugin configuration: %v\", err)",
                 "\treturn types.OnPluginStartStatusFailed", "}",
                 "if len(data) > 0 && !gjson.ValidBytes(data) {",
                 "\tproxywasm.LogCritical(\"plugin configuration is not valid JSON\")",
                 "\treturn types.OnPluginStartStatusFailed", "}",
                 "if err := p.config.load(gjson.ParseBytes(data)); err != nil {",
                 "\tproxywasm.LogCriticalf(\"invalid configuration: %v\", err)",
                 "\treturn types.OnPluginStartStatusFailed", "}"]
        if p.uses_redis:
            cl = f.cfg_str("clusterName")
            start += [f"if err := proxywasm.RedisInit(p.config.{cl}, \"\", \"\", {r.choice([1000, 2000])}); err != nil {{",
                      "\tproxywasm.LogCriticalf(\"init redis: %v\", err)", "\treturn types.OnPluginStartStatusFailed", "}"]
        if tick:
            start += [f"if err := proxywasm.SetTickPeriodMilliSeconds({r.choice([1000, 5000, 10000])}); err != nil {{",
                      "\tproxywasm.LogCriticalf(\"set tick period: %v\", err)", "\treturn types.OnPluginStartStatusFailed", "}"]
        start.append("return types.OnPluginStartStatusOK")
        f.add(["func (p *pluginContext) OnPluginStart(pluginConfigurationSize int) types.OnPluginStartStatus {",
               *block(start), "}"])
        if tick:
            f.add(["func (p *pluginContext) OnTick() {",
                   "\tproxywasm.LogDebugf(\"handled %d requests\", p.requests)", "\tp.requests = 0", "}"])
        f.add(["func (p *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {",
               "\treturn &httpContext{contextID: contextID, plugin: p}", "}"])
        f.add(["type httpContext struct {", "\ttypes.DefaultHttpContext", "\tcontextID uint32",
               "\tplugin    *pluginContext", "\tpath      string", "\tstartedAt int64", "}"])
        self.raw_request_headers(f)
        if "request_body" in p.handlers:
            self.raw_request_body(f)
        if "response_headers" in p.handlers:
            self.raw_response_headers(f)
        f.add(["func (h *httpContext) OnHttpStreamDone() {",
               "\th.plugin.requests++",
               f"\tproxywasm.LogDebugf(\"{p.name}: stream %d done for %s\", h.contextID, h.path)", "}"])
        self.fill(f, target, "main")
        return f

    def raw_scope(self) -> Scope:
        sc = Scope()
        sc.add("cfg", "cfg", assignable=False)
        for fl in self.p.fields:
            if fl.typ in ("string", "int", "bool", "[]string", "map[string]string"):
                sc.add(f"cfg.{fl.name}", fl.typ, assignable=False)
        return sc

    def raw_request_headers(self, f: FileGen) -> None:
        p, r = self.p, self.r
        sc = self.raw_scope()
        fn = Fn(("types.Action",), pitfall=f.roll_pitfall("code_after_return", "goroutine", "time_sleep"))
        body = ["cfg := h.plugin.config",
                "path, err := proxywasm.GetHttpRequestHeader(\":path\")",
                "if err != nil {", "\tproxywasm.LogWarnf(\"read :path: %v\", err)", "\treturn types.ActionContinue", "}",
                "h.path = path"]
        sc.add("path", "string")
        sc.add("err", "error")
        body += f.stmts(fn, sc, 0, r.randint(3, 8))
        if "request_body" in p.handlers and r.random() < 0.8:
            body.append("_ = proxywasm.RemoveHttpRequestHeader(\"content-length\")")
        strs = sc.of("string")
        key = r.choice(strs)
        if p.async_helpers and r.random() < 0.7:
            name = self.pick_async_helper()
            body += [f"if err := {name}(cfg, {key}); err != nil {{", "\tproxywasm.LogErrorf(\"dispatch: %v\", err)",
                     "\treturn types.ActionContinue", "}", "return types.ActionPause"]
        else:
            body += [f"if {f.cond(sc)} {{", f"\t{f.deny_call(403, 'denied')}", "\treturn types.ActionPause", "}",
                     "return types.ActionContinue"]
        if fn.pitfall == "code_after_return":
            fn.pitfall = None
            self.g.pitfalls["code_after_return"] += 1
            body.append(f.log_any(sc))
        f.add(["func (h *httpContext) OnHttpRequestHeaders(numHeaders int, endOfStream bool) types.Action {",
               *block(body), "}"])

    def raw_request_body(self, f: FileGen) -> None:
        r = self.r
        sc = self.raw_scope()
        fn = Fn(("types.Action",))
        body = ["if !endOfStream {", "\treturn types.ActionPause", "}",
                "cfg := h.plugin.config",
                "body, err := proxywasm.GetHttpRequestBody(0, bodySize)",
                "if err != nil {", "\tproxywasm.LogErrorf(\"read body: %v\", err)", "\treturn types.ActionContinue", "}"]
        key = r.choice(JSON_KEYS)
        body.append(f"{sc.add('value', 'string')} := gjson.GetBytes(body, {quote(key)}).String()")
        body += f.stmts(fn, sc, 0, r.randint(2, 5))
        body += [f"if {f.cond(sc)} {{", f"\t{f.deny_call(400, 'invalid_body')}", "\treturn types.ActionPause", "}",
                 "return types.ActionContinue"]
        f.add(["func (h *httpContext) OnHttpRequestBody(bodySize int, endOfStream bool) types.Action {", *block(body), "}"])

    def raw_response_headers(self, f: FileGen) -> None:
        r = self.r
        sc = self.raw_scope()
        fn = Fn(("types.Action",))
        body = ["cfg := h.plugin.config", f"_ = proxywasm.AddHttpResponseHeader({quote('x-' + self.p.name)}, h.path)"]
        body += f.stmts(fn, sc, 0, r.randint(1, 4))
        body.append("return types.ActionContinue")
        f.add(["func (h *httpContext) OnHttpResponseHeaders(numHeaders int, endOfStream bool) types.Action {",
               *block(body), "}"])

    # ------------------------------------------------------------------ assembly

    def write(self, n_files: int, budget: int) -> list[tuple[str, str]]:
        """Return (relative path, text) for every file of the plugin."""
        p, r = self.p, self.r
        names = ["config.go", "response.go"]
        if p.uses_http or p.sdk == "raw":
            names.append("client.go")
        if p.uses_redis:
            names.append("redis.go")
        sub_files = 0
        if p.subpackage:
            sub_files = 1 if n_files < 8 else r.randint(1, 2)
        extra_count = max(0, n_files - 1 - len(names) - sub_files)
        names += r.sample(EXTRA_FILES, min(extra_count, len(EXTRA_FILES)))
        weights = {"main.go": 2.2, "config.go": 0.9, "response.go": 0.5, "types.go": 0.4, "constants.go": 0.35, "errors.go": 0.35}
        plan = [(n, weights.get(n, r.lognormvariate(0, 0.45))) for n in ["main.go", *names]]
        plan += [(f"internal/{p.subpackage}/{n}", r.lognormvariate(-0.2, 0.4))
                 for n in r.sample(["strings.go", "paths.go", "keys.go"], sub_files)]
        total_w = sum(w for _, w in plan)
        targets = {n: max(1200, int(budget * w / total_w)) for n, w in plan}
        files: list[tuple[str, FileGen]] = []
        # Sub-package and helper files first: main.go calls what they define.
        for n, _ in plan:
            if n.startswith("internal/"):
                fg = self.new_file(package=p.subpackage or "util", in_plugin=False)
                while fg.size() < targets[n]:
                    fg.helper_func(exported=True)
                files.append((n, fg))
        helpers_first = [n for n, _ in plan if not n.startswith("internal/") and n not in ("main.go", "config.go")]
        files.append(("config.go", self.config_file(targets["config.go"])))
        for n in helpers_first:
            fg = self.new_file()
            if n == "response.go":
                fg.deny_helper()
                self.fill(fg, targets[n], "response")
            elif n == "client.go":
                for _ in range(r.randint(1, 2)):
                    fg.async_helper("http" if p.sdk != "raw" else "raw")
                self.fill(fg, targets[n], "client" if p.sdk != "raw" else "plain")
            elif n == "redis.go":
                fg.async_helper("redis")
                self.fill(fg, targets[n], "redis")
            else:
                self.fill(fg, targets[n], THEME_OF.get(n, "plain"))
            files.append((n, fg))
        main = self.raw_main(targets["main.go"]) if p.sdk == "raw" else self.wrapper_main(targets["main.go"])
        files.append(("main.go", main))
        for helper, kind in p.pending:
            self.g.pitfalls[kind if helper in p.called else "in_uncalled_helper_callback"] += 1
        return [(n, fg.render()) for n, fg in files]


# --------------------------------------------------------------------------- corpus


class CorpusGen:
    def __init__(self, seed: int, pitfall_rate: float) -> None:
        self.rng = random.Random(seed)
        self.pitfall_rate = pitfall_rate
        self.pitfalls: Counter[str] = Counter()

    def plugin(self, index: int, used: set[str]) -> Plugin:
        r = self.rng
        name = ""
        while not name or name in used:
            name = f"{r.choice(PLUGIN_HEADS)}-{r.choice(PLUGIN_TAILS)}"
            if name in used:
                name = f"{name}-v{r.randint(2, 3)}"
        used.add(name)
        sdk = r.choices(["new", "old", "raw"], [0.5, 0.3, 0.2])[0]
        pool = [
            ConfigField("serviceName", "string", "serviceName"), ConfigField("servicePort", "int64", "servicePort"),
            ConfigField("checkPath", "string", "checkPath"), ConfigField("timeout", "uint32", "timeout"),
            ConfigField("redisKeyPrefix", "string", "redis.keyPrefix"), ConfigField("limit", "int", "limit"),
            ConfigField("clusterName", "string", "cluster"),
        ]
        optional = [
            ConfigField("enabled", "bool", "enabled"), ConfigField("failOpen", "bool", "failOpen"),
            ConfigField("headerName", "string", "headerName"), ConfigField("tokenPrefix", "string", "tokenPrefix"),
            ConfigField("defaultTenant", "string", "defaultTenant"), ConfigField("denyMessage", "string", "denyMessage"),
            ConfigField("allowList", "[]string", "allow"), ConfigField("denyList", "[]string", "deny"),
            ConfigField("skipPaths", "[]string", "skipPaths"), ConfigField("headerMap", "map[string]string", "headers"),
            ConfigField("modelMapping", "map[string]string", "modelMapping"), ConfigField("windowSeconds", "int", "windowSeconds"),
            ConfigField("maxRetries", "int", "maxRetries"), ConfigField("bufferLimit", "uint32", "bufferLimit"),
            ConfigField("dryRun", "bool", "dryRun"), ConfigField("trustedHosts", "[]string", "trustedHosts"),
        ]
        fields = [pool[0], pool[1], pool[2], pool[4], pool[5]] + ([pool[3]] if r.random() < 0.7 else [])
        if sdk == "raw":
            fields.append(pool[6])
        fields += r.sample(optional, r.randint(3, 9))
        if r.random() < 0.2:
            r.shuffle(fields)
        uses_http = sdk != "raw" and r.random() < 0.7
        uses_redis = r.random() < 0.4
        handlers = ["request_headers"]
        if r.random() < 0.35:
            handlers.append("request_body")
        if r.random() < 0.5:
            handlers.append("response_headers")
        if sdk != "raw":
            roll = r.random()
            if roll < 0.25:
                handlers.append("response_body")
            elif roll < 0.4:
                handlers.append("streaming_response_body")
            if r.random() < 0.25:
                handlers.append("stream_done")
        own = camel(*name.split("-"), "Config")
        cfg_type = r.choice(["PluginConfig", own[0].upper() + own[1:]])
        if sdk == "raw":
            cfg_type = "pluginConfig"
        plugin = Plugin(
            name=name, sdk=sdk, directory=f"extensions/{name}", module=f"{MODULE_ROOT}/{name}",
            cfg_type=cfg_type, fields=fields, uses_http=uses_http, uses_redis=uses_redis, handlers=handlers,
            register_in_init=(sdk == "new") or (sdk == "raw" and r.random() < 0.5),
            by_handlers=(sdk == "old") or (sdk == "new" and r.random() < 0.3),
            subpackage=r.choice(["util", "keyutil", "textutil", "pathutil"]) if r.random() < 0.25 else None,
            deny=r.choice(["sendDeny", "denyRequest", "replyError", "rejectWith"]),
            rule_type=r.choice(["routeRule", "accessRule", "policyRule"]) if r.random() < 0.4 else None,
        )
        plugin.names.update({"main", "init", "parseConfig", plugin.deny, plugin.cfg_type,
                             "onHttpRequestHeaders", "onHttpRequestBody", "onHttpResponseHeaders",
                             "onHttpResponseBody", "onStreamingResponseBody", "onHttpStreamDone",
                             "vmContext", "pluginContext", "httpContext"})
        if plugin.rule_type:
            plugin.names.add(plugin.rule_type)
        if r.random() < 0.5:
            plugin.globals = [(plugin.unique(camel("total", r.choice(NOUNS), "Requests")), "0")]
        return plugin

    def go_mod(self, p: Plugin) -> str:
        go = {"new": "1.24", "old": "1.19", "raw": "1.24" if p.register_in_init else "1.20"}[p.sdk]
        placeholder = "v0.0.0-00010101000000-000000000000"
        req = [f"github.com/higress-group/proxy-wasm-go-sdk {placeholder}", "github.com/tidwall/gjson v1.17.3"]
        if p.sdk == "new":
            req.append(f"github.com/higress-group/wasm-go {placeholder}")
        elif p.sdk == "old":
            req.append(f"github.com/alibaba/higress/plugins/wasm-go {placeholder}")
        if p.uses_redis:
            req.append("github.com/tidwall/resp v0.1.1")
        req.append("github.com/tidwall/sjson v1.2.5")
        return f"module {p.module}\n\ngo {go}\n\nrequire (\n" + "".join(f"\t{x}\n" for x in sorted(req)) + ")\n"

    def generate(self, out: Path, total_bytes: int, n_files: int, n_plugins: int) -> dict[str, object]:
        r = self.rng
        counts = [r.randint(7, 13) for _ in range(n_plugins)]
        while sum(counts) != n_files:
            i = r.randrange(n_plugins)
            if sum(counts) < n_files and counts[i] < 18:
                counts[i] += 1
            elif sum(counts) > n_files and counts[i] > 4:
                counts[i] -= 1
        used: set[str] = set()
        written = 0
        files = 0
        sdk_counts: Counter[str] = Counter()
        for i, count in enumerate(counts):
            plugin = self.plugin(i, used)
            sdk_counts[plugin.sdk] += 1
            # What is left, shared by the files still to write: over- or undershoot of
            # earlier plugins is corrected by the later ones.
            remaining_files = n_files - files
            budget = max(count * 1500, int((total_bytes - written) * count / remaining_files))
            for rel, text in PluginWriter(self, plugin).write(count, budget):
                path = out / plugin.directory / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                data = text.encode()
                path.write_bytes(data)
                written += len(data)
                files += 1
            (out / plugin.directory / "go.mod").write_text(self.go_mod(plugin))
        return {
            "plugins": n_plugins,
            "go_files": files,
            "go_bytes": written,
            "sdk_generations": dict(sorted(sdk_counts.items())),
            "pitfalls": {k: self.pitfalls[k] for k in PITFALLS},
            "pitfalls_unreachable": self.pitfalls["in_uncalled_helper_callback"],
        }


def check_corpus(root: Path) -> list[str]:
    """Parse every .go file under ``root``; return the files whose tree has errors."""
    import tree_sitter_go
    from tree_sitter import Language, Parser

    parser = Parser(Language(tree_sitter_go.language()))
    bad: list[str] = []
    for path in sorted(root.rglob("*.go")):
        tree = parser.parse(path.read_bytes())
        if tree.root_node.has_error:
            first = _first_error(tree.root_node)
            bad.append(f"{path}:{first}")
    return bad


def _first_error(node: Node) -> str:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            row, col = n.start_point
            return f"{row + 1}:{col + 1}: {'MISSING ' + n.type if n.is_missing else 'ERROR'}"
        stack.extend(reversed([c for c in n.children if c.has_error or c.is_missing]))
    return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "corpus",
                    help="output directory (default: benchmarks/corpus)")
    ap.add_argument("--size-mb", type=float, default=4.0, help="total Go source size in MB (10^6 bytes); default 4")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, help="number of .go files (default: one per ~10 kB)")
    ap.add_argument("--plugins", type=int, help="number of plugin directories (default: files / 10)")
    ap.add_argument("--pitfall-rate", type=float, default=0.04,
                    help="probability that a generated function carries a pitfall (default 0.04)")
    ap.add_argument("--check", action="store_true",
                    help="parse every generated file with tree-sitter-go; fail on ERROR/MISSING nodes")
    ap.add_argument("--force", action="store_true", help="replace --out even if it was not made by this script")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)

    total = int(args.size_mb * MB)
    n_files = args.files or max(1, round(total / 10_000))
    n_plugins = args.plugins or max(1, round(n_files / 10))
    n_plugins = min(n_plugins, n_files)
    if n_files < 4 * n_plugins:
        ap.error("need at least 4 files per plugin")
    out: Path = args.out
    if out.exists():
        if not (out / MANIFEST).exists() and any(out.iterdir()) and not args.force:
            ap.error(f"{out} exists and has no {MANIFEST}; refusing to overwrite (use --force)")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    gen = CorpusGen(args.seed, args.pitfall_rate)
    summary = gen.generate(out, total, n_files, n_plugins)
    manifest = {"generator": "benchmarks/gen_corpus.py", "seed": args.seed, "size_mb": args.size_mb,
                "pitfall_rate": args.pitfall_rate, **summary}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    if not args.quiet:
        go_bytes = summary["go_bytes"]
        assert isinstance(go_bytes, int)
        print(f"wrote {summary['go_files']} Go files, {go_bytes / MB:.2f} MB, "
              f"{summary['plugins']} plugins to {out} (seed {args.seed})")
        print(f"  SDK generations: {summary['sdk_generations']}")
        print(f"  pitfalls: {summary['pitfalls']}")
    if args.check:
        bad = check_corpus(out)
        if bad:
            for line in bad[:50]:
                print(f"syntax error: {line}", file=sys.stderr)
            print(f"{len(bad)} file(s) do not parse cleanly", file=sys.stderr)
            return 1
        if not args.quiet:
            print(f"  check: all {summary['go_files']} files parse without ERROR/MISSING nodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
