"""Java graphs: structure of CFG/AST/DFG, and features shared with Python graphs where the meaning is shared."""

from __future__ import annotations

import textwrap

from promsec_ci.graphs import FEATURE_DIM, build_graph, build_raw, graph_similarity
from promsec_ci.graphs.base import DEF_USE, EXCEPT, FALSE, LOOP_BACK, RETURN, TRUE
from promsec_ci.graphs.features import (
    API_BUCKETS,
    CWE_BUCKETS,
    RULE_BUCKETS,
    STRING_FLAGS,
    TAINT_FLAGS,
    offset,
    stable_bucket,
)
from promsec_ci.java.units import JavaUnitIndex
from promsec_ci.records import Finding, Level
from promsec_ci.units import UnitIndex

JAVA = textwrap.dedent("""\
    import java.sql.Statement;

    class Repo {
        int load(Statement st, String name, int n) throws Exception {
            int total = 0;
            for (int i = 0; i < n; i++) {
                if (i > 3) {
                    break;
                }
                total += i;
            }
            try {
                st.executeQuery("SELECT * FROM t WHERE name = '" + name + "'");
            } catch (Exception e) {
                return -1;
            }
            Runtime.getRuntime().exec("ls " + name);
            return total;
        }
    }
""")
PYTHON = textwrap.dedent("""\
    import os

    def load(cursor, name):
        cursor.execute("SELECT * FROM t WHERE name = '" + name + "'")
        os.system("ls " + name)
""")


def _java_unit():
    return JavaUnitIndex(JAVA, "Repo.java").find("Repo.load")


def _row(raw, line):
    return raw.x[raw.lines.index(line)]


def test_cfg_has_one_node_per_statement_and_java_control_flow_edges():
    raw = build_raw(_java_unit(), "cfg", module_text=JAVA)

    assert raw.lines == [4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 17, 18, 18]  # ... the last is Exit
    types = {t for _, _, t in raw.edges}
    assert {TRUE, FALSE, LOOP_BACK, EXCEPT, RETURN} <= types
    assert raw.spans[0] == (4, 4)  # the method node is its header
    assert all(len(row) == FEATURE_DIM for row in raw.x)


def test_ast_and_dfg_are_buildable_with_def_use_edges():
    unit = _java_unit()
    ast_graph = build_graph(unit, "ast", module_text=JAVA)
    dfg = build_raw(unit, "dfg", module_text=JAVA)

    assert ast_graph.data.x.shape[0] > 30 and ast_graph.kind == "ast"
    total_def, total_use = dfg.lines.index(5), dfg.lines.index(18)
    assert (total_def, total_use, DEF_USE) in dfg.edges


def test_java_and_python_sinks_share_api_tokens_and_string_flags():
    java = build_raw(_java_unit(), "cfg", module_text=JAVA)
    python_unit = UnitIndex(PYTHON, "repo.py").locate(4)
    python = build_raw(python_unit, "cfg", module_text=PYTHON)
    api, string, taint = offset("api"), offset("string"), offset("taint")
    into_sink = string + STRING_FLAGS.index("into-sink")

    for java_line, python_line, token in ((13, 4, ".execute"), (17, 5, "os.system")):
        java_row, python_row = _row(java, java_line), _row(python, python_line)
        bucket = api + stable_bucket(token, API_BUCKETS)
        assert java_row[bucket] == python_row[bucket] == 1.0
        assert java_row[into_sink] == python_row[into_sink] == 1.0
        assert java_row[taint + TAINT_FLAGS.index("parameter")] == 1.0  # name is a parameter
    assert _row(java, 5)[into_sink] == 0.0


def test_findings_mark_their_node_and_similarity_tracks_the_edit():
    unit = _java_unit()
    finding = Finding("semgrep", "java-sql-concat", "java_sql_concat", 89, Level.HIGH, Level.MEDIUM,
                      "Repo.java", 13, 13, "sql")
    raw = build_raw(unit, "cfg", [finding], module_text=JAVA)
    any_finding = offset("finding") + RULE_BUCKETS + CWE_BUCKETS
    marked = [line for line, row in zip(raw.lines, raw.x, strict=True) if row[any_finding] == 1.0]
    assert marked == [13]

    fixed_text = JAVA.replace('exec("ls " + name)', 'exec(new String[] {"ls", name})')
    fixed = JavaUnitIndex(fixed_text, "Repo.java").find("Repo.load")
    unrelated = JavaUnitIndex("class A {\n  void f() { }\n}\n", "A.java").find("A.f")
    assert graph_similarity(unit, unit) > 0.999
    assert graph_similarity(unit, fixed) > graph_similarity(unit, unrelated)
