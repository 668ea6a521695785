"""Token-sequence similarity: comments and layout do not count, tokens do."""

from __future__ import annotations

from promsec_ci.verify.similarity import token_similarity, tokens


def test_identical_code_is_fully_similar():
    assert token_similarity("x = f(a, b)\n", "x = f(a, b)\n") == 1.0


def test_comments_blank_lines_and_indentation_are_ignored():
    method = "    def f(self):\n        # load it\n\n        return self.x\n"
    plain = "def f(self):\n    return self.x  # same tokens\n"
    assert token_similarity(method, plain) == 1.0


def test_one_changed_token_of_five_gives_four_fifths():
    # x = a + b / x = a - b: 4 of 5 tokens match on each side, ratio 2*4/10
    assert token_similarity("x = a + b", "x = a - b") == 0.8


def test_unrelated_code_scores_low():
    original = "def f(name):\n    cur.execute('SELECT * FROM t WHERE n = ' + name)\n    return cur.fetchall()\n"
    stub = "def f(name):\n    return 'ok'\n"
    assert token_similarity(original, stub) < 0.6


def test_code_that_does_not_tokenize_falls_back_to_a_word_split():
    broken = 'x = """never closed\ny = 1\n'
    assert tokens(broken)[:2] == ["x", "="]
    assert 0.0 < token_similarity(broken, "x = 1\n") < 1.0


def test_two_empty_texts_are_identical():
    assert token_similarity("", "# only a comment\n") == 1.0
