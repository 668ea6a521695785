"""ftp-tls: ftplib.FTP -> ftplib.FTP_TLS."""

import pytest

from promsec_ci.rewrite.ftp_tls import FtpTls
from tests.rewrite.rewrite_check import check, rules


def test_module_call():
    check(
        FtpTls,
        """\
        import ftplib

        # upload nightly
        ftp = ftplib.FTP(host, user, password)  # legacy server
        """,
        4,
        """\
        import ftplib

        # upload nightly
        ftp = ftplib.FTP_TLS(host, user, password)  # legacy server
        """,
        "B321",
    )


def test_from_import_in_with_header():
    rewrite = FtpTls.apply("from ftplib import FTP\nwith FTP('ftp.example.com') as ftp:\n    ftp.login()\n", 2)
    assert rewrite is not None
    assert rewrite.text.endswith("with FTP_TLS('ftp.example.com') as ftp:\n    ftp.login()\n")
    assert rules(rewrite.text)["B321"] == 0


@pytest.mark.parametrize(
    "source",
    [
        "import ftplib\nftp = ftplib.FTP(h, u, p, a, 30)\n",
        "import ftplib\nftp = ftplib.FTP(h, context=ctx)\n",
        "import ftplib\nftp = ftplib.FTP_TLS(h)\n",
    ],
)
def test_refuses(source):
    assert FtpTls.apply(source, 2) is None
