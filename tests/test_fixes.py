"""Fix building: minimal line edits, a diff git can apply, combining fixes of one file."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from promsec_ci.fixes import apply_edits, build_fix, combine_fixes, line_edits, locate_unit, unified_diff
from promsec_ci.records import Edit
from promsec_ci.units import UnitIndex

ORIGINAL = textwrap.dedent('''\
    """Service."""
    import os


    def ping(host):
        print("pinging")
        status = os.system("ping -c 1 " + host)
        return status == 0


    def run(cmd):
        return os.system(cmd)
    ''')

PING_FIXED = ORIGINAL.replace('import os\n', 'import os\nimport subprocess\n').replace(
    'os.system("ping -c 1 " + host)', 'subprocess.run(["ping", "-c", "1", host]).returncode')
RUN_FIXED = ORIGINAL.replace('import os\n', 'import os\nimport subprocess\n').replace(
    "return os.system(cmd)", "return subprocess.run(cmd.split()).returncode")


def unit(name: str, text: str = ORIGINAL):
    return next(u for u in UnitIndex(text, "svc.py").function_units() if u.name == name)


def make_fix(candidate: str, name: str):
    return build_fix("svc.py", unit(name), ORIGINAL, candidate, operators=["op"], directives=["d"],
                     cwes_removed=[78, 78], added_imports=["import subprocess"], similarity=0.9, verifications=2)


def test_edits_are_the_changed_unit_line_then_the_import_insertion():
    edits = line_edits(ORIGINAL, PING_FIXED, unit("ping"))
    assert edits == (
        Edit(7, 7, '    status = subprocess.run(["ping", "-c", "1", host]).returncode\n'),
        Edit(3, 2, "import subprocess\n"),
    )
    assert apply_edits(ORIGINAL, edits) == PING_FIXED


def test_the_fix_record_carries_what_the_search_gave_it():
    fix = make_fix(PING_FIXED, "ping")
    assert (fix.path, fix.unit, fix.operators, fix.cwes_removed, fix.verifications) == ("svc.py", "ping", ("op",),
                                                                                       (78,), 2)
    assert fix.diff.startswith("--- a/svc.py\n+++ b/svc.py\n")
    assert "+import subprocess\n" in fix.diff


def test_the_diff_applies_with_git(tmp_path):
    (tmp_path / "svc.py").write_text(ORIGINAL)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "fix.diff").write_text(make_fix(PING_FIXED, "ping").diff)
    subprocess.run(["git", "apply", "fix.diff"], cwd=tmp_path, check=True)
    assert (tmp_path / "svc.py").read_text() == PING_FIXED


def test_a_file_without_final_newline_round_trips():
    original = ORIGINAL.rstrip("\n")
    candidate = RUN_FIXED.rstrip("\n")
    edits = line_edits(original, candidate, unit("run", original))
    assert apply_edits(original, edits) == candidate
    assert "\\ No newline at end of file\n" in unified_diff(original, candidate, "svc.py")


def test_overlapping_edits_do_not_apply():
    assert apply_edits(ORIGINAL, [Edit(5, 7, "x = 1\n"), Edit(7, 8, "y = 2\n")]) is None


def test_two_fixes_adding_the_same_import_combine_with_one_import():
    fixes = [make_fix(PING_FIXED, "ping"), make_fix(RUN_FIXED, "run")]
    combined, kept = combine_fixes(ORIGINAL, fixes, lambda text: "")
    assert kept == tuple(fixes)
    assert combined.count("import subprocess\n") == 1
    assert "subprocess.run(cmd.split())" in combined and 'subprocess.run(["ping"' in combined


def test_imports_from_two_fixes_at_one_place_share_one_blank_line():
    text = "import os\n__all__ = ['f']\n"
    merged = apply_edits(text, [Edit(2, 1, "import ast\n\n"), Edit(2, 1, "import subprocess\n\n")])
    assert merged == "import os\nimport ast\nimport subprocess\n\n__all__ = ['f']\n"


def test_when_the_combination_fails_the_subset_that_passes_is_kept():
    fixes = [make_fix(PING_FIXED, "ping"), make_fix(RUN_FIXED, "run")]

    def check(text: str) -> str:
        return "rejects the run fix" if "cmd.split()" in text else ""

    combined, kept = combine_fixes(ORIGINAL, fixes, check)
    assert kept == (fixes[0],)
    assert combined == PING_FIXED


def test_locate_unit_finds_the_unit_by_qualified_name_in_new_text():
    text = "class A:\n    def f(self):\n        return 1\n\n\ndef f():\n    return 2\n\n\ndef f():\n    return 3\n"
    method = locate_unit(text, "m.py", "A.f")
    assert (method.name, method.kind, method.start_line, method.end_line) == ("A.f", "method", 2, 3)
    assert locate_unit(text, "m.py", "f", near=9).start_line == 10
    assert locate_unit(text, "m.py", "g") is None
    assert locate_unit(text, "m.py", "<module>") is None


RANDOM = textwrap.dedent('''\
    from random import choice
    import random


    def make_token():
        return random.randint(0, 10**6)


    def password_char(alphabet):
        return choice(alphabet)
    ''')


def test_an_import_one_fix_puts_in_place_of_another_import_is_not_added_twice_by_a_second_fix():
    # make_token's fix replaces "import random" by "import secrets" (random is orphaned there);
    # password_char's fix drops "from random import choice" and inserts "import secrets".
    token = RANDOM.replace("import random\n", "import secrets\n").replace("random.randint",
                                                                        "secrets.SystemRandom().randint")
    char = RANDOM.replace("from random import choice\nimport random\n", "import random\nimport secrets\n").replace(
        "return choice(", "return secrets.choice(")
    fixes = [build_fix("gen.py", next(u for u in UnitIndex(RANDOM, "gen.py").function_units() if u.name == name),
                       RANDOM, candidate, operators=["op"], directives=["d"], cwes_removed=[330], added_imports=[],
                       similarity=0.9, verifications=1) for name, candidate in (("make_token", token),
                                                                                 ("password_char", char))]
    combined, kept = combine_fixes(RANDOM, fixes, lambda text: "")
    assert kept == tuple(fixes)
    assert combined.count("import secrets\n") == 1
    assert "secrets.SystemRandom().randint" in combined and "secrets.choice(alphabet)" in combined


def test_an_import_the_file_has_in_another_form_is_not_inserted():
    text = "import os, subprocess\nfrom shlex import quote as q, split\n\nx = 1\n"
    merged = apply_edits(text, [Edit(3, 2, "import subprocess\n"), Edit(3, 2, "from shlex import split  # argv\n"),
                                Edit(3, 2, "from shlex import join\n")])
    assert merged == "import os, subprocess\nfrom shlex import quote as q, split\nfrom shlex import join\n\nx = 1\n"


@pytest.mark.parametrize(("text", "edits", "expected"), [
    # "import subprocess" in the docstring is no import: the file ran into NameError after fix --apply.
    ('"""Example:\nimport subprocess\n"""\nimport os\nos.system("ls")\n',
     [Edit(5, 5, 'subprocess.run(["ls"])\n'), Edit(5, 4, "import subprocess\n")],
     '"""Example:\nimport subprocess\n"""\nimport os\nimport subprocess\nsubprocess.run(["ls"])\n'),
    # An import further down runs after the edited call: NameError at import time.
    ("import os\nos.system('ls')\n\nimport subprocess\n",
     [Edit(2, 2, "subprocess.run(['ls'])\n"), Edit(2, 1, "import subprocess\n")],
     "import os\nimport subprocess\nsubprocess.run(['ls'])\n\nimport subprocess\n"),
    # The line also assigns tok: dropping it as a repeated import lost the assignment.
    ("import secrets\nimport random; tok = random.random()\n",
     [Edit(2, 2, "import secrets; tok = secrets.randbelow(10)\n")],
     "import secrets\nimport secrets; tok = secrets.randbelow(10)\n"),
    # Only the first line of a parenthesised import was dropped: "    sep,\n)" did not parse.
    ("from os import (\n    path,\n)\n", [Edit(4, 3, "from os import (\n    sep,\n)\n")],
     "from os import (\n    path,\n)\nfrom os import (\n    sep,\n)\n"),
    ("from os import (\n    path,\n)\n\nx = 1\n",
     [Edit(5, 5, "x = path\n"), Edit(4, 3, "from os import (\n    path,\n)\n")],
     "from os import (\n    path,\n)\n\nx = path\n"),
    # An import the file has only under try: is not there when the try failed.
    ("try:\n    import subprocess\nexcept ImportError:\n    pass\nx = 1\n", [Edit(5, 4, "import subprocess\n")],
     "try:\n    import subprocess\nexcept ImportError:\n    pass\nimport subprocess\nx = 1\n"),
    # The import went, its blank line stayed: two blank lines where there was one.
    ("import os\nimport ast\n\nx = 1\n", [Edit(4, 4, "x = ast.literal_eval('1')\n"), Edit(3, 2, "import ast\n\n")],
     "import os\nimport ast\n\nx = ast.literal_eval('1')\n"),
], ids=["docstring", "import-further-down", "import-and-code", "parenthesised", "parenthesised-present",
        "under-try", "blank-line"])
def test_only_imports_that_bind_before_the_edited_code_count(text, edits, expected):
    merged = apply_edits(text, edits)
    assert merged == expected
    compile(merged, "m.py", "exec")
