"""B306, CWE-377: create temporary files with ``mkstemp``, not ``mktemp``.

``mktemp`` only returns a name; between choosing it and opening it another process can create
that file (or a symlink). ``mkstemp`` creates the file atomically with mode 0600; its
descriptor is closed at once so the rest of the code keeps using the path as before::

    path = tempfile.mktemp(suffix=".txt")
        -> fd, path = tempfile.mkstemp(suffix=".txt")
           os.close(fd)

Applies to ``name = tempfile.mktemp(...)`` statements; the file now exists (empty) afterwards.
So no fix is made where the code needs the name free or takes it for a directory: it is passed
to ``mkdir``/``makedirs``/``mkfifo``/``symlink``/``link``/``copytree``/``bind``/``shelve.open``...,
unpacked into (``extractall``, ``extract``, ``unpack_archive``), to an external command (which
may refuse or prompt to overwrite), opened for exclusive creation
(``open(name, "x")`` or a mode the code computes, ``os.open`` with ``O_EXCL``,
``Path(name).touch(exist_ok=False)``), renamed onto (``os.rename(src, name)`` fails on Windows),
used as a socket or pipe address (``connect``, ``CreateNamedPipe``), expected missing (``with
pytest.raises(FileNotFoundError)``, ``except FileNotFoundError``), checked for existence
(``exists``/``isfile``/``isdir``/``lexists``/``access``, ``Path.exists()``; only a check that
guards removing it, ``if exists(name): os.remove(name)``, is kept), joined below
(``os.path.join(name, ...)``, ``name + "/x"``, ``Path(name) / "x"``) or given as ``dir=``.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from promsec_ci.rewrite.base import OperatorMeta, ReviewGuidance
from promsec_ci.rewrite.call_edit import CallTransformer, TransformerOperator, get_kwarg, has_star_args, is_name
from promsec_ci.rewrite.cst_tools import dotted_name, reads_of

# Calls (last name) that fail, or act differently, when their path already exists as a file.
_WANTS_FREE_PATH = frozenset({
    "mkdir", "makedirs", "mkfifo", "mknod", "symlink", "symlink_to", "link", "hardlink_to",
    "copytree", "bind", "chdir", "listdir", "scandir", "iterdir", "rmdir", "rmtree", "walk",
    # archives unpacked below it: a directory (NotADirectoryError once it is a file)
    "extractall", "extract", "unpack_archive",
    "mkdtemp", "mkstemp", "TemporaryDirectory", "NamedTemporaryFile", "TemporaryFile",
    # a name for a socket or pipe, not a file: asyncio's r"\\.\pipe\python-pipe-..." addresses
    "connect", "CreateNamedPipe", "Listener", "Client",
})
_WANTS_FREE_PATH_QUALIFIED = frozenset({"shelve.open", "dbm.open"})
_COMMANDS = ("subprocess.", "os.system", "os.popen", "os.exec", "os.spawn", "os.posix_spawn")
_PATH_WRAPPERS = frozenset({"str", "os.fspath", "pathlib.Path", "pathlib.PurePath", "Path"})
# Existence checks (functions and ``Path`` methods): their answer changes once the file exists.
_EXISTS = frozenset({"exists", "lexists", "isfile", "isdir", "is_file", "is_dir", "access"})
# Calls that open their first argument with a mode (second argument or ``mode=``); "x" fails on a file.
_OPENERS = frozenset({"open", "ZipFile", "TarFile", "GzipFile", "BZ2File", "LZMAFile"})
_REMOVERS = frozenset({"remove", "unlink"})


def _exclusive_mode(mode: cst.Arg | None) -> bool:
    """Whether an open mode may be exclusive creation (``"x"``, ``"xb"``, ``"x:gz"``): a literal
    with an x, or a value the code computes."""
    if mode is None or isinstance(mode.value, cst.Integer):
        return False
    if isinstance(mode.value, (cst.SimpleString, cst.ConcatenatedString)):
        return "x" in str(mode.value.evaluated_value)
    return True


def _argument(call: cst.Call, index: int, keyword: str) -> cst.Arg | None:
    """The argument at positional ``index`` or given as ``keyword=``."""
    named = get_kwarg(call, keyword)
    if named is not None:
        return named
    plain = [arg for arg in call.args if arg.keyword is None]
    return plain[index] if index < len(plain) else None


def _mentions(node: cst.CSTNode, read: cst.CSTNode) -> bool:
    """Whether ``node`` holds an expression spelled like ``read``."""
    found = False

    class _Find(cst.CSTVisitor):
        def on_visit(self, child: cst.CSTNode) -> bool:
            nonlocal found
            found = found or (type(child) is type(read) and child.deep_equals(read))
            return not found

    node.visit(_Find())
    return found


def _exclusive_flags(flags: cst.Arg | None) -> bool:
    """Whether ``os.open`` flags may hold ``O_EXCL``: they name it, or are not ``os.O_*`` constants."""
    if flags is None:
        return False
    names = [dotted_name(n) or "" for n in m.findall(flags.value, m.Name() | m.Attribute())]
    constants = all(n == "os" or n.split(".")[-1].startswith("O_") for n in names)
    return not names or not constants or any(n.endswith("O_EXCL") for n in names)


def _names_missing(node: cst.BaseExpression) -> bool:
    """``FileNotFoundError`` (alone or in a tuple): the error of a path that does not exist."""
    if isinstance(node, cst.Tuple):
        return any(_names_missing(e.value) for e in node.elements)
    return isinstance(node, (cst.Name, cst.Attribute)) and (
        node.attr.value if isinstance(node, cst.Attribute) else node.value) == "FileNotFoundError"


class _MktempToMkstemp(CallTransformer):
    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if original_node is not self.target or len(original_node.body) != 1:
            return updated_node
        assign = original_node.body[0]
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return updated_node
        target = assign.targets[0].target
        call = assign.value
        if not isinstance(target, (cst.Name, cst.Attribute, cst.Subscript)) or not isinstance(call, cst.Call):
            return updated_node
        if self.qualified_name(call.func) != "tempfile.mktemp" or has_star_args(call):
            return updated_node
        if any(self._wants_free_path(read) for read in self._reads(original_node, target)):
            return updated_node
        fd = self._free_name(original_node, ("fd", "tmp_fd", "temp_fd"))
        if fd is None:
            return updated_node
        func = call.func
        new_func = func.with_changes(attr=cst.Name("mkstemp")) if isinstance(func, cst.Attribute) else \
            cst.Attribute(value=cst.Name(self.module_alias("tempfile")), attr=cst.Name("mkstemp"))
        targets = cst.Tuple(
            elements=[cst.Element(cst.Name(fd), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                      cst.Element(target)],
            lpar=[], rpar=[],
        )
        new_assign = assign.with_changes(targets=[assign.targets[0].with_changes(target=targets)],
                                         value=call.with_changes(func=new_func))
        close = cst.parse_statement(f"{self.module_alias('os')}.close({fd})\n")
        first = updated_node.with_changes(body=[new_assign])
        return cst.FlattenSentinel([first, close])

    def _reads(self, statement: cst.SimpleStatementLine, target: cst.BaseExpression) -> list[cst.CSTNode]:
        """Where the path is read: a name in its function (or module), an attribute or item
        (``self.path``) anywhere in the module it is spelled the same way."""
        if isinstance(target, cst.Name):
            scope = self.enclosing_function(statement) or self.module
            return list(reads_of(target.value, scope, self.parents)) if scope else []
        found: list[cst.CSTNode] = []

        class _Spelled(cst.CSTVisitor):
            def on_visit(self, node: cst.CSTNode) -> bool:
                if node is not target and type(node) is type(target) and node.deep_equals(target):
                    found.append(node)
                    return False
                return True

        if self.module is not None:
            self.module.visit(_Spelled())
        return found

    def _wants_free_path(self, read: cst.CSTNode) -> bool:
        """Whether the code at ``read`` needs the path not to exist, or takes it for a directory."""
        if self._expects_missing(read):
            return True
        node, parent = read, self.parent_of(read)
        while isinstance(parent, cst.Element):  # an item of an argument list: [cmd, "-o", p]
            node = self.parent_of(parent)
            parent = self.parent_of(node) if node is not None else None
        while isinstance(parent, cst.Arg):  # through str(p), Path(p), os.fspath(p)
            wrapper = self.parent_of(parent)
            if not (isinstance(wrapper, cst.Call) and wrapper.args and wrapper.args[0] is parent
                    and self._is_path_wrapper(wrapper)):
                break
            node, parent = wrapper, self.parent_of(wrapper)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return self._method_wants_free_path(parent, read)  # Path(p).mkdir()
        if isinstance(parent, cst.BinaryOperation) and parent.left is node:
            right = parent.right
            return isinstance(parent.operator, cst.Divide) or (
                isinstance(right, cst.SimpleString) and str(right.evaluated_value).startswith(("/", "\\")))
        if isinstance(parent, cst.FormattedStringExpression):
            return self._followed_by_separator(parent)
        if not isinstance(parent, cst.Arg):
            return False
        call = self.parent_of(parent)
        if not isinstance(call, cst.Call):
            return False
        keyword = parent.keyword.value if parent.keyword is not None else None
        name = self.qualified_name(call.func) or ""
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
        last = name.rsplit(".", 1)[-1] or method
        if keyword == "dir" or last in _WANTS_FREE_PATH or name in _WANTS_FREE_PATH_QUALIFIED:
            return True
        if name.startswith(_COMMANDS):
            return True
        if name == "os.path.join":
            return call.args[0] is parent
        if last in _EXISTS:
            return not self._only_cleans_up(call, read)
        if name in ("os.rename", "os.renames"):
            return parent is _argument(call, 1, "dst")  # Windows refuses to rename onto a file
        if name == "os.open":
            return _exclusive_flags(_argument(call, 1, "flags"))
        if last in _OPENERS and call.args[0] is parent:
            return _exclusive_mode(_argument(call, 1, "mode"))
        return False

    def _method_wants_free_path(self, method: cst.Attribute, read: cst.CSTNode) -> bool:
        """Whether ``Path(p).<method>`` needs the path free (``mkdir``, ``touch(exist_ok=False)``,
        ``open("x")``) or asks whether it exists."""
        name = method.attr.value
        if name in _WANTS_FREE_PATH:
            return True
        call = self.parent_of(method)
        if not isinstance(call, cst.Call) or call.func is not method:
            return False
        if name in _EXISTS:
            return not self._only_cleans_up(call, read)
        if name == "touch":
            exist_ok = _argument(call, 1, "exist_ok")
            return exist_ok is not None and not is_name(exist_ok.value, "True")
        return name == "open" and _exclusive_mode(_argument(call, 0, "mode"))

    def _only_cleans_up(self, check: cst.Call, read: cst.CSTNode) -> bool:
        """Whether an existence check only guards removing the file (``exists(p) and
        os.remove(p)``, ``if exists(p): os.remove(p)``): it ends up gone either way."""
        parent = self.parent_of(check)
        if isinstance(parent, cst.BooleanOperation) and isinstance(parent.operator, cst.And) \
                and parent.left is check:
            return self._removes(parent.right, read)
        if isinstance(parent, cst.If) and parent.test is check and parent.orelse is None:
            lines = parent.body.body if isinstance(parent.body, cst.IndentedBlock) else [parent.body]
            return all(isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and all(
                isinstance(small, cst.Expr) and self._removes(small.value, read) for small in line.body)
                for line in lines)
        return False

    def _removes(self, node: cst.BaseExpression, read: cst.CSTNode) -> bool:
        """``os.remove(p)``, ``os.unlink(p)``, ``Path(p).unlink()`` of the path read at ``read``."""
        if not isinstance(node, cst.Call):
            return False
        name = (self.qualified_name(node.func) or "").rsplit(".", 1)[-1] or (
            node.func.attr.value if isinstance(node.func, cst.Attribute) else "")
        return name in _REMOVERS and _mentions(node, read)

    def _expects_missing(self, read: cst.CSTNode) -> bool:
        """Whether ``read`` sits where the code expects the file to be missing: in ``with
        pytest.raises(FileNotFoundError)`` (or ``assertRaises``), or in a ``try`` that catches it."""
        child, current = read, self.parent_of(read)
        while current is not None and not isinstance(current, cst.FunctionDef):
            if isinstance(current, cst.With) and child is current.body:
                for item in current.items:
                    call = item.item
                    if isinstance(call, cst.Call) and (self.qualified_name(call.func) or "").endswith(
                            ("raises", "assertRaises")) and any(_names_missing(a.value) for a in call.args):
                        return True
            if isinstance(current, cst.Try) and child is current.body:
                if any(h.type is not None and _names_missing(h.type) for h in current.handlers):
                    return True
            child, current = current, self.parent_of(current)
        return False

    def _is_path_wrapper(self, call: cst.Call) -> bool:
        return (self.qualified_name(call.func) or "") in _PATH_WRAPPERS

    def _followed_by_separator(self, part: cst.FormattedStringExpression) -> bool:
        string = self.parent_of(part)
        if not isinstance(string, cst.FormattedString):
            return False
        parts = list(string.parts)
        index = next((i for i, p in enumerate(parts) if p is part), len(parts))
        following = parts[index + 1] if index + 1 < len(parts) else None
        return isinstance(following, cst.FormattedStringText) and following.value.startswith(("/", "\\"))

    def _free_name(self, node: cst.CSTNode, candidates: tuple[str, ...]) -> str | None:
        scope = self.scope_of(node.body[0])
        for name in candidates:
            if scope is None or name not in scope:
                return name
        return None


MktempToMkstemp = TransformerOperator(
    OperatorMeta(
        name="mktemp-to-mkstemp",
        cwes=(377,),
        rule_ids=("B306",),
        directive="Create temporary files atomically with tempfile.mkstemp (or NamedTemporaryFile) "
        "instead of tempfile.mktemp, which only picks a name another process can claim first.",
        summary="tempfile.mktemp() -> tempfile.mkstemp() with the descriptor closed",
        references=(
            "https://cwe.mitre.org/data/definitions/377.html",
            "https://docs.python.org/3/library/tempfile.html#tempfile.mkstemp",
        ),
        review_guidance=ReviewGuidance.MERGE_AFTER_REVIEW,
    ),
    _MktempToMkstemp,
)
