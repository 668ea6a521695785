"""The child side of a behaviour check: run two versions of a module on the same calls and record
what each call did. Standard library only; the parent runs this file as a script in a sandboxed
subprocess (``sandbox.py``) and also imports its pure helpers (``normalize_command``).

Observed through stand-ins at the boundary, never the real thing:

- ``subprocess.Popen`` (so ``run``/``call``/``check_output``/``getoutput``), ``os.system``,
  ``os.popen``, ``os.exec*``/``os.spawn*``: the command is recorded and not executed; the fake
  output depends only on the normalised argv, so ``"ls -l x"`` with a shell and
  ``["ls", "-l", "x"]`` without one look the same to the caller.
- ``sqlite3.connect`` (and ``MySQLdb``, ``pymysql``, ``mysql.connector``, ``psycopg2``, whose
  ``%s`` placeholders are translated): a fresh seeded database file per call, with the rows each
  cursor hands out counted.
- files: a fresh temporary tree per call; every path the call opens, lists, removes or renames is
  recorded (audit hook), and the tree is hashed afterwards.

Network and real process creation are refused by an audit hook (the parent adds ``unshare -n``
when it can).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import types

SHELLS = ("sh", "bash", "dash", "zsh", "ksh", "/bin/sh", "/bin/bash", "/usr/bin/sh", "/usr/bin/bash")
_METACHARS = re.compile(r"[;&|<>()`$*?\[\]{}~!#\n]")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
MODULE_NAME = "promsec_target"


# --- pure helpers, shared with the parent -------------------------------------------------------

def normalize_command(shell: bool, command) -> list:
    """``["argv", [...]]`` for anything a shell would split the same way, else ``["shell", text]``.

    A shell string without metacharacters becomes its ``shlex.split`` argv, so it compares equal
    to the argument list a fix passes without a shell; ``sh -c TEXT`` counts as a shell string.
    """
    if not shell:
        if isinstance(command, (str, bytes, os.PathLike)):
            return ["argv", [os.fsdecode(command)]]
        argv = [os.fsdecode(a) if isinstance(a, (bytes, os.PathLike)) else str(a) for a in command]
        if len(argv) >= 3 and argv[0] in SHELLS and argv[1] == "-c":
            return normalize_command(True, _with_parameters(argv[2], argv[4:]))
        return ["argv", argv]
    text = os.fsdecode(command) if isinstance(command, (bytes, os.PathLike)) else command
    if not isinstance(text, str):
        text = " ".join(str(a) for a in text)
    try:
        if _METACHARS.search(_unquoted(text)) is None:
            return ["argv", shlex.split(text)]
    except ValueError:
        pass
    return ["shell", text]


_PARAMETER = re.compile(r"\$\{(\d+)\}|\$(\d)")


def _with_parameters(script: str, parameters: list[str]) -> str:
    """``sh -c SCRIPT sh ARGS...`` as one shell string: each live ``$n`` (not in single quotes,
    not escaped) replaced by its argument, escaped for the double quotes the rewrites put around
    it (``ls "$1"`` -> ``ls "a b"``; ``awk '{print $1}'`` stays)."""
    out: list[str] = []
    quote = None
    index = 0
    while index < len(script):
        char = script[index]
        match = _PARAMETER.match(script, index) if quote != "'" else None
        if match is not None:
            number = int(match.group(1) or match.group(2)) - 1
            value = parameters[number] if 0 <= number < len(parameters) else ""
            out.append(re.sub(r'([\\"$`])', r"\\\1", value))
            index = match.end()
            continue
        if char == "\\" and quote != "'":
            out.append(script[index:index + 2])
            index += 2
            continue
        if char in "'\"" and quote in (None, char):
            quote = None if quote == char else char
        out.append(char)
        index += 1
    return "".join(out)


def comparable(norm: list) -> list:
    """A command as two runs are compared: shell text as its words and operators, so quoting
    that means the same (``ls a`` and ``ls "a"``) compares equal."""
    if norm[0] != "shell":
        return norm
    lexer = shlex.shlex(norm[1], posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return ["shell", list(lexer)]
    except ValueError:
        return norm


def _unquoted(text: str) -> str:
    """The characters of a shell string outside single and double quotes (``$`` and backticks
    stay live inside double quotes, so they are kept)."""
    out = []
    quote = None
    escaped = False
    for char in text:
        if escaped:
            escaped = False
            continue
        if quote == "'":
            if char == "'":
                quote = None
            continue
        if char == "\\":
            escaped = True
            continue
        if quote == '"':
            if char == '"':
                quote = None
            elif char in "$`" or (char == "(" and out and out[-1] == "$"):
                out.append(char)
            continue
        if char in "'\"":
            quote = char
            continue
        out.append(char)
    return "".join(out)


def shell_injected(text: str, marker: str) -> bool:
    """True when ``marker`` reaches a shell as a command of its own: it stands outside quotes
    after a live command separator, or the string has a live substitution and contains it."""
    if marker not in text:
        return False
    live = _unquoted(text)
    if any(sep in live for sep in ("$(", "`")):
        return True
    return marker in live and any(sep in live for sep in (";", "&", "|", "\n"))


def canon(value, depth: int = 0):
    """A JSON-able, address-free picture of a value, for comparing two runs."""
    if depth > 6:
        return "<deep>"
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, (list, tuple)):
        items = [canon(v, depth + 1) for v in list(value)[:200]]
        return items if isinstance(value, list) else {"$tuple": items}
    if isinstance(value, sqlite3.Row):
        return {"$tuple": [canon(v, depth + 1) for v in tuple(value)]}
    if isinstance(value, dict):
        pairs = [[canon(k, depth + 1), canon(v, depth + 1)] for k, v in list(value.items())[:200]]
        return {"$dict": sorted(pairs, key=lambda kv: json.dumps(kv[0], sort_keys=True))}
    if isinstance(value, (set, frozenset)):
        return {"$set": sorted(json.dumps(canon(v, depth + 1), sort_keys=True) for v in value)}
    if isinstance(value, subprocess.CompletedProcess):
        # args only echo the call; what the caller can observe is the status and the output
        return {"$completed": [value.returncode, canon(value.stdout, depth + 1), canon(value.stderr, depth + 1)]}
    if isinstance(value, BaseException):
        return {"$exception": type(value).__name__}
    if hasattr(value, "status_code") and hasattr(value, "get_data"):  # a Flask/Werkzeug response
        return {"$response": [value.status_code, value.get_data(as_text=True)[:2000], value.headers.get("Location")]}
    if isinstance(value, (types.FunctionType, types.MethodType, type)):
        return {"$callable": getattr(value, "__qualname__", repr(value))}
    if isinstance(value, io.IOBase):
        return {"$file": type(value).__name__}
    attrs = getattr(value, "__dict__", None)
    if isinstance(attrs, dict):
        return {"$object": type(value).__qualname__, "attrs": canon(attrs, depth + 1)}
    return {"$repr": _ADDRESS.sub("", repr(value))[:500]}


# --- the stand-ins ------------------------------------------------------------------------------

class Recorder:
    """What one call did, filled by the stand-ins and the audit hook."""

    def __init__(self) -> None:
        self.active = False
        self.commands: list[dict] = []
        self.paths: list[list] = []
        self.rows = 0
        self.blocked: list[str] = []

    def command(self, api: str, shell: bool, command) -> list:
        norm = normalize_command(shell, command)
        self.commands.append({"api": api, "norm": norm})
        return norm


RECORDER = Recorder()


def _fake_output(norm: list) -> str:
    return "ran " + json.dumps(comparable(norm)) + "\n"


class FakePopen:
    """Stands in for ``subprocess.Popen``: records the command, runs nothing."""

    def __init__(self, args, bufsize=-1, executable=None, stdin=None, stdout=None, stderr=None,
                 preexec_fn=None, close_fds=True, shell=False, cwd=None, env=None,
                 universal_newlines=None, startupinfo=None, creationflags=0, restore_signals=True,
                 start_new_session=False, pass_fds=(), *, text=None, encoding=None, errors=None, **_):
        self.args = args
        self.pid = 4242
        self.returncode = None
        norm = RECORDER.command("subprocess.Popen", bool(shell), args)
        self._text = bool(text or universal_newlines or encoding or errors)
        out = _fake_output(norm)
        self._out = out if self._text else out.encode()
        self._err = "" if self._text else b""
        self.stdout = (io.StringIO(out) if self._text else io.BytesIO(self._out)) if stdout == subprocess.PIPE else None
        self.stderr = (io.StringIO() if self._text else io.BytesIO()) if stderr == subprocess.PIPE else None
        self.stdin = (io.StringIO() if self._text else io.BytesIO()) if stdin == subprocess.PIPE else None
        self._pipe_out = stdout == subprocess.PIPE
        self._pipe_err = stderr == subprocess.PIPE

    def communicate(self, input=None, timeout=None):
        self.returncode = 0
        return (self._out if self._pipe_out else None, self._err if self._pipe_err else None)

    def wait(self, timeout=None):
        self.returncode = 0
        return 0

    def poll(self):
        self.returncode = 0
        return 0

    def kill(self):
        pass

    terminate = kill

    def send_signal(self, sig):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.returncode = 0
        return False


class _FakePipe(io.StringIO):
    def close(self):
        super().close()
        return None


def _fake_system(command):
    RECORDER.command("os.system", True, command)
    return 0


def _fake_popen(cmd, mode="r", buffering=-1):
    norm = RECORDER.command("os.popen", True, cmd)
    return _FakePipe(_fake_output(norm) if "r" in mode else "")


class ProcessReplaced(SystemExit):
    """Raised by the ``os.exec*`` stand-ins: the real call would never return."""


def _fake_exec(name):
    def fake(path, *args):
        argv = list(args[0]) if args and isinstance(args[0], (list, tuple)) else list(args)
        if name.endswith("e") and argv and isinstance(argv[-1], dict):
            argv = argv[:-1]
        RECORDER.command("os." + name, False, argv or [path])
        raise ProcessReplaced(0)
    return fake


def _fake_spawn(name):
    def fake(mode, path, *args):
        argv = list(args[0]) if args and isinstance(args[0], (list, tuple)) else list(args)
        RECORDER.command("os." + name, False, argv or [path])
        return 0
    return fake


class CountingCursor(sqlite3.Cursor):
    def fetchone(self):
        row = super().fetchone()
        if row is not None:
            RECORDER.rows += 1
        return row

    def fetchmany(self, size=None):
        rows = super().fetchmany(self.arraysize if size is None else size)
        RECORDER.rows += len(rows)
        return rows

    def fetchall(self):
        rows = super().fetchall()
        RECORDER.rows += len(rows)
        return rows

    def __next__(self):
        row = super().__next__()
        RECORDER.rows += 1
        return row


class CountingConnection(sqlite3.Connection):
    # Connection.execute* make their cursor in C without calling cursor(): route them here
    def cursor(self, factory=CountingCursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=()):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters):
        return self.cursor().executemany(sql, parameters)

    def executescript(self, script):
        return self.cursor().executescript(script)


_REAL_CONNECT = sqlite3.connect


class Database:
    """The seeded database every ``sqlite3.connect`` reaches during one call."""

    def __init__(self, path: str, schema: dict, rows: dict) -> None:
        self.path = path
        self.template = path + ".seed"
        self.opened: list[sqlite3.Connection] = []
        with contextlib.closing(_REAL_CONNECT(self.template)) as conn:
            for table, columns in schema.items():
                cols = ", ".join(['"id" INTEGER PRIMARY KEY'] + [f'"{c}"' for c in columns if c != "id"])
                conn.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({cols})')
                for row in rows.get(table, []):
                    names = ", ".join(f'"{k}"' for k in row)
                    marks = ", ".join("?" for _ in row)
                    conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(row.values()))
            conn.commit()

    def reset(self) -> None:
        shutil.copyfile(self.template, self.path)

    def connect(self, database=None, *args, **kwargs):
        keep = {k: v for k, v in kwargs.items() if k in ("detect_types", "isolation_level")}
        conn = _REAL_CONNECT(self.path, factory=CountingConnection, check_same_thread=False, **keep)
        self.opened.append(conn)
        return conn

    def close_all(self) -> None:
        """Close what the call left open (rolling back what it did not commit): a connection
        still holding a write lock would make the next call wait and time out."""
        for conn in self.opened:
            try:
                conn.close()
            except sqlite3.Error:
                pass
        self.opened = []

    def dump(self) -> dict:
        tables = {}
        with contextlib.closing(_REAL_CONNECT(self.path)) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            for name in names:
                rows = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
                tables[name] = [canon(list(r)) for r in rows]
        return tables


_NAMED = re.compile(r"%\((\w+)\)s")


class ForeignCursor:
    """A MySQLdb/psycopg2-style cursor (``%s`` placeholders) over the seeded SQLite database."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor
        self.arraysize = 1

    def execute(self, query, args=None):
        if isinstance(query, bytes):
            query = query.decode()
        if args is not None and not isinstance(args, (tuple, list, dict)):
            args = (args,)  # MySQLdb formats a lone value as the one parameter
        if isinstance(args, (tuple, list)):
            args = [_driver_value(a) for a in args]
        if args is not None:
            query = _NAMED.sub(r":\1", query).replace("%s", "?").replace("%%", "%")
            self._cursor.execute(query, args)
        else:
            self._cursor.execute(query)
        return self._cursor.rowcount

    def executemany(self, query, rows):
        query = _NAMED.sub(r":\1", query).replace("%s", "?").replace("%%", "%")
        self._cursor.executemany(query, rows)
        return self._cursor.rowcount

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return tuple(self._cursor.fetchall())

    def fetchmany(self, size=None):
        return self._cursor.fetchmany(size or self.arraysize)

    def close(self):
        self._cursor.close()

    def __iter__(self):
        return iter(self._cursor)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __getattr__(self, name):  # rowcount, lastrowid, description
        return getattr(self._cursor, name)


