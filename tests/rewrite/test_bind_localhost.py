"""bind-localhost: 0.0.0.0 binds -> 127.0.0.1 unless BIND_HOST says otherwise."""

import pytest

from promsec_ci.rewrite.bind_localhost import BindLocalhost
from tests.rewrite.rewrite_check import check


def test_socket_bind():
    check(
        BindLocalhost,
        """\
        import os
        import socket

        sock = socket.socket()
        sock.bind(("0.0.0.0", 9000))  # listen
        """,
        5,
        """\
        import os
        import socket

        sock = socket.socket()
        sock.bind((os.environ.get("BIND_HOST", "127.0.0.1"), 9000))  # listen
        """,
        "B104",
    )


def test_keyword_and_os_import_added():
    rewrite = BindLocalhost.apply("app.run(host='0.0.0.0', port=8080)\n", 1)
    assert rewrite is not None
    assert rewrite.text == 'import os\n\napp.run(host=os.environ.get("BIND_HOST", "127.0.0.1"), port=8080)\n'


def test_default_argument_and_options_dict():
    rewrite = BindLocalhost.apply("def serve(host='0.0.0.0'):\n    pass\n", 1)
    assert rewrite is not None
    assert 'def serve(host=os.environ.get("BIND_HOST", "127.0.0.1")):' in rewrite.text
    rewrite = BindLocalhost.apply("import os\nconfig = {'host': '0.0.0.0', 'port': 80}\n", 2)
    assert rewrite is not None
    assert rewrite.text.endswith("""config = {'host': os.environ.get("BIND_HOST", "127.0.0.1"), 'port': 80}\n""")


@pytest.mark.parametrize(
    "source",
    [
        "if host == '0.0.0.0':\n    pass\n",
        "app.run(host='127.0.0.1')\n",
        "ALLOWED_HOSTS = ['0.0.0.0', 'localhost']\n",
        "'0.0.0.0'\n",
        # The wildcard as a value: what an unbound socket reports, an address object.
        "return_value = lambda: print(('0.0.0.0', 0))\n",
        "wildcard = ipaddress.ip_address('0.0.0.0')\n",
    ],
)
def test_refuses(source):
    assert BindLocalhost.apply(source, 1) is None


def test_a_local_reaching_a_bind_call_is_fixed_one_only_displayed_is_not():
    served = "import os\n\ndef serve(app):\n    host = '0.0.0.0'\n    app.run(host=host, port=80)\n"
    rewrite = BindLocalhost.apply(served, 4)
    assert rewrite is not None and "host = os.environ.get(\"BIND_HOST\", \"127.0.0.1\")" in rewrite.text
    bound = "import socket\n\ndef serve(s):\n    addr = '0.0.0.0'\n    s.bind((addr, 80))\n"
    assert BindLocalhost.apply(bound, 4) is not None
    shown = ("class Site:\n    @property\n    def name(self):\n"
             "        host = '0.0.0.0' if not self._host else self._host\n"
             "        return str(URL.build(scheme='http', host=host, port=self.port))\n")
    assert BindLocalhost.apply(shown, 4) is None


def test_a_server_class_and_an_address_keyword_bind():
    for source in ("server = ThreadedTCPServer(('0.0.0.0', 80), Handler)\n",
                   "client = connect(url, bind_address='0.0.0.0')\n"):
        rewrite = BindLocalhost.apply(source, 1)
        assert rewrite is not None and 'os.environ.get("BIND_HOST", "127.0.0.1")' in rewrite.text


def test_a_returned_wildcard_binds_nothing():
    assert BindLocalhost.apply("def getsockname(self):\n    return ('0.0.0.0', 0)\n", 2) is None


def test_tests_bind_the_wildcard_on_purpose():
    assert BindLocalhost.meta.production_only


def test_a_class_attribute_binds_when_its_name_or_its_class_says_so():
    record = ('class Host(object):\n    """An internet address."""\n    ip = "0.0.0.0"\n    port = 80\n\n'
              "    def __init__(self, ip, port):\n        self.ip, self.port = ip, port\n")
    assert BindLocalhost.apply(record, 3) is None  # the placeholder of an address record
    config = "class Config:\n    HOST = '0.0.0.0'\n    PORT = 8080\n"
    assert BindLocalhost.apply(config, 2) is not None
    server = ("class Service:\n    address = '0.0.0.0'\n\n    def start(self, sock):\n"
              "        sock.bind((self.address, 80))\n")
    assert BindLocalhost.apply(server, 2) is not None


def test_a_module_constant_binds_when_its_name_or_the_module_says_so():
    # Compared with `ss -ltn` output, the constant binds nothing (measured: exposed() found
    # ['0.0.0.0:22'], rewritten ['127.0.0.1:631']).
    compared = ('UNSPECIFIED = "0.0.0.0"\n\n\ndef exposed(lines):\n'
                '    return [l.split()[3] for l in lines if l.split()[3].rpartition(":")[0] == UNSPECIFIED]\n')
    assert BindLocalhost.apply(compared, 1) is None
    assert BindLocalhost.apply("HOST = '0.0.0.0'\nPORT = 8080\n", 1) is not None
    bound = "import socket\n\nADDR = '0.0.0.0'\nsock = socket.socket()\nsock.bind((ADDR, 80))\n"
    assert BindLocalhost.apply(bound, 3) is not None


@pytest.mark.parametrize(
    "comment",
    ["# Listen on all interfaces: the container's port is published with docker run -p 8000:8000.\n    ",
     "", "# reachable from other machines on the LAN\n    "],
    ids=["leading-comment", "trailing-comment", "lan"],
)
def test_refuses_a_bind_whose_comment_says_why_it_is_wide(comment):
    # Measured: the server answered on 127.0.0.2 (another interface), rewritten: connection refused.
    trailing = "  # docker publishes this port" if not comment else ""
    source = (f"import http.server\n\n\ndef main():\n    {comment}"
              f"server = http.server.HTTPServer(('0.0.0.0', 8000), Handler){trailing}\n")
    line = source.splitlines().index(next(t for t in source.splitlines() if "HTTPServer(" in t)) + 1
    assert BindLocalhost.apply(source, line) is None
    plain = "import http.server\n\n\ndef main():\n    server = http.server.HTTPServer(('0.0.0.0', 8000), Handler)\n"
    assert BindLocalhost.apply(plain, 5) is not None
