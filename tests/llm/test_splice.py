from __future__ import annotations

import textwrap

from promsec_ci.llm.splice import splice
from promsec_ci.units import UnitIndex

TEXT = textwrap.dedent('''\
    """Module."""
    import os


    class Repo:
        @login_required
        def listing(self, name):
            os.system("ls " + name)
            return 1


    AFTER = 1
''')


def unit():
    return UnitIndex(TEXT, "repo.py").locate(8)


def test_method_is_replaced_in_place_with_original_decorators_and_new_imports():
    code = ("import subprocess\nimport os\n\n@cache\n"
            "def listing(self, name):\n    subprocess.run(['ls', name])\n    return 1\n")
    result = splice(TEXT, unit(), code, "listing")
    assert result.imports == ("import subprocess",)
    assert result.text == textwrap.dedent('''\
        """Module."""
        import os
        import subprocess


        class Repo:
            @login_required
            def listing(self, name):
                subprocess.run(['ls', name])
                return 1


        AFTER = 1
    ''')
    assert result.function.startswith("def listing(self, name):")


def test_missing_function_or_broken_code():
    assert splice(TEXT, unit(), "def other():\n    pass\n", "listing") is None
    assert splice(TEXT, unit(), "def listing(:\n", "listing") is None


JAVA = textwrap.dedent("""\
    package demo;

    import java.sql.Connection;

    public class Users {
        /** Kept: the Javadoc is outside the unit. */
        @Deprecated
        public int count(Connection conn, String name) throws Exception {
            return conn.createStatement().executeQuery("SELECT " + name).getRow();
        }

        public int other() { return 1; }
    }
""")


def java_unit(text=JAVA):
    from promsec_ci.java.units import JavaUnitIndex

    return JavaUnitIndex(text, "Users.java").locate(9)


def test_java_method_is_replaced_in_place_with_its_imports_added_once():
    from promsec_ci.llm.splice import splice_java

    code = textwrap.dedent("""\
        import java.sql.Connection;
        import java.sql.PreparedStatement;

        public class Users {
          @Deprecated
          public int count(Connection conn, String name) throws Exception {
            PreparedStatement ps = conn.prepareStatement("SELECT ?");
            ps.setString(1, name);
            return ps.executeQuery().getRow();
          }
        }
    """)
    spliced = splice_java(JAVA, java_unit(), code, "count")

    assert spliced is not None
    assert spliced.imports == ("import java.sql.PreparedStatement;",)
    assert spliced.text == JAVA.replace(
        "import java.sql.Connection;\n", "import java.sql.Connection;\nimport java.sql.PreparedStatement;\n"
    ).replace('        return conn.createStatement().executeQuery("SELECT " + name).getRow();\n',
              '      PreparedStatement ps = conn.prepareStatement("SELECT ?");\n'
              "      ps.setString(1, name);\n"
              "      return ps.executeQuery().getRow();\n")  # the answer's own 2-space body, under the class's 4
    assert spliced.function.startswith("@Deprecated\npublic int count(")


def test_java_splice_refuses_a_missing_method_or_a_shared_line():
    from promsec_ci.llm.splice import splice_java

    code = "public int count(Connection conn, String name) { return 0; }\n"
    assert splice_java(JAVA, java_unit(), code.replace("count", "total"), "count") is None
    shared = JAVA.replace("    /** Kept: the Javadoc is outside the unit. */\n    @Deprecated\n    public int count",
                          "    int x; @Deprecated public int count")
    assert splice_java(shared, java_unit(shared), code, "count") is None
