import subprocess

import pytest

from promsec_ci.errors import PromsecError
from promsec_ci.git_history import ensure_merge_base


def clone(origin, target, *args):
    subprocess.run(["git", "clone", "-q", *args, f"file://{origin}", str(target)], check=True)
    return target


@pytest.fixture
def branched(git_repo):
    for i in range(3):
        git_repo.write("a.py", f"x = {i}\n")
        git_repo.commit(f"main {i}")
    fork_point = git_repo.git("rev-parse", "HEAD")
    git_repo.git("checkout", "-q", "-b", "feature")
    for i in range(3):
        git_repo.write("b.py", f"y = {i}\n")
        git_repo.commit(f"feature {i}")
    head = git_repo.git("rev-parse", "HEAD")
    git_repo.git("checkout", "-q", "main")
    git_repo.write("c.py", "z = 1\n")
    base = git_repo.commit("main moves on")
    return git_repo, fork_point, base, head


def is_shallow(path) -> str:
    return subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=path, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_shallow_single_branch_clone_is_fetched_and_deepened(branched, tmp_path):
    repo, fork_point, base, head = branched
    work = clone(repo.path, tmp_path / "ci", "--depth=1", "--branch", "feature")
    assert is_shallow(work) == "true"

    found = ensure_merge_base(str(work), ["origin/main", base], head)

    assert (found.base, found.head, found.fetched) == (base, head, True)
    merge_base = subprocess.run(["git", "merge-base", base, head], cwd=work, capture_output=True, text=True)
    assert merge_base.stdout.strip() == fork_point


def test_full_clone_needs_no_fetch(branched, tmp_path):
    repo, _, base, head = branched
    work = clone(repo.path, tmp_path / "full")
    found = ensure_merge_base(str(work), ["origin/main"], "origin/feature")
    assert (found.base, found.head, found.fetched) == (base, head, False)


def test_unknown_base_is_a_one_line_error(branched, tmp_path):
    repo, *_ = branched
    work = clone(repo.path, tmp_path / "ci", "--depth=1", "--branch", "feature")
    with pytest.raises(PromsecError, match="cannot resolve or fetch the base"):
        ensure_merge_base(str(work), ["origin/no-such-branch"], None)


def test_not_a_repository(tmp_path):
    with pytest.raises(PromsecError, match="not a git repository"):
        ensure_merge_base(str(tmp_path), ["main"], None)
