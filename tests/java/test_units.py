"""Java units: methods and constructors with their annotations, class-level statements."""

from __future__ import annotations

import textwrap

from promsec_ci.java.units import JavaUnitIndex

SOURCE = textwrap.dedent("""\
    package demo;

    public class Shop {
        private static final String KEY = "k";

        @Override
        @Deprecated
        public String toString() {
            return "shop";
        }

        public Shop() {
            Runnable task = new Runnable() {
                public void run() {
                    System.out.println(KEY);
                }
            };
        }

        static class Cart {
            int total(int a, int b) { return a + b; }
        }
    }
""")


def test_methods_are_units_with_their_annotations():
    index = JavaUnitIndex(SOURCE, "src/Shop.java")

    unit = index.locate(9)

    assert (unit.name, unit.kind, unit.start_line, unit.end_line) == ("Shop.toString", "method", 6, 10)
    assert unit.source.startswith("    @Override\n")
    assert unit.language == "java" and unit.path == "src/Shop.java"


def test_innermost_unit_wins_and_nested_types_qualify_names():
    index = JavaUnitIndex(SOURCE, "Shop.java")

    assert index.locate(15).name == "Shop.Shop.run"  # method of an anonymous class in the constructor
    assert index.locate(13).name == "Shop.Shop"
    assert index.locate(13).kind == "constructor"
    assert index.locate(21).name == "Shop.Cart.total"
    assert [u.name for u in index.function_units()] == ["Shop.toString", "Shop.Shop", "Shop.Shop.run",
                                                        "Shop.Cart.total"]


def test_lines_outside_methods_belong_to_their_class_level_statement():
    index = JavaUnitIndex(SOURCE, "Shop.java")

    field = index.locate(4)
    assert (field.name, field.kind, field.start_line, field.end_line) == ("<module>", "module", 4, 4)
    assert index.locate(1).name == "<module>"
    assert index.find("Shop.Cart.total").start_line == 21
    assert index.find("Shop.missing") is None


def test_broken_source_still_gives_units():
    index = JavaUnitIndex("class A {\n  void f() {\n    int x = ;\n  }\n}\n", "A.java")
    assert not index.parsed
    assert index.locate(3).name == "A.f"
