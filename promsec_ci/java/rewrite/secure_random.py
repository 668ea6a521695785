"""java-secure-random: ``new Random()`` and ``Math.random()`` -> ``java.security.SecureRandom``.

Before / after::

    Random random = new Random();              Random random = new java.security.SecureRandom();
    double d = Math.random();                  double d = new java.security.SecureRandom().nextDouble();

``SecureRandom`` extends ``Random``, so declared types and later calls stay valid.
"""

from __future__ import annotations

from promsec_ci.java.rewrite.base import (
    JavaOperator,
    JavaOperatorMeta,
    arguments,
    call_name,
    call_object,
    on_line,
    text,
)

SECURE = "new java.security.SecureRandom()"


class SecureRandomOperator(JavaOperator):
    meta = JavaOperatorMeta(
        name="java-secure-random",
        cwes=(330, 338),
        rule_ids=("PREDICTABLE_RANDOM", "java-predictable-random", "DMI_RANDOM_USED_ONLY_ONCE"),
        directive="generate security-sensitive random values with java.security.SecureRandom instead of "
                  "java.util.Random or Math.random",
        summary="Use java.security.SecureRandom for unpredictable values.",
        references=("https://cwe.mitre.org/data/definitions/330.html",
                    "https://docs.oracle.com/javase/8/docs/api/java/security/SecureRandom.html"),
    )

    def rewrite(self, root, data, line):
        for node in reversed(on_line(root, "object_creation_expression", line)):
            type_node = node.child_by_field_name("type")
            if type_node is not None and text(type_node) in ("Random", "java.util.Random") and not arguments(node):
                if node.child_by_field_name("body") is None:  # not an anonymous subclass
                    return [(node.start_byte, node.end_byte, SECURE)]
        for node in reversed(on_line(root, "method_invocation", line)):
            target = call_object(node)
            if call_name(node) == "random" and target is not None and text(target) in ("Math", "java.lang.Math"):
                return [(node.start_byte, node.end_byte, f"{SECURE}.nextDouble()")]
        return None


OPERATOR = SecureRandomOperator()
