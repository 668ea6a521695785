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
