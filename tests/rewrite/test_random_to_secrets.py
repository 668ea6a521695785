"""random-to-secrets: random.* for secret values -> secrets.* with exactly the same range."""

import pytest

from promsec_ci.rewrite.random_to_secrets import RandomToSecrets
from tests.rewrite.rewrite_check import check, rules


def test_otp_randint_keeps_range_and_comments():
    check(
        RandomToSecrets,
        """\
        import random


        def new_otp():
            # six digits
            otp = random.randint(100000, 999999)  # inclusive
            return otp
        """,
        6,
        """\
        import secrets


        def new_otp():
            # six digits
            otp = secrets.randbelow(900000) + 100000  # inclusive
            return otp
        """,
        "B311",
    )


def test_choice_in_password_generator():
    check(
        RandomToSecrets,
        """\
        import random
        import string


        def make_password(n):
            return "".join(random.choice(string.ascii_letters) for _ in range(n))
        """,
        6,
        """\
        import string
        import secrets


        def make_password(n):
            return "".join(secrets.choice(string.ascii_letters) for _ in range(n))
        """,
        "B311",
    )


@pytest.mark.parametrize(
    ("call", "replacement"),
    [
        ("random.randint(0, 9)", "secrets.randbelow(10)"),
        ("random.randrange(16)", "secrets.randbelow(16)"),
        ("random.randrange(5, 10)", "secrets.randbelow(5) + 5"),
        ("random.getrandbits(128)", "secrets.randbits(128)"),
        ("random.randbytes(16)", "secrets.token_bytes(16)"),
        ("random.random()", "secrets.SystemRandom().random()"),
        ("random.uniform(0, 1)", "secrets.SystemRandom().uniform(0, 1)"),
        ("random.randint(low, high)", "secrets.randbelow(high - low + 1) + low"),
        ("random.randint(0, n)", "secrets.randbelow(n + 1)"),
        ("random.randint(1, n - 1)", "secrets.SystemRandom().randint(1, n - 1)"),
    ],
)
def test_mappings_keep_the_range(call, replacement):
    rewrite = RandomToSecrets.apply(f"import random\ntoken = {call}\nrandom.shuffle(deck)\n", 2)
    assert rewrite is not None
    assert rewrite.text == f"import random\nimport secrets\n\ntoken = {replacement}\nrandom.shuffle(deck)\n"
    assert rules(rewrite.text)["B311"] == 0


def test_rewritten_ranges_match_the_originals():
    import random
    import secrets

    rewrite = RandomToSecrets.apply("import random\nkey = random.randint(1, 3)\n", 2)
    assert rewrite is not None
    expression = rewrite.text.splitlines()[-1].split(" = ", 1)[1]
    assert expression == "secrets.randbelow(3) + 1"
    draws = {secrets.randbelow(3) + 1 for _ in range(300)}
    assert draws == {random.randint(1, 3) for _ in range(300)} == {1, 2, 3}  # nosec B311


def test_import_left_unused_is_removed_other_imports_kept():
    rewrite = RandomToSecrets.apply("import random, sys\nkey = random.choice(a)  # c\n", 2)
    assert rewrite is not None
    assert rewrite.text == "import sys\nimport secrets\n\nkey = secrets.choice(a)  # c\n"


def test_a_from_import_left_unused_is_removed():
    source = "from random import choice\n\n\ndef token(chars):\n    return ''.join(choice(chars) for _ in range(32))\n"
    rewrite = RandomToSecrets.apply(source, 5)
    assert rewrite is not None
    assert rewrite.text.startswith("import secrets\n\n\ndef token(chars):\n")
    assert "from random" not in rewrite.text


def test_offset_is_parenthesised_inside_an_expression():
    rewrite = RandomToSecrets.apply("import random\ncode = 3 * random.randint(1, 5)\n", 2)
    assert rewrite is not None and rewrite.text.endswith("code = 3 * (secrets.randbelow(5) + 1)\n")


