"""paramiko-reject-policy: AutoAddPolicy/WarningPolicy -> RejectPolicy with known hosts loaded."""

import pytest

from promsec_ci.rewrite.paramiko_reject_policy import ParamikoRejectPolicy
from tests.rewrite.rewrite_check import check, rules


def test_auto_add_becomes_reject_and_loads_known_hosts():
    check(
        ParamikoRejectPolicy,
        """\
        import paramiko


        def connect(host):
            client = paramiko.SSHClient()
            # first contact
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # trust
            client.connect(host)
            return client
        """,
        7,
        """\
        import paramiko


        def connect(host):
            client = paramiko.SSHClient()
            # first contact
            client.load_system_host_keys()
            client.set_missing_host_key_policy(paramiko.RejectPolicy())  # trust
            client.connect(host)
            return client
        """,
        "B507",
    )


def test_known_hosts_already_loaded_and_from_import():
    source = (
        "from paramiko import SSHClient, WarningPolicy\n"
        "ssh = SSHClient()\n"
        "ssh.load_host_keys('k')\n"
        "ssh.set_missing_host_key_policy(WarningPolicy)\n"
    )
    rewrite = ParamikoRejectPolicy.apply(source, 4)
    assert rewrite is not None
    assert rewrite.text.endswith("ssh.load_host_keys('k')\nssh.set_missing_host_key_policy(RejectPolicy)\n")
    assert rewrite.imports == ("from paramiko import RejectPolicy",)
    assert rules(rewrite.text)["B507"] == 0


@pytest.mark.parametrize(
    "source",
    [
        "import paramiko\nc.set_missing_host_key_policy(paramiko.RejectPolicy())\n",
        "import paramiko\nc.set_missing_host_key_policy(policy)\n",
        "import paramiko\nc.connect(host)\n",
    ],
)
def test_refuses(source):
    assert ParamikoRejectPolicy.apply(source, 2) is None


def test_a_host_key_option_of_the_users_own_is_left_working():
    source = ("import paramiko\n\n\ndef connect(client, strict_host_key_checking):\n"
              "    if not strict_host_key_checking:\n"
              "        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n")
    assert ParamikoRejectPolicy.apply(source, 6) is None
