"""rewrite_at: the imports a rewrite needs are added where the rewritten line can see them."""

import pytest

from promsec_ci.rewrite.eval_literal_eval import EvalLiteralEval
from promsec_ci.rewrite.os_system_to_run import OsSystemToRun
from promsec_ci.rewrite.random_to_secrets import RandomToSecrets
from promsec_ci.rewrite.secret_from_env import SecretFromEnv
from promsec_ci.rewrite.tmp_path_to_tempfile import TmpPathToTempfile

OTHER_FUNCTION_IMPORTS = """\
import os


def pager(name):
    return os.system('more "%s"' % name) == 0


def pipe():
    import subprocess
    import ast
    return subprocess, ast
"""


def test_an_import_inside_another_function_does_not_count():
    rewrite = OsSystemToRun.apply(OTHER_FUNCTION_IMPORTS, 5)
    assert rewrite is not None
    assert rewrite.imports == ("import subprocess",)
    assert rewrite.text.startswith("import os\nimport subprocess\n")
    assert "    return subprocess.run(['more', str(name)], check=False).returncode == 0\n" in rewrite.text


def test_literal_eval_imports_ast_when_only_another_function_has_it():
    source = "def read(rows_text):\n    rows = eval(rows_text)\n    return rows[0]\n\n\ndef other():\n    import ast\n"
    rewrite = EvalLiteralEval.apply(source, 2)
    assert rewrite is not None and rewrite.imports == ("import ast",)
    assert rewrite.text.startswith("import ast\n")


def test_an_import_only_type_checkers_run_does_not_count():
    source = ("from typing import TYPE_CHECKING\nimport os\nif TYPE_CHECKING:\n    import subprocess\n\n\n"
              "def pager(name):\n    os.system('more ' + name)\n")
    rewrite = OsSystemToRun.apply(source, 8)
    assert rewrite is not None and rewrite.imports == ("import subprocess",)


def test_a_module_wide_import_is_reused():
    source = "import subprocess as sp\nimport os\n\n\ndef pager(name):\n    return os.system('more ' + name)\n"
    rewrite = OsSystemToRun.apply(source, 6)
    assert rewrite is not None and rewrite.imports == ()
    assert "sp.run(['more', name]" in rewrite.text


def test_no_import_is_added_in_the_fallback_for_a_missing_module():
    source = """\
import os


def scratch():
    try:
        import tempfile
        fp = tempfile.NamedTemporaryFile()
    except ImportError:
        fp = open("/tmp/scratch.%s" % (os.getpid(),), "w+b")
    return fp
"""
    assert TmpPathToTempfile.apply(source, 9) is None
    assert TmpPathToTempfile.apply(source.replace("except ImportError:", "except OSError:"), 9) is not None


SHADOWED = [
    # a parameter, a module variable or a local named like the module the fix would call
    (RandomToSecrets, "import random\n\ndef token(secrets):\n    return random.randint(1, 6)\n", 4),
    (RandomToSecrets, "import random\n\nsecrets = {'db': 'x'}\n\ndef token():\n    return random.randint(1, 6)\n", 6),
    (SecretFromEnv, "import os\n\ndef connect(os, password='hunter2xyz'):\n    return password\n", 3),
    (EvalLiteralEval, "ast = []\n\ndef rows(text):\n    return eval(text)\n", 4),
    # another module imported under the name
    (SecretFromEnv, "from os import path as os\n\nAPI_TOKEN = 'ghp_0123456789abcdefABCDEF0123456789abcd'\n", 3),
]


@pytest.mark.parametrize(("operator", "source", "line"), SHADOWED)
def test_no_fix_calls_a_module_through_a_name_that_is_something_else_there(operator, source, line):
    assert operator.apply(source, line) is None



def test_a_function_the_module_calls_above_its_import_is_not_fixed_to_use_it():
    # Measured: the rewrite reused the "import subprocess" at the end; f() runs before it, so the
    # fixed module raised NameError where the original printed "hi".
    source = 'import os\n\n\ndef f():\n    os.system("echo hi")\n\n\nf()\nimport subprocess\n'
    assert OsSystemToRun.apply(source, 5) is None
    # Nothing calls f before the import has run: the fix reuses it.
    later = source.replace("f()\n", "")
    rewrite = OsSystemToRun.apply(later, 5)
    assert rewrite is not None and 'subprocess.run(["echo", "hi"]' in rewrite.text


def test_an_import_under_an_if_does_not_count():
    # Measured: the rewrite reused the "import subprocess" of the Windows branch; on Linux the
    # fixed module raised NameError where the original printed "hi".
    source = 'import os\nif os.name == "nt":\n    import subprocess\n\n\ndef f():\n    os.system("echo hi")\n\n\nf()\n'
    rewrite = OsSystemToRun.apply(source, 7)
    assert rewrite is not None and rewrite.imports == ("import subprocess",)
    assert rewrite.text.startswith("import os\nimport subprocess\n\nif os.name")


@pytest.mark.parametrize(("star", "refused"), [
    ("from helpers import *", True),  # may define its own secrets
    ("from .common import *", True),
    ("from os import *", True),  # os extends __all__ at run time: not known from the text
    ("from json import *", False),  # json.__all__ is a literal without secrets
    ("from secrets import *", False),  # the fix's own module: it binds its names, not 'secrets'
])
def test_a_star_import_that_may_bind_the_name_refuses(star, refused):
    source = f"import random\n{star}\n\n\ndef token():\n    return random.randint(0, 10**6)\n"
    assert (RandomToSecrets.apply(source, 6) is None) is refused
