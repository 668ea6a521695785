"""Small pull-request repositories scanned for real, shared by the code-host reporter tests."""

from __future__ import annotations

import textwrap

from promsec_ci.config import Options
from promsec_ci.pipeline import ScanRequest, scan

BASE = textwrap.dedent("""\
    import os


    def home():
        return os.getcwd()
""")

HEAD = BASE + textwrap.dedent("""\


    def run(cmd):
        import subprocess
        return subprocess.call(cmd, shell=True)


    def load(blob):
        import pickle
        return pickle.loads(blob)


    def digest(data):
        import hashlib
        return hashlib.md5(data).hexdigest()
""")

FIXED = HEAD.replace("    return subprocess.call(cmd, shell=True)\n", "    return subprocess.call(cmd.split())\n")
assert FIXED != HEAD


def diff_of(repo, base: str, head: str, path: str) -> str:
    text = repo.git("diff", "--no-color", "-U3", base, head, "--", path)
    return text[text.index("@@"):] + "\n"


def pr_scan(git_repo, head_text: str = HEAD, filter_mode: str = "added"):
    """Commit BASE on main and ``head_text`` on a branch; scan the change for real."""
    git_repo.write("app.py", BASE)
    base = git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("app.py", head_text)
    head = git_repo.commit("feature")
    options = Options(fix=False, filter_mode=filter_mode)
    report = scan(ScanRequest(root=str(git_repo.path), options=options, base="main"))
    return report, options, base, head


