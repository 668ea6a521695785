"""Make a CI checkout deep enough to diff a pull request against its merge-base.

CI checkouts are often shallow (``actions/checkout`` fetches one commit by default): the PR's
base and head commits may be missing, and so may their common ancestor. ``ensure_merge_base``
fetches the two commits and deepens the history until ``git merge-base`` finds one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from promsec_ci.errors import PromsecError

DEEPEN_STEPS = (50, 200, 1000)


@dataclass(frozen=True)
class DiffRange:
    """The commits to diff: ``base`` (a commit on the target branch) and ``head``."""

    base: str
    head: str
    fetched: bool = False  # whether we had to fetch or deepen


def ensure_merge_base(root: str, bases: Sequence[str], head: str | None) -> DiffRange:
    """Resolve the first usable of ``bases`` and ``head``, fetching and deepening as needed.

    Args:
        root: a path inside the git work tree.
        bases: candidate base revisions, best first (``origin/main``, the event's base sha, ``main``).
        head: the PR head revision (``None`` or unresolvable: ``HEAD``).

    Raises:
        PromsecError: no candidate base can be resolved or fetched, or no merge-base exists even
            with the full history.
    """
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PromsecError(f"not a git repository: {root}") from None
    fetched = False
    head_sha = _resolve(repo, head) if head else None
    if head and head_sha is None:
        head_sha = _fetch(repo, head)
        fetched = fetched or head_sha is not None
    head_sha = head_sha or repo.head.commit.hexsha
    base_sha = None
    for candidate in bases:
        base_sha = _resolve(repo, candidate)
        if base_sha:
            break
    if base_sha is None:
        for candidate in bases:
            base_sha = _fetch(repo, candidate)
            if base_sha:
                fetched = True
                break
    if base_sha is None:
        raise PromsecError(
            f"cannot resolve or fetch the base ({', '.join(bases) or 'none given'}): "
            "check out with fetch-depth: 0 or pass --base"
        )
    if _merge_base(repo, base_sha, head_sha):
        return DiffRange(base_sha, head_sha, fetched)
    if _is_shallow(repo) and repo.remotes:
        remote = repo.remotes[0].name
        for depth in DEEPEN_STEPS:
            _git(repo, "fetch", "--no-tags", "--quiet", f"--deepen={depth}", remote, base_sha, head_sha)
            if _merge_base(repo, base_sha, head_sha):
                return DiffRange(base_sha, head_sha, True)
        _git(repo, "fetch", "--no-tags", "--quiet", "--unshallow", remote)
        if _merge_base(repo, base_sha, head_sha):
            return DiffRange(base_sha, head_sha, True)
    raise PromsecError(f"no merge-base between {base_sha[:12]} and {head_sha[:12]}: the branches share no history")


def _resolve(repo, rev: str) -> str | None:
    import git

    try:
        return repo.commit(rev).hexsha
    except (git.BadName, ValueError, git.GitCommandError):
        return None


def _fetch(repo, rev: str) -> str | None:
    if not repo.remotes:
        return None
    name = rev.removeprefix("origin/") if rev.startswith("origin/") else rev
    if not _git(repo, "fetch", "--no-tags", "--quiet", "--depth=1", repo.remotes[0].name, name):
        return None
    return _resolve(repo, "FETCH_HEAD")


def _merge_base(repo, a: str, b: str) -> bool:
    return _git(repo, "merge-base", a, b)


def _is_shallow(repo) -> bool:
    import git

    try:
        return repo.git.rev_parse("--is-shallow-repository").strip() == "true"
    except git.GitCommandError:
        return False


def _git(repo, *args: str) -> bool:
    import git

    try:
        repo.git.execute(["git", *args])
    except git.GitCommandError:
        return False
    return True
