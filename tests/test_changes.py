import os
import subprocess

import pytest

from promsec_ci.changes import collect_diff, collect_paths, collect_staged
from promsec_ci.config import Options
from promsec_ci.errors import PromsecError

OLD = """\
import subprocess


def old(cmd):
    subprocess.call(cmd, shell=True)
"""


def test_diff_marks_added_lines_and_reads_head_content(git_repo):
    git_repo.write("app/a.py", OLD)
    base = git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("app/a.py", OLD + "\n\ndef new(x):\n    return eval(x)\n")
    git_repo.write("app/b.py", "print('hi')\n")
    head = git_repo.commit("feature")
    git_repo.write("app/a.py", "working tree edit, not committed\n")

    changes = collect_diff(str(git_repo.path), "main", None, Options())

    assert changes.base_sha == base and changes.head_sha == head
    files = {f.path: f for f in changes.files}
    assert set(files) == {"app/a.py", "app/b.py"}
    assert files["app/a.py"].added_lines == frozenset({6, 7, 8, 9})
    assert "eval(x)" in files["app/a.py"].text  # head's blob, not the working tree
    assert 4 in files["app/a.py"].context_lines and 1 not in files["app/a.py"].context_lines


def test_diff_uses_merge_base_not_base_tip(git_repo):
    git_repo.write("a.py", "x = 1\n")
    git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("b.py", "y = 2\n")
    git_repo.commit("feature")
    git_repo.git("checkout", "-q", "main")
    git_repo.write("c.py", "z = 3\n")  # lands on main after the branch point
    git_repo.commit("main moves on")
    git_repo.git("checkout", "-q", "feature")

    changes = collect_diff(str(git_repo.path), "main", "feature", Options())

    assert [f.path for f in changes.files] == ["b.py"]


def test_renamed_deleted_binary_and_undecodable_files_do_not_crash(git_repo):
    git_repo.write("keep.py", "def f():\n    return 1\n" * 5)
    git_repo.write("gone.py", "x = 1\n")
    git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.git("mv", "keep.py", "moved.py")
    git_repo.git("rm", "-q", "gone.py")
    (git_repo.path / "latin.py").write_bytes("s = 'caf\xe9'\n".encode("latin-1"))
    (git_repo.path / "blob.py").write_bytes(b"\x00\x01binary")
    git_repo.commit("feature")

    changes = collect_diff(str(git_repo.path), "main", None, Options())

    assert [f.path for f in changes.files] == ["moved.py"]
    reasons = {n.path: n.message for n in changes.notices}
    assert "cannot decode the file" in reasons["latin.py"]
    assert "binary" in reasons["blob.py"]


def test_submodules_and_symlinks_in_a_diff_are_not_scanned(git_repo, tmp_path):
    inner = type(git_repo)(tmp_path / "inner")
    inner.write("lib.py", "x = 1\n")
    inner.commit()
    git_repo.write("a.py", "x = 1\n")
    git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner.path), "sub.py")
    os.symlink("/etc/passwd", git_repo.path / "link.py")
    git_repo.write("b.py", "y = 2\n")
    git_repo.commit("feature")

    changes = collect_diff(str(git_repo.path), "main", None, Options())

    assert [f.path for f in changes.files] == ["b.py"]


def test_unknown_base_fails_with_fetch_depth_hint(git_repo):
    git_repo.write("a.py", "x = 1\n")
    git_repo.commit()
    with pytest.raises(PromsecError, match="fetch-depth"):
        collect_diff(str(git_repo.path), "no-such-branch", None, Options())


def test_missing_base_is_fetched_once(git_repo, tmp_path):
    git_repo.write("a.py", "x = 1\n")
    git_repo.commit("one")
    git_repo.git("checkout", "-q", "-b", "other")
    git_repo.write("b.py", "y = 1\n")
    git_repo.commit("other")
    git_repo.git("checkout", "-q", "main")
    git_repo.write("a.py", "x = eval('2')\n")
    git_repo.commit("two")
    clone = tmp_path / "single"
    subprocess.run(["git", "clone", "-q", "--single-branch", "-b", "main", f"file://{git_repo.path}", str(clone)],
                   check=True)

    changes = collect_diff(str(clone), "other", None, Options())  # not in the clone: fetched on demand

    assert [f.path for f in changes.files] == ["a.py"]


def test_shallow_clone_without_merge_base_says_fetch_depth_0(git_repo, tmp_path):
    git_repo.write("a.py", "x = 1\n")
    first = git_repo.commit("one")
    git_repo.write("a.py", "x = 2\n")
    git_repo.commit("two")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth=1", f"file://{git_repo.path}", str(clone)], check=True)

    with pytest.raises(PromsecError, match="fetch-depth: 0"):
        collect_diff(str(clone), first, None, Options())
    with pytest.raises(PromsecError, match="fetch-depth: 0"):
        collect_diff(str(clone), "0" * 40, None, Options())


def test_staged_reads_the_index(git_repo):
    git_repo.write("a.py", "x = 1\n")
    git_repo.commit()
    git_repo.write("a.py", "x = 1\ny = eval('2')\n")
    git_repo.git("add", "a.py")
    git_repo.write("a.py", "unstaged edit\n")

    changes = collect_staged(str(git_repo.path), Options())

    staged = [(f.path, f.text, f.added_lines) for f in changes.files]
    assert staged == [("a.py", "x = 1\ny = eval('2')\n", frozenset({2}))]


def test_staged_works_before_the_first_commit(git_repo):
    git_repo.write("a.py", "x = 1\n")
    git_repo.git("add", "a.py")
    assert [f.path for f in collect_staged(str(git_repo.path), Options()).files] == ["a.py"]


def test_paths_apply_excludes_to_explicit_files_and_skip_outside_symlinks(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "src" / "gen.py").write_text("x = 2\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    outside.write_text("x = 3\n")
    os.symlink(outside, tmp_path / "src" / "link.py")
    (tmp_path / "big.py").write_text("x = 1\n" * 50)
    options = Options(exclude=("src/gen.py",), max_file_bytes=100)

    changes = collect_paths([str(tmp_path / "src"), str(tmp_path / "src" / "gen.py"), str(tmp_path / "big.py")],
                            str(tmp_path), options)

    assert [f.path for f in changes.files] == ["src/a.py"]
    messages = {n.path: n.message for n in changes.notices}
    assert "outside the repository" in messages["src/link.py"]
    assert "larger than" in messages["big.py"]


def test_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(PromsecError, match="no such file"):
        collect_paths([str(tmp_path / "nope")], str(tmp_path), Options())


def test_a_coding_line_or_a_bom_decides_how_a_python_file_is_read(tmp_path):
    (tmp_path / "latin.py").write_bytes("# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfs = 1\n")
    (tmp_path / "bad.py").write_bytes(b"# -*- coding: klingon -*-\ns = 1\n")
    changes = collect_paths([str(tmp_path)], str(tmp_path), Options())
    texts = {f.path: f.text for f in changes.files}
    assert texts == {"latin.py": "# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n", "bom.py": "s = 1\n"}
    assert [(n.path, "unknown encoding: klingon" in n.message) for n in changes.notices] == [("bad.py", True)]
