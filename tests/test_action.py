"""The composite GitHub Action (action.yml): its structure, the README's workflow that
uses it, and its steps run locally the way a runner runs them.

The local run is a small emulation of the Actions runner: each ``run:`` step goes to
``bash --noprofile --norc -eo pipefail`` (what ``shell: bash`` means on a runner) with
its ``env:`` expressions evaluated against the inputs and the earlier steps' outputs
(read back from ``$GITHUB_OUTPUT``), ``if:`` conditions evaluated, and ``uses:`` steps
(upload-sarif) recorded with their evaluated ``with:`` instead of run. The install step
really pip-installs the action's code (this repository at HEAD, as a runner checks it
out) into a fresh virtual environment.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_precommit import HANDLERS_GO, HANDLERS_GO_PAUSE, PAUSE_LINE, write_plugin

ROOT = Path(__file__).resolve().parent.parent
ACTION_FILE = ROOT / "action.yml"
README = ROOT / "README.md"
UPLOAD_SARIF = "github/codeql-action/upload-sarif@v3"


def action() -> dict[str, Any]:
    loaded = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def steps() -> list[dict[str, Any]]:
    return list(action()["runs"]["steps"])


# -- GitHub expressions: just what action.yml uses --

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<call>(?:cancelled|success|always|failure)\(\))"
    r"|(?P<path>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*))"
)


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """A GitHub Actions expression (without ``${{ }}``): string literals, context paths
    (``inputs.sarif-file``, ``steps.lint.outputs.exit-code``), ``== != && || !`` and
    parentheses, and the status functions (a run that is neither cancelled nor failed)."""
    python: list[str] = []
    values: dict[str, Any] = {}
    position = 0
    expression = expression.strip()
    while position < len(expression):
        token = _TOKEN.match(expression, position)
        assert token and token.end() > position, f"unsupported expression: {expression!r}"
        position = token.end()
        if token["str"] is not None:
            python.append(repr(token["str"][1:-1].replace("''", "'")))
        elif token["op"] is not None:
            python.append({"&&": " and ", "||": " or ", "!": " not "}.get(token["op"], token["op"]))
        elif token["call"] is not None:
            python.append(repr(token["call"] != "failure()"))
        else:
            value: Any = context
            for part in token["path"].split("."):
                value = value.get(part, "") if isinstance(value, Mapping) else ""
            name = f"v{len(values)}"
            values[name] = value
            python.append(name)
    return eval("".join(python), {"__builtins__": {}}, values)


def substitute(text: str, context: Mapping[str, Any]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m.group(1), context)), text)


# -- a local runner --


@dataclass
class StepRun:
    step: dict[str, Any]
    skipped: bool = False
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    env: dict[str, str] = field(default_factory=dict)
    with_: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, dict[str, str]]

    def by_name(self, fragment: str) -> StepRun:
        (found,) = [s for s in self.steps if fragment in s.step.get("name", "")]
        return found

    @property
    def failed(self) -> bool:
        return any(s.returncode != 0 for s in self.steps)


def _as_input(value: Any) -> str:
    if isinstance(value, bool):  # YAML `true` in a workflow's with: is the string "true"
        return "true" if value else "false"
    return str(value)


def run_action(
    inputs: Mapping[str, Any],
    workspace: Path,
    action_path: Path,
    runner_temp: Path,
    done: Mapping[str, dict[str, str]] | None = None,
) -> ActionRun:
    """Run action.yml's steps in ``workspace`` with ``inputs`` (a workflow's ``with:``).
    ``done``: outputs of steps (by id) that already ran; those steps are not run again."""
    spec = action()
    given = {name: _as_input(value) for name, value in inputs.items()}
    unknown = set(given) - set(spec["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    values = {name: _as_input(meta.get("default", "")) for name, meta in spec["inputs"].items()} | given
    outputs: dict[str, dict[str, str]] = {k: dict(v) for k, v in (done or {}).items()}
    context: dict[str, Any] = {"inputs": values, "github": {"action_path": str(action_path)}, "steps": {}}
    ran: list[StepRun] = []
    failed = False
    for index, step in enumerate(spec["runs"]["steps"]):
        context["steps"] = {sid: {"outputs": out} for sid, out in outputs.items()}
        if step.get("id") in (done or {}):
            continue
        condition = step.get("if")
        proceed = not failed if condition is None else (not failed and bool(evaluate(
            re.sub(r"^\s*\$\{\{(.*)\}\}\s*$", r"\1", str(condition)), context
        )))
        if not proceed:
            ran.append(StepRun(step, skipped=True))
            continue
        if "uses" in step:
            ran.append(StepRun(step, with_={k: substitute(str(v), context) for k, v in step.get("with", {}).items()}))
            continue
        output_file = runner_temp / f"output-{index}"
        output_file.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "VIRTUAL_ENV"))}
        env.update({k: substitute(str(v), context) for k, v in step.get("env", {}).items()})
        env.update(
            GITHUB_OUTPUT=str(output_file),
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_ACTION_PATH=str(action_path),
            RUNNER_TEMP=str(runner_temp),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        )
        script = runner_temp / f"step-{index}.sh"
        script.write_text(step["run"])
        assert step["shell"] == "bash"
        cwd = workspace / substitute(str(step.get("working-directory", ".")), context)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        parsed: dict[str, str] = {}
        for line in output_file.read_text().splitlines():
            assert "<<" not in line.split("=", 1)[0], "multi-line outputs are not emulated"
            key, _, value = line.partition("=")
            parsed[key] = value
        if "id" in step:
            outputs[step["id"]] = parsed
        ran.append(StepRun(step, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, env=env))
        failed = failed or proc.returncode != 0
    return ActionRun(ran, outputs)


# -- structure --


def test_action_metadata_is_a_documented_composite_action() -> None:
    spec = action()
    assert spec["name"] and spec["description"]
    assert spec["runs"]["using"] == "composite"
    for name, meta in spec["inputs"].items():
        assert meta.get("description"), f"input {name} has no description"
        assert "default" in meta and meta.get("required", False) is False, name
    for name, meta in spec["outputs"].items():
        assert meta.get("description") and meta.get("value"), name
    for step in spec["runs"]["steps"]:
        assert step.get("name"), step
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", f"a composite run step needs a shell: {step['name']}"
            # inputs reach scripts through env, so no value can inject shell code
            assert "${{" not in step["run"], step["name"]


def test_every_input_is_used_and_every_reference_exists() -> None:
    spec = action()
    text = ACTION_FILE.read_text(encoding="utf-8")
    body = text[text.index("\nruns:") :]
    used = set(re.findall(r"inputs\.([\w-]+)", body))
    assert used == set(spec["inputs"])
    seen: set[str] = set()
    for step in spec["runs"]["steps"]:
        referenced = set(re.findall(r"steps\.([\w-]+)\.outputs", yaml.safe_dump(step)))
        assert referenced <= seen, f"{step['name']} reads a step that has not run: {referenced - seen}"
        if "id" in step:
            seen.add(step["id"])
    for meta in spec["outputs"].values():
        assert set(re.findall(r"steps\.([\w-]+)\.outputs", meta["value"])) <= seen


def test_sarif_upload_uses_codeql_action_with_the_category() -> None:
    (upload,) = [s for s in steps() if "uses" in s]
    assert upload["uses"] == UPLOAD_SARIF
    assert upload["with"]["category"] == "${{ inputs.category }}"
    assert "steps.lint.outputs.sarif-file" in upload["with"]["sarif_file"]
    assert "inputs.sarif == 'true'" in upload["if"]
    lint = next(s for s in steps() if s.get("id") == "lint")
    assert lint["env"]["WGL_CATEGORY"] == "${{ inputs.category }}"
    assert "--sarif-category" in lint["run"] and "--output github" in lint["run"]


def readme_workflow() -> dict[str, Any]:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- github-workflow:start -->\s*```yaml\n(.*?)```\s*<!-- github-workflow:end -->", text, re.S)
    assert found, "README.md lacks the github-workflow block"
    loaded = yaml.safe_load(found.group(1))
    assert isinstance(loaded, dict)
    return loaded


def readme_action_step() -> dict[str, Any]:
    (job,) = readme_workflow()["jobs"].values()
    (step,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("wasm-go-lint/wasm-go-lint@")]
    return dict(step)


def test_readme_workflow_uses_the_action() -> None:
    (job,) = readme_workflow()["jobs"].values()
    assert job["steps"][0]["uses"].startswith("actions/checkout@")
    step = readme_action_step()
    assert set(step.get("with", {})) <= set(action()["inputs"])
    if step["with"].get("sarif") is True:
        assert job["permissions"]["security-events"] == "write"


def test_readme_input_table_lists_every_input() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## GitHub Action") :]
    section = section[: section.index("\n## ", 3)]
    rows = set(re.findall(r"^\| `([\w-]+)` \|", section, re.M))
    assert rows == set(action()["inputs"])


# -- the steps, run locally --


@pytest.fixture(scope="module")
def action_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository at HEAD, as a runner checks out ``uses: ...@REF``."""
    target = tmp_path_factory.mktemp("action")
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


