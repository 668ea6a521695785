"""tmp-path-to-tempfile: hard-coded /tmp paths -> tempfile.gettempdir()-based paths."""

import pytest

from promsec_ci.rewrite.tmp_path_to_tempfile import TmpPathToTempfile
from tests.rewrite.rewrite_check import check


def test_open_in_tmp():
    check(
        TmpPathToTempfile,
        """\
        import os
        import tempfile


        def save(text):
            # scratch output
            with open("/tmp/output.txt", "w") as f:  # overwrite
                f.write(text)
        """,
        7,
        """\
        import os
        import tempfile


        def save(text):
            # scratch output
            with open(os.path.join(tempfile.gettempdir(), "output.txt"), "w") as f:  # overwrite
                f.write(text)
        """,
        "B108",
    )


def test_bare_tmp_dir_and_imports_added():
    rewrite = TmpPathToTempfile.apply("UPLOAD_DIR = '/tmp'\n", 1)
    assert rewrite is not None
    assert rewrite.text == "import tempfile\n\nUPLOAD_DIR = tempfile.gettempdir()\n"
    assert rewrite.imports == ("import tempfile",)


def test_fstring_and_trailing_slash():
    rewrite = TmpPathToTempfile.apply("import os\nimport tempfile\nlog = f'/tmp/logs/{name}.log'\n", 3)
    assert rewrite is not None
    assert rewrite.text.endswith("log = os.path.join(tempfile.gettempdir(), f'logs/{name}.log')\n")
    # a value right after the folder stays after a slash: os.path.join would drop the folder for "/etc/x"
    rewrite = TmpPathToTempfile.apply("import tempfile\nlocal = f'/tmp/{urlparse(url).path}'\n", 2)
    assert rewrite is not None and rewrite.text.endswith("local = f'{tempfile.gettempdir()}/{urlparse(url).path}'\n")
    rewrite = TmpPathToTempfile.apply("import os\nimport tempfile\nok = p.startswith('/tmp/')\n", 3)
    assert rewrite is not None and rewrite.text.endswith("ok = p.startswith(os.path.join(tempfile.gettempdir(), ''))\n")


@pytest.mark.parametrize(
    "source",
    [
        "if path == '/tmp/x':\n    pass\n",
        "p = '/tmpfiles/x'\n",
        "p = b'/tmp/x'\n",
        "p = os.path.join(tempfile.gettempdir(), 'x')\n",
        "'/tmp/x is where the cache lives'\n",
        "root = '/dev/shm/bench'\n",
        "cache = '/var/tmp/kept-across-reboots'\n",
        "saved = os.getcwd() + '/tmp/jit/'\n",
        "BUILD = {'python': r'/tmp/build-env-gjolnpt6/bin/python'}\n",
        "scratch = '/tmp/tmpk3j2l1x_/out.txt'\n",
        "test_seq1 = (('create', ('/tmp/xxx 1',)), ('list', ('/tmp', 'yy*')))\n",
        "mailbox = '/tmp/yyz 2'\n",
    ],
)
def test_refuses(source):
    assert TmpPathToTempfile.apply(source, 1) is None


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("class SFTPFileSystem:\n    def __init__(self, host, **ssh_kwargs):\n"
         "        self.temppath = ssh_kwargs.pop('temppath', '/tmp')  # remote temp directory\n", 3),
        ("class FTPFileSystem:\n    def __init__(self, host, tempdir=None):\n"
         "        self.tempdir = tempdir or '/tmp'\n", 3),
    ],
)
def test_paths_on_another_machine_are_left_alone(source, line):
    assert TmpPathToTempfile.apply(source, line) is None
