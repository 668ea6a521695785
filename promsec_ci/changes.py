"""Work out what to scan: paths on disk, a diff between two commits, or the staged files.

Each source returns a ``ChangeSet`` whose files carry the exact text that was scanned and, for
diffs, the added and context lines that ``filter.py`` needs. Files that cannot be scanned
(binary, not UTF-8, oversized, symlinks leaving the repository, submodules) become notices.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from promsec_ci.config import Options
from promsec_ci.errors import PromsecError
from promsec_ci.fileio import source_encoding
from promsec_ci.records import ChangeSet, FileChange, Notice

SOURCE_SUFFIXES = (".py", ".java")
_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_SKIP_DIRS = {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__"}


def find_root(start: str = ".") -> str:
    """The top of the git work tree containing ``start``, or ``start`` itself outside git."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return str(folder)
    return str(here if here.is_dir() else here.parent)


def collect_paths(paths: Iterable[str], root: str, options: Options) -> ChangeSet:
    """Every source file under ``paths`` (files given explicitly are filtered by excludes too)."""
    root_path = Path(root).resolve()
    files: list[FileChange] = []
    notices: list[Notice] = []
    seen: set[Path] = set()
    for raw in paths:
        start = Path(raw)
        if not start.exists() and not start.is_symlink():
            raise PromsecError(f"no such file or directory: {raw}")
        for candidate in source_files(start):
            rel = _relative(candidate, root_path)
            if options.is_excluded(rel) or candidate in seen:
                continue
            seen.add(candidate)
            text, notice = _read_source(candidate, rel, root_path, options)
            if notice is not None:
                notices.append(notice)
            elif text is not None:
                files.append(FileChange(path=rel, text=text))
    return ChangeSet(root=str(root_path), files=tuple(files), notices=tuple(notices))


def source_files(start: Path) -> Iterable[Path]:
    """``start`` if it is a source file, else the source files under it, outside VCS, virtualenv
    and cache folders."""
    if start.is_file() or start.is_symlink() and not start.is_dir():
        if start.suffix in SOURCE_SUFFIXES:
            yield start
        return
    for folder, dirs, names in os.walk(start):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(names):
            if name.endswith(SOURCE_SUFFIXES):
                yield Path(folder) / name


def is_test_code(path: str) -> bool:
    """``tests/…``, ``testing/…``, ``test_*.py``, ``*_test.py`` and ``conftest.py``."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    name = parts[-1] if parts else ""
    return (any(part in ("test", "tests", "testing") for part in parts[:-1])
            or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")


def _relative(path: Path, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, root)).as_posix()


def _read_source(
    path: Path, rel: str, root: Path, options: Options
) -> tuple[str | None, Notice | None]:
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            return None, Notice(f"skipped: symlink points outside the repository ({rel})", rel)
    try:
        size = path.stat().st_size
        if size > options.max_file_bytes:
            return None, Notice(f"skipped: file is larger than {options.max_file_bytes} bytes", rel)
        data = path.read_bytes()
    except OSError as exc:
        return None, Notice(f"skipped: cannot read file ({exc.strerror})", rel)
    return decode_source(data, rel)


def decode_source(data: bytes, rel: str) -> tuple[str | None, Notice | None]:
    """Text of a source file in its own encoding (``source_encoding``), or a notice saying why
    it is not scanned."""
    if b"\0" in data:
        return None, Notice("skipped: binary file", rel)
    try:
        encoding = source_encoding(data, rel)
    except (SyntaxError, LookupError) as exc:
        return None, Notice(f"skipped: cannot decode the file: {exc} (not UTF-8, no valid coding line)", rel)
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError:
        return None, Notice(f"skipped: cannot decode the file: it is not valid {encoding}", rel)


def collect_diff(root: str, base: str, head: str | None, options: Options) -> ChangeSet:
    """Files changed between merge-base(base, head) and head, read from head's tree."""
    repo = _open_repo(root)
    head_commit = _resolve(repo, head or "HEAD", fetch=False)
    base_commit = _resolve(repo, base, fetch=True)
    bases = repo.merge_base(base_commit, head_commit)
    if not bases:
        raise PromsecError(
            f"no merge-base between {base} and {head or 'HEAD'}: "
            "fetch full history (actions/checkout with fetch-depth: 0)"
        )
    merge_base = bases[0]
    diff_text = repo.git.diff(
        merge_base.hexsha, head_commit.hexsha, "--no-color", "--no-ext-diff", "-M",
        "--unified=3", "--", *(f"*{s}" for s in SOURCE_SUFFIXES),
    )

    def read(path: str) -> bytes | None:
        try:
            blob = head_commit.tree / path
        except KeyError:
            return None
        if blob.type != "blob" or blob.mode & 0o170000 != 0o100000:  # submodule or symlink
            return None
        return blob.data_stream.read()

    files, notices = _files_from_diff(diff_text, read, options)
    return ChangeSet(
        root=str(Path(repo.working_tree_dir).resolve()),
        files=tuple(files),
        base_sha=merge_base.hexsha,
        head_sha=head_commit.hexsha,
        notices=tuple(notices),
    )


