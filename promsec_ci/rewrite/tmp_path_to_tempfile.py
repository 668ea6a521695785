"""B108, CWE-377: build temporary paths from ``tempfile.gettempdir()``, not a hard-coded ``/tmp``.

``gettempdir()`` honours ``TMPDIR``/``TEMP``, so a deployment can point it at a private
directory instead of the world-writable ``/tmp``; on a default Linux host the path is unchanged::

    f = open("/tmp/output.txt", "w")
        -> f = open(os.path.join(tempfile.gettempdir(), "output.txt"), "w")
    UPLOAD_DIR = "/tmp"                 ->   UPLOAD_DIR = tempfile.gettempdir()
    log = f"/tmp/logs/{name}.log"       ->   log = os.path.join(tempfile.gettempdir(), f"logs/{name}.log")
    log = f"/tmp/{name}.log"            ->   log = f"{tempfile.gettempdir()}/{name}.log"

(A value right after ``/tmp/`` stays after a slash: ``os.path.join`` would drop the folder for
an absolute value, letting ``f"/tmp/{urlparse(url).path}"`` write anywhere.)

Only ``/tmp`` is rewritten: ``/var/tmp`` (kept across reboots) and ``/dev/shm`` (in memory) are
chosen for what ``gettempdir()`` does not give. Nor is a ``"/tmp/..."`` that is added to
something before it (``cwd + "/tmp/out"`` is a folder under ``cwd``).
Comparisons are left alone (``path == "/tmp/x"`` tests a value, it does not create one), and so
are paths on another machine: where the statement, its function or its class speak of SSH, FTP,
a remote or a container (``temppath = kwargs.pop("temppath", "/tmp")  # remote temp directory``
in an SFTP client, an IMAP mailbox), the local temporary directory is not the answer; nor where
the statement names a test value or sample. Tests are left alone
(``production_only``): their ``/tmp`` paths are mostly fake values (``patch(sys, "executable",
"/tmp/fake")``).
"""

from __future__ import annotations

import re

import libcst as cst

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import (
    ComparisonAwareTransformer,
    TransformerOperator,
    expr,
    function_words,
    split_words,
)

# Only /tmp: code names /var/tmp for files that survive a reboot and /dev/shm for files in
# memory, and gettempdir() gives neither.
_TMP_DIRS = ("/tmp",)
_REMOTE_WORDS = frozenset({"remote", "ssh", "sftp", "ftp", "ftps", "scp", "rsync", "paramiko", "container",
                           "docker", "pod", "kubectl", "imap", "mailbox"})
# A path in a sample or a self-test is a value, not a place anything is written.
_PLACEHOLDER_WORDS = frozenset({"test", "tests", "fake", "mock", "dummy", "example", "sample"})


def _split(text: str) -> str | None:
    """What follows the temp directory in a path ``_is_tmp`` accepted: ``"x.txt"`` for
    ``/tmp/x.txt``, ``""`` for ``/tmp/``, ``None`` for ``/tmp`` itself."""
    for tmp in _TMP_DIRS:
        if text.startswith(tmp + "/"):
            return text[len(tmp) + 1:]
    return None


# A directory named the way mkdtemp and build tools name them (``tmpk3j2l1x_``,
# ``build-env-gjolnpt6``): eight random characters after ``tmp`` or a separator.
_RANDOM_NAME = re.compile(r"(?:^tmp|[-_.])(?=[a-z0-9_]*\d)(?=[a-z0-9_]*[a-z][a-z0-9_]*[a-z])[a-z0-9_]{8}$")


def _is_tmp(text: str) -> bool:
    """A path in the temporary directory that code could create, not one recorded from another
    run: a hard-coded random directory name (numpy's ``"path": "/tmp/build-env-gjolnpt6/..."``
    build record) names a directory some past run made."""
    if not any(text == tmp or text.startswith(tmp + "/") for tmp in _TMP_DIRS):
        return False
    return not any(_RANDOM_NAME.search(part) for part in text.split("/"))


