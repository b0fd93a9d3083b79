"""Rule documentation: docs/rules/ is current, and every documented example is true.

The ``## Example`` block of each rule's docstring must produce that rule's code and
the ``## Use instead`` block must not. Examples are fragments (a function, or a few
statements), so they are wrapped in a small plugin: package main, the SDK imports, a
``Config`` type, a parse function and a request-header handler registered with
``wrapper.SetCtx``; statements become the body of that handler. Declarations the
example makes itself (its own ``Config``, ``parseConfig`` or handler) replace the
wrapper's.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from linter.engine import Linter
from linter.registry import all_rules
from linter.rule import Rule
from linter.ruledocs import generated_docs, rule_markdown, sections
from linter.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent
RULES = all_rules()

IMPORTS = """package main

import (
\t"net/http"
\t"strings"
\t"time"

\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
\t"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
\t"github.com/higress-group/wasm-go/pkg/log"
\t"github.com/higress-group/wasm-go/pkg/wrapper"
\t"github.com/tidwall/gjson"
\t"github.com/tidwall/resp"
)

var (
\t_ = http.StatusOK
\t_ = strings.TrimSpace
\t_ = time.Second
\t_ = log.Infof
\t_ = resp.Value{}
\t_ = proxywasm.LogInfo
)
"""

HANDLERS = {
    "onHttpRequestHeaders": "ProcessRequestHeaders",
    "onHttpRequestBody": "ProcessRequestBody",
    "onStreamingRequestBody": "ProcessStreamingRequestBody",
    "onHttpResponseHeaders": "ProcessResponseHeaders",
    "onHttpResponseBody": "ProcessResponseBody",
    "onStreamingResponseBody": "ProcessStreamingResponseBody",
    "onHttpStreamDone": "ProcessStreamDone",
}
"""Handler names a fragment may declare, and the option that registers each."""

DEFAULTS = {
    "main": "\nfunc main() {}\n",
    "Config": """
type Config struct {
\tClient       wrapper.HttpClient
\tRedis        wrapper.RedisClient
\tDeny         bool
\tRequireToken bool
\tcurrentUser  string
\tseen         map[string]int
}
""",
    "parseConfig": """