def _driver_value(value):
    """MySQLdb escapes a sequence as a parenthesised list: ``('basic',)`` compares as ``'basic'``."""
    if isinstance(value, (tuple, list)):
        return value[0] if len(value) == 1 else repr(tuple(value))
    return value


class ForeignConnection:
    """A MySQLdb/psycopg2/mysql.connector-style connection over the seeded SQLite database."""

    def __init__(self, database: Database) -> None:
        self._conn = database.connect()

    def cursor(self, *args, **kwargs):
        return ForeignCursor(self._conn.cursor())

    def commit(self):
        self._conn.commit()

    def rollback(self):
        self._conn.rollback()

    def close(self):
        self._conn.close()

    def autocommit(self, *args):
        return None

    def is_connected(self):
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._conn.commit() if not exc or exc[0] is None else self._conn.rollback()
        return False


def _driver_modules(database: Database) -> dict[str, types.ModuleType]:
    """Stand-ins for the database drivers of the shared datasets, all reaching the seeded
    SQLite database: a unit never connects to a real server from the sandbox."""
    def connect(*args, **kwargs):
        return ForeignConnection(database)

    modules = {}
    for name in ("MySQLdb", "pymysql", "psycopg2", "mysql", "mysql.connector", "MySQLdb.cursors",
                 "psycopg2.extras", "pymysql.cursors"):
        module = types.ModuleType(name)
        module.connect = module.Connect = module.Connection = connect
        module.Error = module.DatabaseError = module.OperationalError = sqlite3.Error
        module.IntegrityError = sqlite3.IntegrityError
        module.paramstyle = "format"
        modules[name] = module
    modules["mysql"].connector = modules["mysql.connector"]
    modules["MySQLdb"].cursors = modules["MySQLdb.cursors"]
    modules["psycopg2"].extras = modules["psycopg2.extras"]
    modules["pymysql"].cursors = modules["pymysql.cursors"]
    for name in ("MySQLdb.cursors", "pymysql.cursors", "psycopg2.extras"):
        modules[name].DictCursor = modules[name].Cursor = modules[name].RealDictCursor = ForeignCursor
    return modules


