"""secret-from-env: hard-coded secrets (B105/B106/B107) -> os.environ lookups."""

import pytest

from promsec_ci.rewrite.secret_from_env import SecretFromEnv, env_name  # noqa: E402
from tests.rewrite.rewrite_check import check, rules


def test_b105_assignment():
    check(
        SecretFromEnv,
        """\
        # settings
        password = "megadeth"  # do not share
        """,
        2,
        """\
        # settings
        import os

        password = os.environ["PASSWORD"]  # do not share
        """,
        "B105",
    )


def test_b106_keyword_named_after_the_owner_and_layout_kept():
    check(
        SecretFromEnv,
        """\
        import os
        import MySQLdb
        db = MySQLdb.connect(host="localhost",
                             user="root",
                             passwd="root",  # change me
                             db="db")
        """,
        3,
        """\
        import os
        import MySQLdb
        db = MySQLdb.connect(host="localhost",
                             user="root",
                             passwd=os.environ["DB_PASSWORD"],  # change me
                             db="db")
        """,
        "B106",
    )


def test_b107_default_moves_into_the_body_after_the_docstring():
    check(
        SecretFromEnv,
        """\
        import os


        def login(user, password="admin"):
            \"\"\"Log in.\"\"\"
            return user, password
        """,
        4,
        """\
        import os


        def login(user, password=None):
            \"\"\"Log in.\"\"\"
            if password is None:
                password = os.environ["PASSWORD"]
            return user, password
        """,
        "B107",
    )


def test_attribute_subscript_dict_and_comparison_targets():
    cases = {
        "app.secret_key = 'YOUR_SECRET_KEY'\n": 'app.secret_key = os.environ["SECRET_KEY"]\n',
        "app.config['WTF_CSRF_SECRET_KEY'] = 'k'\n": (
            'app.config[\'WTF_CSRF_SECRET_KEY\'] = os.environ["WTF_CSRF_SECRET_KEY"]\n'
        ),
        "cfg = {'password': 'x1', 'user': 'u'}\n": "cfg = {'password': os.environ[\"PASSWORD\"], 'user': 'u'}\n",
        "ok = password == 'hunter2'\n": 'ok = password == os.environ["PASSWORD"]\n',
    }
    for before, after in cases.items():
        rewrite = SecretFromEnv.apply("import os\n" + before, 2)
        assert rewrite is not None, before
        assert rewrite.text == "import os\n" + after
        assert not rules(rewrite.text)["B105"], before


def test_empty_keyword_keeps_its_value_as_default():
    rewrite = SecretFromEnv.apply("import os\ndb = connect(user='u', passwd='')\n", 2)
    assert rewrite is not None
    assert rewrite.text == "import os\ndb = connect(user='u', passwd=os.environ.get(\"DB_PASSWORD\", \"\"))\n"


