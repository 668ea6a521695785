"""mktemp-to-mkstemp: name = tempfile.mktemp() -> fd, name = tempfile.mkstemp(); os.close(fd)."""

import os

import pytest

from promsec_ci.rewrite.mktemp_to_mkstemp import MktempToMkstemp
from tests.rewrite.rewrite_check import check


def test_assignment_becomes_mkstemp_and_close():
    check(
        MktempToMkstemp,
        """\
        import os
        import tempfile


        def scratch():
            # a private file
            path = tempfile.mktemp(suffix=".txt")  # name only
            return path
        """,
        7,
        """\
        import os
        import tempfile


        def scratch():
            # a private file
            fd, path = tempfile.mkstemp(suffix=".txt")  # name only
            os.close(fd)
            return path
        """,
        "B306",
    )


def test_fd_name_clash_and_os_import():
    rewrite = MktempToMkstemp.apply("import tempfile\nfd = 3\nname = tempfile.mktemp()\n", 3)
    assert rewrite is not None
    assert rewrite.text == "import tempfile\nimport os\n\nfd = 3\ntmp_fd, name = tempfile.mkstemp()\nos.close(tmp_fd)\n"


def test_rewritten_code_creates_a_private_file(tmp_path):
    rewrite = MktempToMkstemp.apply(f"import tempfile\npath = tempfile.mktemp(dir={str(tmp_path)!r})\n", 2)
    assert rewrite is not None
    namespace: dict = {}
    exec(compile(rewrite.text, "rewritten.py", "exec"), namespace)  # nosec B102 - our own output
    assert os.path.exists(namespace["path"])
    assert os.stat(namespace["path"]).st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "source",
    [
        "import tempfile\nf = open(tempfile.mktemp(), 'w')\n",
        "import tempfile\na, b = tempfile.mktemp(), 1\n",
        "import tempfile\np = tempfile.mkstemp()\n",
    ],
)
def test_refuses_other_shapes(source):
    assert MktempToMkstemp.apply(source, 2) is None
