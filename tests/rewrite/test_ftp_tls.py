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
        import ssl

        # upload nightly
        ftp = ftplib.FTP_TLS(host, user, password, context=ssl.create_default_context())  # legacy server
        """,
        "B321",
    )


def test_from_import_in_with_header():
    rewrite = FtpTls.apply("from ftplib import FTP\nwith FTP('ftp.example.com') as ftp:\n    ftp.login()\n", 2)
    assert rewrite is not None
    assert rewrite.text.endswith(
        "with FTP_TLS('ftp.example.com', context=ssl.create_default_context()) as ftp:\n    ftp.login()\n")
    assert rules(rewrite.text)["B321"] == 0


def test_the_server_certificate_and_host_name_are_checked():
    import ftplib
    import ssl

    rewrite = FtpTls.apply("import ftplib\nftp = ftplib.FTP()\n", 2)
    assert rewrite is not None
    namespace: dict = {}
    exec(compile(rewrite.text, "rewritten.py", "exec"), namespace)  # nosec B102 - our own output, no connection
    assert isinstance(namespace["ftp"], ftplib.FTP_TLS)
    assert namespace["ftp"].context.verify_mode == ssl.CERT_REQUIRED and namespace["ftp"].context.check_hostname
    assert ftplib.FTP_TLS().context.verify_mode == ssl.CERT_NONE  # what FTP_TLS alone would use


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
