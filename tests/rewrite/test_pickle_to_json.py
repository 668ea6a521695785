"""pickle-to-json: unpickling -> json.loads only when the data is provably JSON-shaped."""

from textwrap import dedent

import pytest

from promsec_ci.rewrite.pickle_to_json import PickleToJson
from tests.rewrite.injection_check import check, refuses, run_module

PROFILE = """\
import pickle
from flask import request

def profile():
    data = pickle.loads(request.data)  # from the client
    if "name" not in data:
        return None
    return data["name"], data.get("age", 0)
"""

PROFILE_FIXED = """\
from flask import request
import json

def profile():
    data = json.loads(request.data)  # from the client
    if "name" not in data:
        return None
    return data["name"], data.get("age", 0)
"""


@pytest.mark.parametrize(("line", "rule"), [(5, "B301"), (1, "B403")], ids=["on-loads", "on-import"])
def test_value_used_as_dict_of_primitives(line, rule):
    check(PickleToJson, PROFILE, line, PROFILE_FIXED, rule)


STATE = """\
import pickle

def save(path):
    with open(path, "wb") as f:
        pickle.dump({"version": 2, "items": [1, 2]}, f)

def load(path):
    with open(path, "rb") as f:
        return pickle.load(f)
"""


def test_module_dumps_only_json_literals(tmp_path):
    check(
        PickleToJson,
        STATE,
        9,
        """\
        import json

        def save(path):
            with open(path, "wb") as f:
                f.write(json.dumps({"version": 2, "items": [1, 2]}).encode())

        def load(path):
            with open(path, "rb") as f:
                return json.load(f)
        """,
        "B301",
    )
    fixed = PickleToJson.apply(STATE, 9)
    module = run_module(tmp_path, "state", fixed.text)
    module["save"](str(tmp_path / "state.bin"))
    assert module["load"](str(tmp_path / "state.bin")) == {"version": 2, "items": [1, 2]}


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("import pickle\n\ndef f(s):\n    obj = pickle.loads(s)\n    return obj.rvs(size=8)\n", 4),
        ("import pickle\n\ndef f(s):\n    return pickle.loads(s)\n", 4),
        ("import pickle\n\ndef f(s, m):\n    m.x = pickle.dumps(m)\n    d = pickle.loads(s)\n    return d['a']\n", 1),
        ("import pickle\n\ndef f(s):\n    d = pickle.loads(s, encoding='latin1')\n    return d['a']\n", 4),
        ("import pickle\n\ndef f(s):\n    d = pickle.loads(s)\n    use(d)\n    return d['a']\n", 4),
    ],
    ids=["object-use", "returned", "import-still-needed", "pickle-options", "passed-on"],
)
def test_refuses_when_not_provably_json(source, line):
    assert refuses(PickleToJson, source, line)


def test_behaviour_on_json_bytes(tmp_path):
    source = """\
    import pickle

    def name(blob):
        data = pickle.loads(blob)
        return data["name"]
    """
    fixed = PickleToJson.apply(dedent(source), 4)
    assert fixed is not None
    module = run_module(tmp_path, "p", fixed.text)
    assert module["name"](b'{"name": "ann"}') == "ann"


@pytest.mark.parametrize(
    "load",
    ["pickle.load(f)", "pickle.loads(f.read())", "pickle.loads(zlib.decompress(blob))"],
    ids=["file", "file-read", "decompressed"],
)
def test_refuses_stored_pickles_even_when_used_as_data(load):
    source = f"import pickle\nimport zlib\n\ndef f(f, blob):\n    d = {load}\n    return d['features']\n"
    assert refuses(PickleToJson, source, 5)


def test_refuses_loads_in_a_module_that_makes_pickles():
    # A round trip: the bytes are a pickle of an object, never JSON.
    source = "import pickle\n\ndef test_roundtrip(deg):\n    pdeg = pickle.loads(pickle.dumps(deg, -1))\n" \
             "    assert dict(pdeg) == dict(deg)\n"
    assert refuses(PickleToJson, source, 4)
    source = "import pickle\n\ndef save(obj):\n    return pickle.dumps(obj)\n\ndef handle(body):\n" \
             "    data = pickle.loads(body)\n    return data['name']\n"
    assert refuses(PickleToJson, source, 7)


@pytest.mark.parametrize(
    "source",
    [
        "import pickle\n\ndef f(data):\n    json = data.strip()\n    d = pickle.loads(json)\n    return d['a']\n",
        "import pickle\n\ndef f(json):\n    d = pickle.loads(json)\n    return d['a']\n",
        "import pickle\n\njson = None\n\ndef f(s):\n    d = pickle.loads(s)\n    return d['a']\n",
        "import pickle\n\ndef f(s):\n    d = pickle.loads(s)\n    return d['a']\n\ndef json():\n    pass\n",
        "import pickle\nfrom flask import json\n\ndef f(s):\n    d = pickle.loads(s)\n    return d['a']\n",
        "import pickle\nimport simplejson as json\n\ndef f(s):\n    d = pickle.loads(s)\n    return d['a']\n",
        "import pickle\nimport json as j\n\ndef f(j, s):\n    d = pickle.loads(s)\n    return d['a']\n",
        # A dump the fix rewrites too, where json is a parameter.
        "import pickle\n\ndef f(s):\n    d = pickle.loads(s)\n    return d['a']\n\n"
        "def save(json, path):\n    with open(path, 'wb') as f:\n        pickle.dump({'a': 1}, f)\n",
    ],
    ids=["local", "parameter", "module-variable", "module-def", "other-module", "other-module-as-json",
         "alias-shadowed", "dump-parameter"],
)
def test_refuses_when_json_is_something_else(source):
    assert refuses(PickleToJson, source, source.count("\n", 0, source.index("pickle.loads")) + 1)


def test_imports_json_when_only_another_function_does(tmp_path):
    source = "import pickle\n\ndef g():\n    import json\n\n" \
             "def name(blob):\n    d = pickle.loads(blob)\n    return d['name']\n"
    fixed = PickleToJson.apply(source, 7)
    assert fixed is not None
    assert fixed.imports == ("import json",)
    assert run_module(tmp_path, "p", fixed.text)["name"](b'{"name": "ann"}') == "ann"


def test_reads_json_through_its_alias_without_a_second_import():
    source = "import pickle\nimport json as j\n\ndef name(blob):\n    d = pickle.loads(blob)\n    return d['name']\n"
    fixed = PickleToJson.apply(source, 5)
    assert fixed is not None
    assert fixed.text == "import json as j\n\ndef name(blob):\n    d = j.loads(blob)\n    return d['name']\n"
    assert fixed.imports == ()