@pytest.mark.parametrize(
    "source",
    [
        "password_reset_template = 'xadmin/auth/password_reset/form.html'\n",
        "password_prompt = 'Enter your password'\n",
        "token_url = 'https://example.com/token'\n",
        "hashed_password = ''\n",
        "username = 'admin'\n",
        "password = os.environ['PASSWORD']\n",
    ],
)
def test_refuses_values_that_are_not_secrets(source):
    assert SecretFromEnv.apply(source, 1) is None


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("TOKEN_USERNAME = '<token>'\n", 1),  # a username, named after the token it stands for
        ("TOKEN_SEPARATOR = ', '\n", 1),
        ("split_token = '...'\n", 1),
        ("DONE_TOKEN = 'done.'\n", 1),  # a parser token: too short for an API token
        ("def parse(self):\n    assert self.cur_token_ == 'languagesystem'\n", 2),  # a keyword
        ("jsonnet_token = r'[^\\W\\d]\\w*'\n", 1),  # a lexer's regex
        ("def f(token):\n    if token == ')':\n        return 1\n", 2),
        ("def f(user_pass):\n    return user_pass == 'git'\n", 2),
        ("password = ':****'\n", 1),  # a mask for display
        ("EMOJI = {'secret': '\u3299'}\n", 1),
        ("EMOJI = {'japanese_secret_button': 'x'}\n", 1),
        ("password = '%s'\n", 1),
        ("EXE_FLAGS = {'mysql': {'user': '-u', 'password': '-p'}}\n", 1),  # the client's option for it
        ("PASSWORD_FLAG = {'password': '--password='}\n", 1),
        ("token = '{}'\n", 1),
        ("import enum\nclass Status(enum.Enum):\n    CI_MUST_PASS = 'ci_must_pass'\n", 3),
        ("def auth(login, password=''):\n    return login, password\n", 1),
        # Keyword maps name the driver's fields; a sentinel marks a default.
        ("opts = url.translate_connect_args(username='user', password='passwd')\n", 1),
        ("_DEFAULT_TOKEN = '_sa_default'\n", 1),
        ("_DEFAULT_PASSWORD = 'notasecret'\n", 1),  # the published password of Google's P12 keys
        ("class StorageV1:\n    _CLIENT_SECRET = 'nomatter'\n", 2),  # a public API's client says so
        # A pagination model maps request fields to response fields.
        ("PAGINATION = {'list': {'input_token': 'next_token', 'limit_key': 'max_results'}}\n", 1),
        ("PAGINATION = {'output_token': 'NextToken'}\n", 1),
        ("DEFAULT_NEXT_TOKEN = ''\n", 1),
        # Where the secret lives: an environment variable's name, a credentials file's field.
        ("class EnvProvider:\n    SECRET_KEY = 'AWS_SECRET_ACCESS_KEY'\n", 2),
        ("class FileProvider:\n    SECRET_KEY = 'AWSSecretKey'\n", 2),
        ("update_token = '1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d'\n", 1),
        # A constant the code looks fields up by: the field's name.
        ("class SharedFile:\n    SECRET_KEY = 'aws_secret_access_key'\n\n    def load(self, creds):\n"
         "        return creds[self.SECRET_KEY]\n", 2),
        ("SECRET_KEY = 'aws_secret_access_key'\n\n\ndef load(config):\n    return config.get(SECRET_KEY)\n", 1),
    ],
)
def test_refuses_literals_bandit_flags_that_real_code_does_not_use_as_secrets(source, line):
    assert rules(source)["B105"] + rules(source)["B106"] + rules(source)["B107"] == 1
    assert SecretFromEnv.apply(source, line) is None


def test_a_long_token_and_a_secret_key_are_still_secrets():
    rewrite = SecretFromEnv.apply("API_TOKEN = 'ghp_0123456789abcdef'\nSECRET_KEY = 'dev'\n", 1)
    assert rewrite is not None and 'os.environ["API_TOKEN"]' in rewrite.text
    rewrite = SecretFromEnv.apply("API_TOKEN = 'ghp_0123456789abcdef'\nSECRET_KEY = 'dev'\n", 2)
    assert rewrite is not None and 'os.environ["SECRET_KEY"]' in rewrite.text
    rewrite = SecretFromEnv.apply("PASSWORD = 'hunter2x'\n\n\ndef f(user):\n    return login(user, PASSWORD)\n", 1)
    assert rewrite is not None and 'PASSWORD = os.environ["PASSWORD"]' in rewrite.text
    rewrite = SecretFromEnv.apply("password = 'somefancypassword'\n", 1)
    assert rewrite is not None and 'os.environ["PASSWORD"]' in rewrite.text


def test_env_name():
    assert env_name("db", "passwd") == "DB_PASSWORD"
    assert env_name("adminPassword") == "ADMIN_PASSWORD"
    assert env_name("2fa_token") == "_2FA_TOKEN"


def test_refuses_module_code_that_runs_before_the_module_imports_os():
    # `import os` under `if __name__ == "__main__":` binds os after the constant: NameError on import.
    source = ('API_TOKEN = "abcd1234efgh5678"\n\n\ndef main():\n    print(API_TOKEN)\n\n\n'
              'if __name__ == "__main__":\n    import os\n    main()\n')
    assert SecretFromEnv.apply(source, 1) is None
    # In a function the later import has run by the time it is called.
    later = 'def main():\n    api_token = "abcd1234efgh5678"\n    return api_token\n\n\nimport os\n'
    assert SecretFromEnv.apply(later, 2) is not None


@pytest.mark.parametrize(
    ("source", "line"),
    [
        # Both literals became os.environ["PASSWORD"]: check("letmein1") turned False.
        ('def check(password):\n    if password == "hunter22" or password == "letmein1":\n        return True\n', 2),
        ('DB = connect(host="h", password="hunter22"); CACHE = connect(host="c", password="other123")\n', 1),
    ],
)
def test_refuses_two_secrets_that_would_share_one_variable(source, line):
    assert SecretFromEnv.apply(source, line) is None