@pytest.fixture(scope="module")
def installed(action_checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The install step, run once: its outputs."""
    temp = tmp_path_factory.mktemp("runner-temp")
    workspace = tmp_path_factory.mktemp("empty-workspace")
    only_install = {"lint": {"exit-code": "0"}}  # stop after install: lint "already ran", cleanly
    run = run_action({"python": sys.executable}, workspace, action_checkout, temp, done=only_install)
    install = run.by_name("Install")
    assert install.returncode == 0, install.stdout + install.stderr
    assert re.fullmatch(r"wasm-go-lint \S+\n", install.stdout), install.stdout
    linter = run.outputs["install"]["linter"]
    assert Path(linter).is_file() and linter.startswith(str(temp))
    return {"install": run.outputs["install"]}


def workspace_with_plugin(path: Path, handlers: str) -> Path:
    """A checked-out repository (git, so SARIF paths are repository-relative) with a plugin."""
    path.mkdir()
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    write_plugin(path / "plugins" / "header-guard", handlers=handlers)
    return path


def test_readme_workflow_steps_annotate_write_sarif_and_fail(
    tmp_path: Path, action_checkout: Path, installed: dict[str, dict[str, str]]
) -> None:
    workspace = workspace_with_plugin(tmp_path / "workspace", HANDLERS_GO_PAUSE)
    inputs = readme_action_step()["with"]
    run = run_action(inputs, workspace, action_checkout, tmp_path, done=installed)

    lint = run.by_name("Run wasm-go-lint")
    assert run.outputs["lint"]["exit-code"] == "1", lint.stdout + lint.stderr
    annotation = (
        f"::error file=plugins/header-guard/handlers.go,line={PAUSE_LINE},col=3,endLine={PAUSE_LINE},"
        "endColumn=50,title=WG103 pause-without-resume::returns `types.HeaderStopAllIterationAndWatermark`"
    )
    assert annotation in lint.stdout, lint.stdout

    sarif_path = Path(run.outputs["lint"]["sarif-file"])
    assert sarif_path == workspace / "wasm-go-lint.sarif"
    log = json.loads(sarif_path.read_text(encoding="utf-8"))
    (sarif_run,) = log["runs"]
    assert sarif_run["automationDetails"]["id"] == f"{inputs['category']}/"
    (result,) = sarif_run["results"]
    assert result["ruleId"] == "WG103"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "plugins/header-guard/handlers.go"
    assert location["region"]["startLine"] == PAUSE_LINE

    upload = run.by_name("Upload SARIF")
    assert not upload.skipped
    assert upload.step["uses"] == UPLOAD_SARIF
    assert upload.with_ == {"sarif_file": str(sarif_path), "category": inputs["category"]}

    fail = run.by_name("Fail on findings")
    assert not fail.skipped and fail.returncode == 1 and run.failed


def test_clean_code_passes_without_sarif(tmp_path: Path, action_checkout: Path, installed: dict[str, dict[str, str]]) -> None:
    workspace = workspace_with_plugin(tmp_path / "workspace", HANDLERS_GO)
    run = run_action({"paths": "plugins"}, workspace, action_checkout, tmp_path, done=installed)
    lint = run.by_name("Run wasm-go-lint")
    assert run.outputs["lint"] == {"exit-code": "0"}, lint.stdout + lint.stderr
    assert "::" not in lint.stdout
    assert run.by_name("Upload SARIF").skipped and run.by_name("Fail on findings").skipped
    assert not run.failed
    assert not (workspace / "wasm-go-lint.sarif").exists()


def test_inputs_args_paths_and_working_directory(
    tmp_path: Path, action_checkout: Path, installed: dict[str, dict[str, str]]
) -> None:
    """``args`` and ``paths`` are shell-split (quotes kept together), the run happens in
    ``working-directory``, and without annotations the SARIF file is joined by the
    readable report on stdout."""
    workspace = workspace_with_plugin(tmp_path / "workspace", HANDLERS_GO_PAUSE)
    (workspace / "plugins" / "header guard").mkdir()
    write_plugin(workspace / "plugins" / "header guard", handlers=HANDLERS_GO_PAUSE)
    inputs = {
        "working-directory": "plugins",
        "paths": "'header guard' header-guard/handlers.go",
        "args": "--select 'WG103' --exit-zero",
        "annotations": False,
        "sarif": True,
        "upload-sarif": False,
        "sarif-file": "out/lint.sarif",
    }
    run = run_action(inputs, workspace, action_checkout, tmp_path, done=installed)
    lint = run.by_name("Run wasm-go-lint")
    assert run.outputs["lint"]["exit-code"] == "0", lint.stdout + lint.stderr  # --exit-zero
    assert f"header guard/handlers.go:{PAUSE_LINE}:3: WG103" in lint.stdout
    assert f"header-guard/handlers.go:{PAUSE_LINE}:3: WG103" in lint.stdout
    assert "::error" not in lint.stdout
    sarif = workspace / "plugins" / "out" / "lint.sarif"
    assert run.outputs["lint"]["sarif-file"] == str(sarif)
    assert len(json.loads(sarif.read_text())["runs"][0]["results"]) == 2
    assert run.by_name("Upload SARIF").skipped and run.by_name("Fail on findings").skipped


def _stub_python(path: Path, log: Path) -> Path:
    """A "python" for the install step that records what pip is asked to install."""
    path.write_text(
        "#!/bin/bash\n"
        'if [ "$1 $2" = "-m venv" ]; then\n'
        '  mkdir -p "$3/bin"\n'
        f'  printf \'#!/bin/bash\\necho "$*" >> {log}\\n\' > "$3/bin/python"\n'
        '  printf \'#!/bin/bash\\necho "wasm-go-lint 9.9.9"\\n\' > "$3/bin/wasm-go-lint"\n'
        '  chmod +x "$3/bin/python" "$3/bin/wasm-go-lint"\n'
        "fi\n"
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("", "{action_path}"),
        ("0.1.0", "wasm-go-lint==0.1.0"),
        ("wasm-go-lint @ git+https://github.com/wasm-go-lint/wasm-go-lint@0123abc", "wasm-go-lint @ git+https://github.com/wasm-go-lint/wasm-go-lint@0123abc"),
    ],
)
def test_version_input_chooses_what_pip_installs(tmp_path: Path, version: str, requirement: str) -> None:
    log = tmp_path / "pip.log"
    python = _stub_python(tmp_path / "python", log)
    action_path = tmp_path / "action"
    run = run_action(
        {"python": str(python), "version": version}, tmp_path, action_path, tmp_path, done={"lint": {"exit-code": "0"}}
    )
    assert not run.failed, [s.stderr for s in run.steps]
    expected = requirement.format(action_path=action_path)
    assert log.read_text() == f"-m pip install --quiet --disable-pip-version-check {expected}\n"
