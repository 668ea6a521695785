"""java-process-builder: ``Runtime.exec(String)`` -> ``ProcessBuilder`` with an argument list.

Before / after::

    Runtime.getRuntime().exec("ping -c 1 " + host)    new ProcessBuilder("ping", "-c", "1", host).start()

``Runtime.exec(String)`` splits its string on whitespace, so a value holding spaces smuggles in
extra arguments; as one ``ProcessBuilder`` argument it stays one argument. The literal words
become the program and its fixed arguments. The command may also come from a local
``String cmd = ... + x;``. The precondition fails for a shell (``sh -c``), where the fix is
not a plain argument list.
"""

from __future__ import annotations

import re

from promsec_ci.java.rewrite.base import (
    JavaOperator,
    JavaOperatorMeta,
    arguments,
    call_name,
    call_object,
    concat_parts,
    declared_type,
    enclosing_method,
    is_string_literal,
    literal_value,
    local_declaration,
    on_line,
    string_expression,
    text,
    unparen,
)

_SHELLS = re.compile(r"^(/bin/|/usr/bin/)?(sh|bash|zsh|ksh|dash|cmd|cmd\.exe|powershell)$")


def argument_list(parts, scope) -> list[str] | None:
    """Java expressions of the command's arguments, split where the literal text has whitespace."""
    words: list[list[str]] = [[]]
    for part in parts:
        if is_string_literal(part):
            value = literal_value(part)
            if "\\" in value or '"' in value:
                return None  # escapes would need re-quoting; leave such commands alone
            chunks = re.split(r"(\s+)", value)
            for chunk in chunks:
                if not chunk:
                    continue
                if chunk.isspace():
                    words.append([])
                else:
                    words[-1].append(f'"{chunk}"')
        else:
            words[-1].append(part)
    result = []
    for word in words:
        if not word:
            continue
        if len(word) == 1 and not isinstance(word[0], str):
            result.append(string_expression(word[0], scope))
        else:
            pieces = [w if isinstance(w, str) else text(w) for w in word]
            if all(p.startswith('"') for p in pieces):
                result.append('"' + "".join(p[1:-1] for p in pieces) + '"')
            elif pieces[0].startswith('"') or pieces[1].startswith('"'):  # the sum is a String from the start
                result.append(" + ".join(pieces))
            else:
                result.append('"" + ' + " + ".join(pieces))
    return result or None


def _is_runtime(receiver, scope, before: int) -> bool:
    source = text(receiver)
    if source.endswith("getRuntime()"):
        return True
    if receiver.type == "identifier":
        if (declared_type(scope, source) or "").endswith("Runtime"):
            return True
        found = local_declaration(scope, source, before)
        return found is not None and text(found[1]).endswith("getRuntime()")
    return False


class ProcessBuilderOperator(JavaOperator):
    meta = JavaOperatorMeta(
        name="java-process-builder",
        cwes=(78, 88),
        rule_ids=("COMMAND_INJECTION", "java-command-injection", "java-command-injection-taint"),
        directive="run the program with new ProcessBuilder(program, arg1, arg2).start(), passing every value "
                  "as its own argument, instead of Runtime.exec on a command string built from data",
        summary="Pass the command as a ProcessBuilder argument list instead of one string.",
        references=("https://cwe.mitre.org/data/definitions/78.html",
                    "https://docs.oracle.com/javase/8/docs/api/java/lang/ProcessBuilder.html"),
    )

    def rewrite(self, root, data, line):
        for call in reversed(on_line(root, "method_invocation", line)):
            receiver = call_object(call)
            args = arguments(call)
            if call_name(call) != "exec" or receiver is None or len(args) != 1:
                continue
            scope = enclosing_method(call)
            if scope is None or not _is_runtime(receiver, scope, call.start_byte):
                continue
            command = unparen(args[0])
            parts = concat_parts(command)
            if parts is None and command.type == "identifier":
                found = local_declaration(scope, text(command), call.start_byte)
                if found is None or found[2] != "String":
                    continue
                parts = concat_parts(found[1])
            if parts is None:
                continue
            words = argument_list(parts, scope)
            if not words or not words[0].startswith('"') or _SHELLS.match(words[0].strip('"')):
                continue
            replacement = f"new ProcessBuilder({', '.join(words)}).start()"
            return [(call.start_byte, call.end_byte, replacement)]
        return None


OPERATOR = ProcessBuilderOperator()