def collect_staged(root: str, options: Options) -> ChangeSet:
    """Files staged for commit, read from the index (what will be committed)."""
    repo = _open_repo(root)
    has_head = repo.head.is_valid()
    args = ["--cached", "--no-color", "--no-ext-diff", "-M", "--unified=3"]
    if not has_head:  # first commit: compare the index with git's empty tree
        args.append(_EMPTY_TREE)
    diff_text = repo.git.diff(*args, "--", *(f"*{s}" for s in SOURCE_SUFFIXES))

    entries = repo.index.entries

    def read(path: str) -> bytes | None:
        entry = entries.get((path, 0))
        if entry is None or entry.mode & 0o170000 != 0o100000:  # not a regular file (submodule, link)
            return None
        return repo.odb.stream(entry.binsha).read()

    files, notices = _files_from_diff(diff_text, read, options)
    head_sha = repo.head.commit.hexsha if has_head else None
    return ChangeSet(
        root=str(Path(repo.working_tree_dir).resolve()),
        files=tuple(files),
        base_sha=head_sha,
        head_sha=None,
        notices=tuple(notices),
    )


def _files_from_diff(diff_text: str, read, options: Options) -> tuple[list[FileChange], list[Notice]]:
    from unidiff import PatchSet
    from unidiff.errors import UnidiffParseError

    try:
        patch = PatchSet(diff_text)
    except UnidiffParseError as exc:
        raise PromsecError(f"cannot parse git diff output: {exc}") from None
    files: list[FileChange] = []
    notices: list[Notice] = []
    for patched in patch:
        path = patched.path
        if patched.target_file.startswith("b/"):
            path = patched.target_file[2:]
        if patched.is_removed_file or options.is_excluded(path):
            continue
        if patched.is_binary_file:
            notices.append(Notice("skipped: binary file", path))
            continue
        data = read(path)
        if data is None:  # a submodule, or a path that is not a regular blob
            continue
        if len(data) > options.max_file_bytes:
            notices.append(Notice(f"skipped: file is larger than {options.max_file_bytes} bytes", path))
            continue
        text, notice = decode_source(data, path)
        if notice is not None:
            notices.append(notice)
            continue
        added: set[int] = set()
        context: set[int] = set()
        for hunk in patched:
            context.update(range(hunk.target_start, hunk.target_start + hunk.target_length))
            added.update(line.target_line_no for line in hunk if line.is_added)
        files.append(
            FileChange(path=path, text=text, added_lines=frozenset(added), context_lines=frozenset(context))
        )
    return files, notices


def _open_repo(root: str):
    import git

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PromsecError(f"not a git repository: {root}") from None


def _resolve(repo, ref: str, *, fetch: bool):
    import git

    def verify(name: str):
        # repo.commit() accepts any 40-hex string unchecked; ask git whether the commit exists.
        sha = repo.git.rev_parse("--verify", "--quiet", f"{name}^{{commit}}")
        return repo.commit(sha)

    try:
        return verify(ref)
    except git.GitCommandError:
        pass
    if fetch and repo.remotes:
        shallow = Path(repo.git_dir, "shallow").exists()
        try:
            repo.git.fetch(*(["--depth=1"] if shallow else []), repo.remotes[0].name, ref)
            return verify("FETCH_HEAD")
        except git.GitCommandError:
            pass
    if fetch:
        raise PromsecError(
            f"base {ref!r} is not in this clone and could not be fetched: "
            "check out with full history (actions/checkout with fetch-depth: 0)"
        )
    raise PromsecError(f"unknown git revision {ref!r}")
