from __future__ import annotations

import textwrap

from promsec_ci.llm.splice import splice
from promsec_ci.units import UnitIndex

TEXT = textwrap.dedent('''\
    """Module."""
    import os


    class Repo:
        @login_required
        def listing(self, name):
            os.system("ls " + name)
            return 1


    AFTER = 1
''')


def unit():
    return UnitIndex(TEXT, "repo.py").locate(8)


def test_method_is_replaced_in_place_with_original_decorators_and_new_imports():
    code = ("import subprocess\nimport os\n\n@cache\n"
            "def listing(self, name):\n    subprocess.run(['ls', name])\n    return 1\n")
    result = splice(TEXT, unit(), code, "listing")
    assert result.imports == ("import subprocess",)
    assert result.text == textwrap.dedent('''\
        """Module."""
        import os
        import subprocess


        class Repo:
            @login_required
            def listing(self, name):
                subprocess.run(['ls', name])
                return 1


        AFTER = 1
    ''')
    assert result.function.startswith("def listing(self, name):")


def test_missing_function_or_broken_code():
    assert splice(TEXT, unit(), "def other():\n    pass\n", "listing") is None
    assert splice(TEXT, unit(), "def listing(:\n", "listing") is None
