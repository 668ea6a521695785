"""Java support: compiling changed sources for SpotBugs/FindBugs (``build``), units (``units``),
code graphs in the Python feature layout (``graphs``), rewrite operators (``rewrite``) and the
verified fixer (``fixer``). Analyzers live in ``promsec_ci/analyzers/`` (``spotbugs``,
``semgrep_java``). See docs/java.md.
"""