func parseConfig(json gjson.Result, cfg *Config) error {
\treturn nil
}
""",
}

_DECLARED = re.compile(r"^(?:func\s+(?:\([^)]*\)\s*)?|type\s+)([A-Za-z_]\w*)", re.M)
_TOP_LEVEL = re.compile(r"^(?:func|type|var|const|import)\b")
_IMPORT = re.compile(r'^import\s+(?:\w+\s+)?"([^"]+)"\s*$', re.M)
_REGISTERED = re.compile(r"registered with(?:\s|//)+wrapper\.(\w+)\((\w+)\)")
_HTTP_CALLBACK = re.compile(r"^func\s+(\w+)\(\w+ int, \w+ http\.Header, \w+ \[\]byte\)", re.M)
_REDIS_CALLBACK = re.compile(r"^func\s+(\w+)\(\w+ resp\.Value\)", re.M)
_CALLBACK_ARGUMENT = re.compile(r"[(,]\s*(on[A-Z]\w*)\s*[,)]")
_DISPATCH_TAIL = "\tif err != nil {\n\t\treturn types.ActionContinue\n\t}\n\treturn types.HeaderStopAllIterationAndWatermark"


def go_block(markdown: str) -> str:
    match = re.search(r"```go\n(.*?)```", markdown, re.S)
    assert match, "no ```go block"
    return match.group(1)


def _indent(text: str) -> str:
    return "\n".join(("\t" + line) if line.strip() else line for line in text.splitlines())


def wrap(fragment: str, hints: str = "") -> str:
    """A whole plugin file around a documented fragment.

    - top-level declarations stay top-level and replace the wrapper's own ones (a
      fragment that calls ``SetCtx`` or declares ``init`` registers the plugin itself);
      handlers they declare (``onHttpResponseHeaders``...) are registered, with the
      option a ``registered with wrapper.X(name)`` comment (in ``hints`` or the
      fragment) names; their ``import`` lines join the import block;
    - an HTTP callback (``func f(status int, h http.Header, body []byte)``) or a Redis
      callback (``func f(response resp.Value)``) that the fragment does not use itself
      is dispatched by the request-header handler;
    - statements become the request-header handler's body; without a final return,
      it returns continue, or, when the fragment assigns ``err`` (a dispatch), the
      usual ``if err != nil { continue }; stop-all`` tail;
    - a line that is just ``...`` (elided code) becomes a comment;
    - a callback the fragment passes by name (``onChecked``) but does not show is
      declared as an HTTP callback that resumes the request.
    """
    fragment = re.sub(r"^(\s*)\.\.\.\s*$", r"\1// ...", fragment, flags=re.M)  # elided code
    imports = _IMPORT.findall(fragment)
    fragment = _IMPORT.sub("", fragment)
    lines = [line for line in fragment.splitlines() if line.strip()]
    code = [line for line in lines if not line.lstrip().startswith("//")]
    top_level = bool(code) and bool(_TOP_LEVEL.match(code[0]))
    declared = set(_DECLARED.findall(fragment)) if top_level else set()

    header = IMPORTS
    extra = [path for path in imports if f'"{path}"' not in header]
    if extra:
        header = header.replace("import (\n", "import (\n" + "".join(f'\t"{p}"\n' for p in extra), 1)
    options = {name: option for option, name in _REGISTERED.findall(hints + "\n" + fragment)}
    registered = {name: options.get(name, option) for name, option in HANDLERS.items() if name in declared}
    registered.setdefault("onHttpRequestHeaders", "ProcessRequestHeaders")
    lines_of_init = "".join(f"\t\twrapper.{option}({name}),\n" for name, option in registered.items())
    parts = [header]
    if "SetCtx" not in fragment and "init" not in declared:  # the fragment may be about registration
        parts.append(
            f'\nfunc init() {{\n\twrapper.SetCtx(\n\t\t"doc-example",\n\t\twrapper.ParseConfig(parseConfig),\n{lines_of_init}\t)\n}}\n'
        )
    parts += [text for name, text in DEFAULTS.items() if name not in declared]
    if "onHttpRequestHeaders" not in declared:
        if top_level or not code:
            http_callbacks = [c for c in _HTTP_CALLBACK.findall(fragment) if fragment.count(c) == 1]
            redis_callbacks = [c for c in _REDIS_CALLBACK.findall(fragment) if fragment.count(c) == 1]
            if http_callbacks:
                body = f'\terr := cfg.Client.Get("/check", nil, {http_callbacks[0]}, 500)\n{_DISPATCH_TAIL}'
            elif redis_callbacks:
                body = f'\terr := cfg.Redis.Get("key", {redis_callbacks[0]})\n{_DISPATCH_TAIL}'
            else:
                body = "\treturn types.ActionContinue"
        else:
            last = code[-1].strip()
            dispatches = re.search(r"\berr\s*:?=", fragment) is not None
            tail = "" if last.startswith("return ") else "\n" + (_DISPATCH_TAIL if dispatches else "\treturn types.ActionContinue")
            body = _indent(fragment.rstrip("\n")) + tail
        parts.append(f"\nfunc onHttpRequestHeaders(ctx wrapper.HttpContext, cfg Config) types.Action {{\n{body}\n}}\n")
    if top_level:
        parts.append("\n" + fragment)
    for name in dict.fromkeys(_CALLBACK_ARGUMENT.findall(fragment)):
        if name not in declared and name not in HANDLERS:
            parts.append(f"\nfunc {name}(status int, headers http.Header, body []byte) {{\n\t_ = proxywasm.ResumeHttpRequest()\n}}\n")
    return "".join(parts)


def codes_of(source: str) -> list[str]:
    file = SourceFile("example/main.go", source.encode())
    diagnostics = Linter(RULES).check_package("example", [file]).diagnostics
    return [d.code for d in diagnostics]


def _section(rule: type[Rule], title: str) -> str:
    found = dict(sections(rule))
    body = found.get(title) or found.get(title.rstrip("?"), "")
    return go_block(body)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_example_produces_the_rule(rule: type[Rule]) -> None:
    source = wrap(_section(rule, "Example"), rule.documentation())
    codes = codes_of(source)
    assert rule.code in codes, f"{rule.code}'s documented example does not produce it; linted as:\n{source}\n{codes}"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_use_instead_does_not(rule: type[Rule]) -> None:
    source = wrap(_section(rule, "Use instead"), rule.documentation())
    codes = codes_of(source)
    assert rule.code not in codes, f"{rule.code}'s 'Use instead' example produces it; linted as:\n{source}"


def test_wrapper_alone_is_clean() -> None:
    assert codes_of(wrap("")) == []


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_rule_docs", ROOT / "scripts" / "gen_rule_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_rules_are_current() -> None:
    problems = _generator().differences()
    assert not problems, f"docs/rules is out of date ({', '.join(problems)}): run python scripts/gen_rule_docs.py"


def test_generator_writes_and_removes(tmp_path: Path) -> None:
    generator = _generator()
    (tmp_path / "WG999-gone.md").write_text("old")
    generator.write(tmp_path)
    assert generator.differences(tmp_path) == []
    assert not (tmp_path / "WG999-gone.md").exists()
    (tmp_path / "README.md").write_text("edited by hand")
    assert generator.differences(tmp_path) == ["changed README.md"]


def test_rule_pages_have_every_section_and_the_fix_line() -> None:
    docs = generated_docs()
    for rule in RULES:
        page = rule_markdown(rule)
        assert docs[f"{rule.code}-{rule.name}.md"].endswith(page)
        titles = [title for title, _ in sections(rule)][:4]
        assert titles == ["What it does", "Why is this bad?", "Example", "Use instead"], rule.code
        assert "\nFix: " in page
        assert f"[{rule.code}]({rule.code}-{rule.name}.md)" in docs["README.md"]
