from __future__ import annotations

import pytest

from promsec_ci.llm.extract import extract_any_code, extract_function, extract_prompt, looks_like_refusal

FUNC = 'def get_user(cur, name):\n    cur.execute("SELECT 1 WHERE n = ?", (name,))\n    return cur.fetchone()\n'


@pytest.mark.parametrize(
    "answer",
    [
        f"```python\n{FUNC}```",
        f"```\n{FUNC}```",
        f"~~~py\n{FUNC}~~~",
        f"Sure, here it is:\n\n```python\n{FUNC}```\n\nThis avoids SQL injection.",
        f"```python\n{FUNC}",  # unterminated fence
        f"Here you go.\n\n{FUNC}\nThis is safe because it binds parameters.",
        f"```python\ndef helper():\n    return 1\n```\nand the function:\n```python\n{FUNC}```",
        f"```text\nnot code\n```\n```python\n    {FUNC.replace(chr(10), chr(10) + '    ')}```",  # indented block
    ],
)
def test_answer_shapes(answer):
    assert extract_function(answer, "get_user") == FUNC


def test_imports_in_the_block_are_kept():
    answer = f"```python\nimport sqlite3\n\n{FUNC}```"
    assert extract_function(answer, "get_user") == f"import sqlite3\n\n{FUNC}"


def test_method_inside_a_class_block():
    answer = "```python\nclass Repo:\n    def get_user(self, name):\n        return name\n```"
    assert "class Repo" in extract_function(answer, "get_user")


@pytest.mark.parametrize("answer", ["", "I'm sorry, I can't help with that.", "```python\ndef other():\n    pass\n```",
                                    "```python\ndef get_user(cur, name)\n    return\n```"])
def test_no_function_means_none(answer):
    assert extract_function(answer, "get_user") is None


def test_any_code_for_generation():
    assert extract_any_code("Text\n```python\nx = 1\n```") == "x = 1\n"
    assert extract_any_code("no code at all here") is None


@pytest.mark.parametrize(
    ("answer", "prompt"),
    [
        ("Write a function f.", "Write a function f."),
        ('Prompt: "Write a function f."', "Write a function f."),
        ("**Optimized prompt:** Write a function f.", "Write a function f."),
        ("```\nWrite a function f.\n```", "Write a function f."),
    ],
)
def test_prompt_shapes(answer, prompt):
    assert extract_prompt(answer) == prompt


def test_refusals():
    assert looks_like_refusal("I'm sorry, but I cannot help.")
    assert looks_like_refusal("I can't assist with that request.")
    assert not looks_like_refusal("Write a function that I cannot break.")


JAVA_METHOD = "public int count(String name) {\n    return name.length();\n}\n"


@pytest.mark.parametrize("answer", [
    f"Sure:\n```java\nimport java.util.List;\n\n{JAVA_METHOD}```\nDone.",
    f"```\n{JAVA_METHOD}```",
    f"```python\nprint(1)\n```\n```java\nclass Users {{\n{JAVA_METHOD}}}\n```",
    JAVA_METHOD,
])
def test_java_method_is_extracted(answer):
    from promsec_ci.llm.extract import extract_java_method

    code = extract_java_method(answer, "count")
    assert code is not None and "return name.length();" in code


def test_java_answer_without_the_method_gives_nothing():
    from promsec_ci.llm.extract import extract_java_method

    assert extract_java_method(f"```java\n{JAVA_METHOD}```", "total") is None
    assert extract_java_method("I cannot help with that.", "count") is None