def install_standins(database: Database) -> None:
    sys.modules.update(_driver_modules(database))
    subprocess.Popen = FakePopen
    os.system = _fake_system
    os.popen = _fake_popen
    for name in ("execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe"):
        if hasattr(os, name):
            setattr(os, name, _fake_exec(name))
    for name in ("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe"):
        if hasattr(os, name):
            setattr(os, name, _fake_spawn(name))
    sqlite3.connect = database.connect


# --- the audit hook -----------------------------------------------------------------------------

_PATH_EVENTS = {
    "open": (0,), "os.listdir": (0,), "os.scandir": (0,), "os.remove": (0,), "os.rmdir": (0,),
    "os.mkdir": (0,), "os.rename": (0, 1), "os.replace": (0, 1), "os.chmod": (0,), "os.symlink": (0, 1),
    "os.link": (0, 1), "os.truncate": (0,), "shutil.copyfile": (0, 1), "shutil.rmtree": (0,),
    "shutil.move": (0, 1), "os.chdir": (0,),
}
_BLOCKED = ("socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
            "socket.gethostbyaddr", "socket.sendto", "subprocess.Popen", "os.system", "os.exec",
            "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "ctypes.dlopen")
_ignore_prefixes: tuple[str, ...] = ()
_in_hook = False


def _audit(event: str, args: tuple) -> None:
    global _in_hook
    if not RECORDER.active or _in_hook:
        return
    if event in _BLOCKED:
        RECORDER.blocked.append(event)
        raise PermissionError(f"blocked in the behaviour-check sandbox: {event}")
    positions = _PATH_EVENTS.get(event)
    if positions is None:
        return
    _in_hook = True
    try:
        for i in positions:
            if i < len(args) and isinstance(args[i], (str, bytes, os.PathLike)):
                path = os.path.normpath(os.path.join(os.getcwd(), os.fsdecode(args[i])))
                if not path.startswith(_ignore_prefixes):
                    write = event != "open" or _is_write(args)
                    RECORDER.paths.append([event, path, write])
    finally:
        _in_hook = False


def _is_write(args: tuple) -> bool:
    mode = args[1] if len(args) > 1 else "r"
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))


