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


def test_known_hosts_loaded_for_another_client_do_not_count():
    # deploy() loads its client's known hosts; backup()'s client loaded none and rejected every
    # host (measured against a paramiko server on 127.0.0.1 listed in ~/.ssh/known_hosts).
    source = ("import paramiko\n\n\ndef backup(host):\n    ssh = paramiko.SSHClient()\n"
              "    ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n    ssh.connect(host)\n\n\n"
              "def deploy(host):\n    ssh = paramiko.SSHClient()\n    ssh.load_system_host_keys()\n"
              "    ssh.connect(host)\n")
    rewrite = ParamikoRejectPolicy.apply(source, 6)
    assert rewrite is not None
    assert ("    ssh = paramiko.SSHClient()\n    ssh.load_system_host_keys()\n"
            "    ssh.set_missing_host_key_policy(paramiko.RejectPolicy())\n") in rewrite.text
    # Keys a method of the class loads into self.client count.
    method = ("import paramiko\n\n\nclass Box:\n    def __init__(self):\n        self.client = paramiko.SSHClient()\n"
              "        self.client.load_system_host_keys()\n\n    def open(self):\n"
              "        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n")
    rewrite = ParamikoRejectPolicy.apply(method, 10)
    assert rewrite is not None and rewrite.text.count("load_system_host_keys") == 1


def test_refuses_a_client_it_cannot_name():
    # clients[host] got RejectPolicy with no known hosts loaded: every host was rejected.
    source = ("import paramiko\n\n\ndef backup(host):\n    clients[host] = paramiko.SSHClient()\n"
              "    clients[host].set_missing_host_key_policy(paramiko.AutoAddPolicy())\n")
    assert ParamikoRejectPolicy.apply(source, 6) is None
