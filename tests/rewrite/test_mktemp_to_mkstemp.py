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


@pytest.mark.parametrize(
    "use",
    [
        "os.mkdir(path)",
        "os.makedirs(path, exist_ok=True)",
        "pathlib.Path(path).mkdir()",
        "shutil.copytree('src', path)",
        "os.symlink('target', path)",
        "os.mkfifo(path)",
        "os.link('target', path)",
        "sock.bind(path)",
        "db = shelve.open(path)",
        "subprocess.run(['ffmpeg', '-i', 'in.mp4', path])",
        "assert not os.path.exists(path)",
        "open(os.path.join(path, 'data'), 'w')",
        "open(path + '/data', 'w')",
        "open(f'{path}/data', 'w')",
        "open(pathlib.Path(path) / 'data', 'w')",
        "tempfile.mkstemp(dir=path)",
        "h = _winapi.CreateNamedPipe(path, 3, 0, 1, 8192, 8192, 0, 0)",
        "sock.connect(path)",
        "with pytest.raises(FileNotFoundError):\n        open_unix_socket(path)",
        "try:\n        open(path)\n    except FileNotFoundError:\n        pass",
    ],
)
def test_refuses_where_the_path_must_be_free_or_is_a_directory(use):
    source = (f"import os, pathlib, shelve, shutil, socket, subprocess, tempfile\n\n\n"
              f"def f(sock):\n    path = tempfile.mktemp()\n    {use}\n")
    assert MktempToMkstemp.apply(source, 5) is None


@pytest.mark.parametrize(
    "use",
    ["zipfile.ZipFile('a.zip').extractall(path)", "tarfile.open('a.tgz').extractall(path=path)",
     "zipfile.ZipFile('a.zip').extract('hello.txt', path)", "shutil.unpack_archive('a.zip', path)"],
)
def test_refuses_where_an_archive_is_extracted_into_the_path(use):
    # The archive's members go below the path, a directory: once mkstemp made it a file,
    # extractall raised NotADirectoryError where the original made the folder.
    source = f"import shutil, tarfile, tempfile, zipfile\n\n\ndef f():\n    path = tempfile.mktemp()\n    {use}\n"
    assert MktempToMkstemp.apply(source, 5) is None


def test_refuses_when_an_attribute_path_is_made_a_directory():
    source = (
        "import os, tempfile\n\n\nclass T:\n    def setUp(self):\n        self.path = tempfile.mktemp()\n\n"
        "    def test(self):\n        os.mkdir(self.path)\n"
    )
    assert MktempToMkstemp.apply(source, 6) is None


@pytest.mark.parametrize(
    "use",
    ["open(path, 'w').write('x')", "os.path.exists(path) and os.remove(path)", "open(path + '.log', 'w')",
     "shutil.copy('src', path)", "if os.path.exists(path):\n        os.remove(path)",
     "pathlib.Path(path).exists() and os.unlink(path)", "open(path, mode='wb')", "os.rename(path, 'kept')"],
)
def test_still_fixes_file_uses(use):
    source = f"import os, shutil, tempfile\n\n\ndef f():\n    path = tempfile.mktemp()\n    {use}\n"
    assert MktempToMkstemp.apply(source, 5) is not None


@pytest.mark.parametrize(
    "use",
    [
        "open(path, 'x')",
        "open(path, mode='xb')",
        "io.open(path, 'x', encoding='utf-8')",
        "pathlib.Path(path).open('x')",
        "zipfile.ZipFile(path, 'x')",
        "open(path, mode)",
        "fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)",
        "if os.path.exists(path):\n        raise RuntimeError(path)",
        "cached = os.path.isfile(path)",
        "os.path.lexists(path) or make(path)",
        "ready = os.path.isdir(path)",
        "if pathlib.Path(path).exists():\n        load(path)",
        "assert pathlib.Path(path).is_file()",
        "os.access(path, os.F_OK)",
        "pathlib.Path(path).touch(exist_ok=False)",
        "os.rename('new', path)",  # fails on Windows when the target exists
    ],
)
def test_refuses_where_the_path_must_not_exist(use):
    source = (f"import io, os, pathlib, tempfile, zipfile\n\n\n"
              f"def f(mode):\n    path = tempfile.mktemp()\n    {use}\n")
    assert MktempToMkstemp.apply(source, 5) is None