# --- running calls ------------------------------------------------------------------------------

class CallTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise CallTimeout("call took too long")


def decode(value, database: Database):
    if isinstance(value, list):
        return [decode(v, database) for v in value]
    if isinstance(value, dict):
        if "$standin" in value:
            conn = database.connect()
            return conn.cursor() if value["$standin"] == "cursor" else conn
        if "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
        if "$tuple" in value:
            return tuple(decode(v, database) for v in value["$tuple"])
        return {k: decode(v, database) for k, v in value.items()}
    return value


def build_tree(base: str, tree: dict) -> None:
    if os.path.isdir(base):
        shutil.rmtree(base)
    for rel, content in tree.items():
        target = os.path.join(base, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        data = bytes.fromhex(content["$bytes"]) if isinstance(content, dict) else content.encode()
        with open(target, "wb") as handle:
            handle.write(data)


def snapshot(base: str, skip: str) -> dict:
    result = {}
    for folder, dirs, files in os.walk(base):
        dirs.sort()
        for name in dirs:
            result[os.path.relpath(os.path.join(folder, name), base) + "/"] = "dir"
        for name in sorted(files):
            full = os.path.join(folder, name)
            if full.startswith(skip):
                continue
            with open(full, "rb") as handle:
                result[os.path.relpath(full, base)] = hashlib.sha1(handle.read()).hexdigest()[:16]
    return result


def resolve(module: types.ModuleType, target: str):
    parts = target.split(".")
    obj = module
    for i, part in enumerate(parts):
        owner = obj
        obj = getattr(obj, part)
        if isinstance(owner, type) and i == len(parts) - 1 and not isinstance(owner.__dict__.get(part),
                                                                             (staticmethod, classmethod)):
            obj = getattr(owner(), part)  # a method: bind it to a fresh instance
    return obj


def _request_context(module: types.ModuleType, request: dict | None):
    """A Flask test request carrying the generated query and form fields, for views that read
    ``flask.request``; nothing when the call has no request fields or the module no Flask app."""
    if not request:
        return contextlib.nullcontext()
    flask = sys.modules.get("flask")
    app = next((v for v in vars(module).values() if flask is not None and isinstance(v, flask.Flask)), None)
    if app is None:
        return contextlib.nullcontext()
    form = request.get("form") or None
    return app.test_request_context("/", method="POST" if form else "GET", query_string=request.get("args") or None,
                                    data=form)


def run_call(source: str, filename: str, call: dict, env: dict, database: Database) -> dict:
    """Load the module fresh and make one call; return what happened."""
    if not env.get("tree_clean"):
        build_tree(env["base"], env["tree"])
    if not env.get("db_clean"):
        database.reset()
    os.chdir(env["work"])
    RECORDER.__init__()
    stdout = io.StringIO()
    result: dict = {"phase": "load"}
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = os.path.join(env["work"], filename)
    sys.modules[MODULE_NAME] = module
    signal.setitimer(signal.ITIMER_REAL, env["call_seconds"])
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
            RECORDER.active = True
            try:
                exec(compile(source, filename, "exec"), module.__dict__)
                if call.get("target"):
                    result["phase"] = "resolve"
                    func = resolve(module, call["target"])
                    args = decode(call.get("args", []), database)
                    kwargs = decode(call.get("kwargs", {}), database)
                    result["phase"] = "call"
                    with _request_context(module, call.get("request")):
                        result["ret"] = canon(func(*args, **kwargs))
                result["phase"] = "done"
            finally:
                RECORDER.active = False
    except CallTimeout:
        result["exc"] = "Timeout"
    except BaseException as exc:  # noqa: BLE001 - the unit's own failure is an observation
        result["exc"] = type(exc).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.chdir(env["base"])
    database.close_all()
    result["stdout"] = stdout.getvalue()[:4000]
    result["commands"] = RECORDER.commands
    result["paths"] = RECORDER.paths
    result["rows"] = RECORDER.rows
    result["blocked"] = RECORDER.blocked
    try:
        result["db"] = database.dump()
    except sqlite3.Error as exc:
        result["db"] = {"$error": type(exc).__name__}
    result["tree"] = snapshot(env["base"], skip=env["db"])
    # rebuilding the tree dominates a call's cost: skip it while nothing changed
    env["db_clean"] = result["db"] == env.get("seed")
    env["tree_clean"] = result["tree"] == env.get("pristine")
    return result


def main(job_path: str) -> None:
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    global _ignore_prefixes
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, "/dev", "/proc", "/sys", "/usr", "/lib",
                "/etc/localtime", "/etc/ld.so"}
    prefixes.update(p for p in sys.path if p and os.path.isabs(p) and p != "/")
    _ignore_prefixes = tuple(sorted(prefixes))
    root = job["root"]
    env = {
        "base": os.path.join(root, "tree"),
        "work": os.path.join(root, "tree", job["work"]),
        "tree": job["tree"],
        "db": os.path.join(root, "db.sqlite"),
        "call_seconds": job.get("call_seconds", 2.0),
    }
    sys.path[:0] = job.get("sys_path", [])  # the unit's sibling modules (the repository is the user's)
    database = Database(env["db"], job["schema"], job["rows"])
    build_tree(env["base"], env["tree"])
    database.reset()
    env["pristine"] = snapshot(env["base"], skip=env["db"])
    env["seed"] = database.dump()
    env["tree_clean"] = env["db_clean"] = True
    install_standins(database)
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.addaudithook(_audit)
    sys.dont_write_bytecode = True
    results: dict = {}
    for version, source in job["versions"].items():
        results[version] = []
        for call in job["calls"]:
            if any(r.get("exc") == "Timeout" for r in results[version]):
                # one runaway call is enough to judge this version; do not pay for the rest
                results[version].append({"phase": "skipped", "exc": "Timeout"})
                continue
            results[version].append(run_call(source, job["filename"], call, env, database))
    with open(job["result"], "w", encoding="utf-8") as handle:
        json.dump({"results": results, "seed": env["seed"], "work": env["work"]}, handle)


if __name__ == "__main__":
    main(sys.argv[1])