@pytest.mark.parametrize(
    "source",
    [
        "import random\nrandom.seed(42)\ntoken = random.random()\n",
        "import random as rnd\nrnd.seed(7)\ntoken = rnd.random()\n",
        "from random import seed, choice\nseed(7)\ntoken = choice(abc)\n",
        "import random\nrng = random.Random(42)\ntoken = random.random()\n",
        "import random\n\ndef f():\n    delay = random.uniform(0, 1)\n",
        "import random\n\ndef test_game():\n    x = random.randint(1, 6)\n",
        "def f(random):\n    return random.randint(1, 3)\n",
        "import secrets\ntoken = secrets.randbelow(10)\n",
        # No name says the value guards anything: a unique suffix, sample data, a demo value.
        "import random, time\n\ndef unique_string(prefix):\n    return '%s-%s' % (prefix, random.randint(1, 9))\n",
        "import random\nnew_dst = dst + '-temp-%04X' % random.randint(1, 16**4)\n",
        "import random\nsome_nodes = set(random.sample(list(G), m1))\n",
        # A sort key beside weights is not a secret key.
        "from random import random\nweights_to_skip = log(random()) / smallest_weight_key\n",
        # An identifier, in a function whose other parameter is a token.
        "import random\n\ndef start(arn, client_request_token):\n    iteration_id = random.randint(0, 9)\n",
        # Keys of a cache, evicted at random.
        "import random\nfor doomed_key in random.sample(cache_keys, number_to_toss): del cache[doomed_key]\n",
    ],
)
def test_refuses_seeded_benign_or_local_random(source):
    last = source.rstrip("\n").count("\n") + 1
    assert RandomToSecrets.apply(source, last) is None


def test_a_branch_decided_at_random_is_judged_by_its_header_not_its_body():
    sample = ("import random\n\n\ndef sample_task(task):\n    if random.random() < 0.3:\n"
              "        for key, value in HEADERS:\n            task.header[key] = value\n")
    assert RandomToSecrets.apply(sample, 5) is None
    otp = "import random\n\n\ndef f(user):\n    if random.randint(0, 9) == user.otp_digit:\n        return True\n"
    assert RandomToSecrets.apply(otp, 5) is not None  # the header itself names the secret


def test_a_session_id_is_a_secret_and_a_game_key_is_not():
    session = "import random\nsession_id = random.getrandbits(128)\n"
    rewrite = RandomToSecrets.apply(session, 2)
    assert rewrite is not None and "session_id = secrets.randbits(128)" in rewrite.text
    assert RandomToSecrets.apply("import random\napi_key = random.getrandbits(128)\n", 2) is not None
    assert RandomToSecrets.apply("import random\ngame_key = random.getrandbits(128)\n", 2) is None


def test_refuses_module_code_that_runs_before_the_module_imports_secrets():
    # The rewrite used the later `import secrets` without adding one: NameError on import.
    source = "import random\nSESSION_KEY = random.getrandbits(128)\nimport secrets\n"
    assert RandomToSecrets.apply(source, 2) is None


@pytest.mark.parametrize(
    ("source", "line"),
    [
        # SystemRandom ignores seed() and setstate(): the same seed no longer gave the same token.
        ("import random\n\n\ndef make_token(n):\n    rng = random.Random()\n    rng.seed(n)\n"
         "    return rng.getrandbits(64)\n", 5),
        ("import random\n\n\ndef make_token(state):\n    random.setstate(state)\n    return random.random()\n", 6),
        # and raises NotImplementedError on getstate().
        ("from random import Random\n\n\nclass SessionKeys:\n    def __init__(self):\n"
         "        self.key_rng = Random()\n\n    def snapshot(self):\n        return self.key_rng.getstate()\n", 6),
    ],
)
def test_refuses_a_generator_whose_state_is_set_or_read(source, line):
    assert RandomToSecrets.apply(source, line) is None
