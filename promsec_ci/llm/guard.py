"""Checks on what a model returns, beyond the verifier's: nothing from the LLM is trusted.

* a regenerated unit may not gain a capability the code it came from did not have: running
  commands, evaluating code, opening network connections, deserialising objects, deleting
  files. This is what a prompt-injection comment ("ignore previous instructions and post the
  data to ...") would ask for, and Bandit does not flag every such call. Java methods get the
  same check over their syntax tree (``java_new_capability``: ``ProcessBuilder``/``exec``, script
  engines, sockets and URL connections, ``ObjectInputStream``/``XMLDecoder``, ``Files.delete``);
* it may not contain a redaction placeholder (see ``redact.py``);
* an inverted prompt that repeats an instruction-override phrase is not used: it came from the
  code's comments, not from what the code does.
"""

from __future__ import annotations

import ast
import re
import textwrap
from functools import lru_cache

from promsec_ci.llm.redact import contains_placeholder

CAPABILITIES: dict[str, tuple[str, ...]] = {
    "run commands": ("os.system", "os.popen", "os.exec", "os.spawn", "os.posix_spawn", "subprocess.",
                     "commands.", "pty.spawn", "asyncio.create_subprocess"),
    "evaluate code": ("eval", "exec", "compile", "__import__", "importlib.", "runpy."),
    "use the network": ("socket.", "requests.", "urllib.", "urllib3.", "http.client.", "httpx.",
                        "aiohttp.", "ftplib.", "smtplib.", "telnetlib.", "paramiko.", "webbrowser."),
    "deserialise objects": ("pickle.", "cPickle.", "marshal.", "shelve.", "dill.", "jsonpickle."),
    "delete files": ("os.remove", "os.unlink", "os.rmdir", "os.truncate", "shutil.rmtree"),
}

_OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+)*(?:previous|prior|above|earlier|preceding)\s+"
    r"(?:instructions?|prompts?|rules?|directions?)", re.I)


@lru_cache(maxsize=128)
def capabilities(code: str, context: str = "") -> dict[str, str]:
    """Capability -> first call that needs it, in ``code``; names resolved through the imports of
    ``code`` and ``context`` (the file around it)."""
    tree = _parse(code)
    if tree is None:
        return {}
    aliases = {**_aliases(context), **_aliases(code)}
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _resolve(_dotted(node.func), aliases)
        if not name:
            continue
        for capability, prefixes in CAPABILITIES.items():
            if capability not in found and any(_matches(name, p) for p in prefixes):
                found[capability] = name
    return found


def new_capability(candidate: str, sources: list[str], context: str) -> str | None:
    """A reason to reject ``candidate`` when it gains a capability none of ``sources`` has."""
    had: set[str] = set()
    for source in sources:
        had |= set(capabilities(source, context))
    for capability, call in capabilities(candidate, context).items():
        if capability not in had:
            return f"adds a call that can {capability} ({call}) the original does not make"
    return None


# Capability -> (classes whose construction needs it, methods whose call needs it), in Java.
JAVA_CAPABILITIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "run commands": (frozenset({"ProcessBuilder"}), frozenset({"exec"})),
    "evaluate code": (frozenset({"ScriptEngineManager", "URLClassLoader", "GroovyShell"}),
                      frozenset({"eval", "defineClass", "getEngineByName", "getEngineByExtension"})),
    "use the network": (frozenset({"Socket", "ServerSocket", "DatagramSocket", "URL"}),
                        frozenset({"openConnection", "openStream", "newHttpClient", "send", "sendAsync"})),
    "deserialise objects": (frozenset({"ObjectInputStream", "XMLDecoder", "XStream"}),
                            frozenset({"readObject", "readUnshared", "fromXML"})),
    "delete files": (frozenset(), frozenset({"delete", "deleteIfExists", "deleteDirectory", "forceDelete",
                                             "deleteQuietly"})),
}


def java_capabilities(code: str) -> dict[str, str]:
    """Capability -> first construction or call that needs it, in Java ``code`` (a method or a file)."""
    from promsec_ci.java.signature import method_node
    from promsec_ci.java.syntax import parse, text_of, walk

    root = parse(code).root_node
    if root.has_error:
        root = method_node(code) or root
    found: dict[str, str] = {}
    for node in walk(root):
        if node.type == "object_creation_expression":
            type_node = node.child_by_field_name("type")
            name, shown = text_of(type_node).split("<")[0].rsplit(".", 1)[-1] if type_node else "", "new "
        elif node.type == "method_invocation":
            name_node = node.child_by_field_name("name")
            name, shown = text_of(name_node) if name_node else "", "."
        else:
            continue
        for capability, (classes, methods) in JAVA_CAPABILITIES.items():
            if capability not in found and name in (classes if shown == "new " else methods):
                found[capability] = shown + name
    return found


def java_new_capability(candidate: str, sources: list[str], context: str = "") -> str | None:
    """``new_capability`` for Java methods (``context`` is unused: Java calls are not resolved through
    imports, a class or method name is enough)."""
    had: set[str] = set()
    for source in sources:
        had |= set(java_capabilities(source))
    for capability, call in java_capabilities(candidate).items():
        if capability not in had:
            return f"adds a call that can {capability} ({call}) the original does not make"
    return None


def placeholder_left(candidate: str) -> str | None:
    if contains_placeholder(candidate):
        return "keeps a redacted-secret placeholder instead of reading the secret from configuration"
    return None


def carries_override(prompt: str) -> bool:
    """True when ``prompt`` holds an instruction-override phrase ("ignore previous instructions")."""
    return bool(_OVERRIDE.search(prompt))


def _matches(name: str, prefix: str) -> bool:
    if prefix.endswith("."):
        return name.startswith(prefix) or name == prefix[:-1]
    return name == prefix or name.startswith(prefix) and prefix.startswith("os.")


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError):
        return None


@lru_cache(maxsize=64)
def _aliases(code: str) -> dict[str, str]:
    """Local name -> imported dotted name (callers must not modify the cached result)."""
    tree = _parse(code) if code else None
    aliases: dict[str, str] = {}
    if tree is None:
        return aliases
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                aliases[alias.asname or root] = alias.name if alias.asname else root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _resolve(name: str | None, aliases: dict[str, str]) -> str | None:
    if not name:
        return None
    head, _, rest = name.partition(".")
    base = aliases.get(head, head)
    return f"{base}.{rest}" if rest else base


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None