class _TmpPathToTempfile(ComparisonAwareTransformer):

    def _tempdir(self, rest: cst.BaseExpression | None) -> cst.BaseExpression:
        gettempdir = f"{self.module_alias('tempfile')}.gettempdir()"
        if rest is None:
            return expr(gettempdir)
        join = expr(f"{self.module_alias('os')}.path.join({gettempdir}, _)")
        return join.with_changes(args=[join.args[0], join.args[1].with_changes(value=rest)])

    def _not_a_local_path(self, node: cst.CSTNode) -> bool:
        """Whether the names around ``node`` speak of another machine (see the module docstring),
        or the statement's names say the path is a sample (``test_seq = (("create", "/tmp/x"),)``)."""
        statement = set(self.statement_words(node))
        if statement & _PLACEHOLDER_WORDS:
            return True
        words = statement | set(function_words(self.enclosing_function(node)))
        parent = self.parent_of(node)
        while parent is not None and not isinstance(parent, cst.ClassDef):
            parent = self.parent_of(parent)
        if isinstance(parent, cst.ClassDef):
            words |= set(split_words(parent.name.value))
        return bool(words & _REMOTE_WORDS)

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.BaseExpression:
        if not self.in_target or self.in_comparison or self._in_fstring_or_concat(original_node):
            return updated_node
        if self._not_a_local_path(original_node):
            return updated_node
        value = updated_node.evaluated_value
        if not isinstance(value, str) or not _is_tmp(value) or "\\" in updated_node.value:
            return updated_node
        rest = _split(value)
        if rest is None:
            return self._tempdir(None)
        if rest.startswith("/"):
            return updated_node  # ``/tmp//x``: os.path.join would drop the folder
        quote = updated_node.quote
        return self._tempdir(cst.SimpleString(f"{updated_node.prefix}{quote}{rest}{quote}"))

    def leave_FormattedString(self, original_node: cst.FormattedString,
                              updated_node: cst.FormattedString) -> cst.BaseExpression:
        if not self.in_target or self.in_comparison or not updated_node.parts:
            return updated_node
        if self._not_a_local_path(original_node):
            return updated_node
        first = updated_node.parts[0]
        if not isinstance(first, cst.FormattedStringText) or "\\" in first.value:
            return updated_node
        tmp = next((t for t in _TMP_DIRS if first.value.startswith(t + "/")), None)
        if tmp is None:
            return updated_node
        rest = first.value[len(tmp) + 1:]
        if not rest or rest.startswith("/"):
            # ``f"/tmp/{path}"``: os.path.join would drop the folder for an absolute ``path``;
            # the text stays the folder, a slash and the value, as it was.
            folder = cst.FormattedStringExpression(expression=expr(f"{self.module_alias('tempfile')}.gettempdir()"))
            return updated_node.with_changes(parts=[folder, first.with_changes(value="/" + rest),
                                                    *updated_node.parts[1:]])
        parts = [first.with_changes(value=rest), *updated_node.parts[1:]]
        return self._tempdir(updated_node.with_changes(parts=parts))

    def _in_fstring_or_concat(self, node: cst.CSTNode) -> bool:
        parent = self.parent_of(node)
        # A bare string statement is a docstring or a note, not a path anyone opens.
        return isinstance(parent, (cst.ConcatenatedString, cst.Decorator, cst.Expr)) or (
            isinstance(parent, cst.BinaryOperation) and parent.right is node)


TmpPathToTempfile = TransformerOperator(
    OperatorMeta(
        name="tmp-path-to-tempfile",
        cwes=(377,),
        rule_ids=("B108",),
        directive="Do not hard-code /tmp paths; build temporary paths from tempfile.gettempdir() or, "
        "better, create the file with tempfile.mkstemp or tempfile.NamedTemporaryFile.",
        summary=("hard-coded /tmp path -> tempfile.gettempdir()-based path, which follows TMPDIR; the file "
                 "name stays fixed, so where nothing else needs it, tempfile.mkstemp is stronger"),
        references=(
            "https://cwe.mitre.org/data/definitions/377.html",
            "https://docs.python.org/3/library/tempfile.html#tempfile.gettempdir",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
        production_only=True,
    ),
    _TmpPathToTempfile,
)
