"""java-strong-hash: ``MessageDigest.getInstance("MD5"/"SHA1")`` -> ``"SHA-256"``.

Before / after::

    MessageDigest.getInstance("MD5")           MessageDigest.getInstance("SHA-256")
    DigestUtils.md5Hex(data)                   DigestUtils.sha256Hex(data)

Digests get longer (32 bytes): code that stores them in fixed-size fields needs review.
"""

from __future__ import annotations

import re

from promsec_ci.java.rewrite.base import (
    JavaOperator,
    JavaOperatorMeta,
    arguments,
    call_name,
    call_object,
    literal_value,
    on_line,
    text,
)

_WEAK = re.compile(r"(?i)^(md2|md4|md5|sha|sha-?1)$")
_DIGEST_UTILS = {"md5": "sha256", "md5Hex": "sha256Hex", "md2": "sha256", "md2Hex": "sha256Hex",
                 "sha1": "sha256", "sha1Hex": "sha256Hex", "sha": "sha256", "shaHex": "sha256Hex"}


class StrongHashOperator(JavaOperator):
    meta = JavaOperatorMeta(
        name="java-strong-hash",
        cwes=(327, 328),
        rule_ids=("WEAK_MESSAGE_DIGEST_MD5", "WEAK_MESSAGE_DIGEST_SHA1", "java-weak-hash"),
        directive="hash with SHA-256 (MessageDigest.getInstance(\"SHA-256\")) instead of MD5 or SHA-1",
        summary="Replace a broken hash algorithm with SHA-256.",
        references=("https://cwe.mitre.org/data/definitions/328.html",
                    "https://docs.oracle.com/javase/8/docs/technotes/guides/security/StandardNames.html"),
    )

    def rewrite(self, root, data, line):
        for call in reversed(on_line(root, "method_invocation", line)):
            target = call_object(call)
            owner = text(target) if target is not None else ""
            name = call_name(call)
            args = arguments(call)
            if name == "getInstance" and owner.endswith("MessageDigest") and args:
                algorithm = args[0]
                if algorithm.type == "string_literal" and _WEAK.match(literal_value(algorithm)):
                    return [(algorithm.start_byte, algorithm.end_byte, '"SHA-256"')]
            if owner.endswith("DigestUtils") and name in _DIGEST_UTILS:
                name_node = call.child_by_field_name("name")
                return [(name_node.start_byte, name_node.end_byte, _DIGEST_UTILS[name])]
        return None


OPERATOR = StrongHashOperator()
