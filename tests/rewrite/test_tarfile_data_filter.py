"""tarfile-data-filter: tar extraction without a filter -> filter="data"."""

import io
import tarfile

import pytest

from promsec_ci.rewrite.tarfile_data_filter import TarfileDataFilter
from tests.rewrite.rewrite_check import check


def test_extractall_in_with_block():
    check(
        TarfileDataFilter,
        """\
        import tarfile


        def unpack(archive, dest):
            with tarfile.open(archive) as tar:
                # everything
                tar.extractall(path=dest)  # trusted?
        """,
        7,
        """\
        import tarfile


        def unpack(archive, dest):
            with tarfile.open(archive) as tar:
                # everything
                tar.extractall(path=dest, filter="data")  # trusted?
        """,
        "B202",
    )


def test_rewritten_code_refuses_path_traversal(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    (tmp_path / "a.tar").write_bytes(buffer.getvalue())
    (tmp_path / "out").mkdir()
    archive_path, out = str(tmp_path / "a.tar"), str(tmp_path / "out")
    source = f"import tarfile\ntar = tarfile.open({archive_path!r})\ntar.extractall({out!r})\n"
    rewrite = TarfileDataFilter.apply(source, 3)
    assert rewrite is not None
    with pytest.raises(tarfile.OutsideDestinationError):
        exec(compile(rewrite.text, "rewritten.py", "exec"), {})  # nosec B102 - our own output
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize(
    "source",
    [
        "import tarfile\ntar.extractall(filter='data')\n",
        "import zipfile\nimport tarfile\narchive.extractall(dest)\n",
        "import tarfile\ntar.extractall(**opts)\n",
        "import tarfile\ntar.getmembers()\n",
        # The fallback for Pythons without extraction filters, where filter= is a TypeError.
        "import tarfile\nif hasattr(tarfile.TarFile, 'extraction_filter'):\n    tar.extractall(filter='data')\n"
        "else:\n    tar.extractall()\n",
    ],
)
def test_refuses(source):
    last = source.rstrip("\n").count("\n") + 1
    assert TarfileDataFilter.apply(source, last) is None


@pytest.mark.parametrize(
    "source",
    [
        # The archive may be a zipfile.ZipFile, whose extractall has no filter parameter.
        "import tarfile\nfrom archives import open_archive\n\n\ndef unpack(path, dest):\n"
        "    archive = open_archive(path)\n    archive.extractall(dest)\n",
        "import tarfile\n\n\ndef unpack(archive, dest):\n    archive.extractall(dest)\n",
        "import tarfile\n\n\ndef unpack(tar, dest):\n    tar.extractall(dest)\n",
        "import tarfile\nimport zipfile\n\n\ndef unpack(path, dest, zipped):\n    tar = tarfile.open(path)\n"
        "    if zipped:\n        tar = zipfile.ZipFile(path)\n    tar.extractall(dest)\n",
        "import tarfile\nfrom archives import opener\n\n\ndef unpack(path, dest):\n"
        "    with opener(path) as tar:\n        tar.extractall(dest)\n",
        "import tarfile\n\n\nclass Unpacker:\n    def run(self, dest):\n        self.tar.extractall(dest)\n",
        "import tarfile\n\n\ndef unpack(path, dest):\n    tarfile = load(path)\n"
        "    tarfile.open(path).extractall(dest)\n",
    ],
)
def test_refuses_a_receiver_not_known_to_be_a_tarfile(source):
    last = source.rstrip("\n").count("\n") + 1
    assert TarfileDataFilter.apply(source, last) is None


@pytest.mark.parametrize(
    "source",
    [
        "import tarfile\n\n\ndef unpack(path, dest):\n    tar = tarfile.open(path)\n    tar.extractall(dest)\n",
        "import tarfile\n\n\ndef unpack(path, dest):\n    tarfile.open(path).extractall(dest)\n",
        "import tarfile as t\n\n\ndef unpack(path, dest):\n    with t.TarFile(path) as archive:\n"
        "        archive.extractall(dest)\n",
        "from tarfile import open as open_tar\n\n\ndef unpack(path, dest):\n"
        "    with open_tar(path, 'r:gz') as archive:\n        archive.extract('a.txt', dest)\n",
        "import tarfile\n\ntar = tarfile.open('a.tar')\n\n\ndef unpack(dest):\n    tar.extractall(dest)\n",
    ],
)
def test_adds_the_filter_when_the_receiver_is_a_tarfile(source):
    last = source.rstrip("\n").count("\n") + 1
    rewrite = TarfileDataFilter.apply(source, last)
    assert rewrite is not None
    assert rewrite.text.rstrip("\n").endswith(", filter=\"data\")")
