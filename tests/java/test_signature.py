"""Java signatures read with tree-sitter: what a regenerated method must keep."""

from __future__ import annotations

import pytest

from promsec_ci.java.signature import method_signature

ORIGINAL = """\
    @GetMapping("/users")
    public static <T> List<T> find(@RequestParam("id") String id, final int[] limits, Object... rest)
            throws SQLException, IOException {
        return null;
    }
"""


def test_signature_parts_are_read_from_the_tree():
    signature = method_signature(ORIGINAL, "find")

    assert signature is not None
    assert signature.modifiers == ("public", "static")
    assert signature.annotations == ('@GetMapping("/users")',)
    assert signature.type_parameters == "<T>" and signature.returns == "List<T>"
    assert signature.parameters == ('@RequestParam("id") String', "int[]", "Object...")
    assert signature.throws == ("IOException", "SQLException")


@pytest.mark.parametrize("rewritten", [
    ORIGINAL.replace("String id, final int[] limits", "String key, int[]   max"),  # names and final are free
    ORIGINAL.replace("SQLException, IOException", "IOException, SQLException"),
    ORIGINAL.replace("List<T>", "List< T >").replace("return null;", "return java.util.Collections.emptyList();"),
])
def test_same_signature(rewritten):
    assert method_signature(rewritten, "find") == method_signature(ORIGINAL, "find")


@pytest.mark.parametrize("rewritten", [
    ORIGINAL.replace('@GetMapping("/users")\n', ""),
    ORIGINAL.replace("public static", "public"),
    ORIGINAL.replace("List<T> find", "Collection<T> find"),
    ORIGINAL.replace("String id", "Object id"),
    ORIGINAL.replace('@RequestParam("id") ', ""),
    ORIGINAL.replace(", IOException", ""),
    ORIGINAL.replace("Object... rest", "Object[] rest"),
])
def test_changed_signature(rewritten):
    assert method_signature(rewritten, "find") != method_signature(ORIGINAL, "find")


def test_bare_constructor_and_missing_method():
    assert method_signature("    public Users(String name) { this.name = name; }\n", "Users").parameters == ("String",)
    assert method_signature(ORIGINAL, "other") is None
    assert method_signature("public void find( {", "find") is None
