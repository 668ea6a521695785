import textwrap

from promsec_ci.units import MODULE, UnitIndex

SOURCE = textwrap.dedent("""\
    import os

    TOKEN = "abc"


    class Store:
        LIMIT = 3

        @staticmethod
        def load(path):
            def inner():
                return os.system(path)
            return inner()


    async def fetch(url):
        return url

    if __name__ == "__main__":
        os.system("ls")
""")


def test_innermost_function_wins_and_names_are_qualified():
    index = UnitIndex(SOURCE, "m.py")
    assert index.locate(12).name == "Store.load.inner"
    method = index.locate(13)
    assert (method.name, method.kind, method.start_line, method.end_line) == ("Store.load", "method", 9, 13)
    assert method.source.startswith("    @staticmethod\n")
    assert index.locate(17).name == "fetch"


def test_module_level_code_is_its_own_statement_unit():
    index = UnitIndex(SOURCE, "m.py")
    token = index.locate(3)
    assert (token.name, token.start_line, token.end_line) == (MODULE, 3, 3)
    assert index.locate(7).source.strip() == "LIMIT = 3"
    main_block = index.locate(20)
    assert (main_block.start_line, main_block.end_line) == (19, 20)


def test_unparsable_source_falls_back_to_the_lines_themselves():
    unit = UnitIndex("def broken(:\n", "b.py").locate(1)
    assert (unit.name, unit.start_line, unit.end_line) == (MODULE, 1, 1)
