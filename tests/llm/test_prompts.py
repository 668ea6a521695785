from __future__ import annotations

import textwrap

from promsec_ci.llm import prompts
from promsec_ci.records import Finding, Level

FILE = textwrap.dedent('''\
    import os
    import json as j
    from flask import request, abort
    from pathlib import Path


    class Store:
        def read(self, name: str, mode="r") -> str:
            path = os.path.join("/data", name)
            return open(path, mode).read() + j.dumps(request.args)
''')
UNIT = FILE.split("class Store:\n")[1]


def test_context_holds_only_the_imports_the_unit_uses_and_the_signature():
    context = prompts.unit_context(FILE, UNIT, "read")
    assert context.imports == ("import os", "import json as j", "from flask import request")
    assert context.signature == "def read(self, name: str, mode='r') -> str:"
    assert context.code.startswith("def read(")  # dedented
    assert "Path" not in context.listing()


def test_optimized_prompt_has_signature_and_unique_directives():
    prompt = prompts.optimized_prompt("Write read.", ["Use X.", "Use X.", " ", "Use Y."], "def read(self):")
    assert prompt == ("Write read.\n\nKeep the signature exactly: `def read(self):`\n\n"
                      "Security requirements:\n- Use X.\n- Use Y.")


def test_bl1_levels_add_context_in_order():
    context = prompts.unit_context(FILE, UNIT, "read")
    finding = Finding("bandit", "B108", "hardcoded_tmp_directory", 377, Level.MEDIUM, Level.HIGH, "s.py", 9, 9,
                      "Probable insecure usage of temp file/directory.", code='path = os.path.join("/data", name)')
    texts = [prompts.bl1_messages(level, context, [finding], 7, ["Use tempfile."])[-1]["content"]
             for level in range(len(prompts.BL1_LEVELS))]
    assert len(texts) == 7
    assert "analyzer" not in texts[0]
    assert "line 3" in texts[1] and "CWE-377" not in texts[1]
    assert "CWE-377" in texts[2] and "line 3" not in texts[2]
    assert "line 3" in texts[3] and "CWE-377" in texts[3] and "insecure usage" not in texts[3]
    assert "insecure usage" in texts[4] and "confidence high" not in texts[4]
    assert "confidence high" in texts[5] and "Use tempfile." not in texts[5]
    assert "B108" in texts[6] and "Use tempfile." in texts[6]
