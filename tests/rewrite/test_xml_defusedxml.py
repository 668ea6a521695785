"""xml-defusedxml: stdlib XML parsers -> defusedxml drop-ins (calls and imports)."""

from textwrap import dedent

import pytest

from promsec_ci.rewrite.xml_defusedxml import XmlDefusedxml
from tests.rewrite.rewrite_check import check, rules

SOURCE = dedent(
    """\
    import xml.etree.ElementTree as ET
    from xml.dom import minidom


    def load(path, data):
        # untrusted upload
        tree = ET.parse(path)  # whole file
        doc = minidom.parseString(data)
        return tree, doc
    """
)


def test_parse_call_redirected():
    rewrite = XmlDefusedxml.apply(SOURCE, 7)
    assert rewrite is not None
    assert "    tree = defusedxml.ElementTree.parse(path)  # whole file\n" in rewrite.text
    assert rewrite.imports == ("import defusedxml.ElementTree",)
    assert rules(rewrite.text)["B314"] == 0
    assert not rules(rewrite.text) - rules(SOURCE)


def test_imports_swapped_when_every_use_is_covered():
    swapped = SOURCE.replace("import xml.etree.ElementTree as ET", "import defusedxml.ElementTree as ET")
    check(XmlDefusedxml, SOURCE, 1, swapped, "B405")
    swapped = SOURCE.replace("from xml.dom import minidom", "from defusedxml import minidom")
    check(XmlDefusedxml, SOURCE, 2, swapped, "B408")


def test_sax_and_pulldom_calls():
    rewrite = XmlDefusedxml.apply("import xml.sax\nxml.sax.parseString(data, handler)\n", 2)
    assert rewrite is not None and "defusedxml.sax.parseString(data, handler)" in rewrite.text
    rewrite = XmlDefusedxml.apply("from xml.dom.pulldom import parse\nevents = parse(f)\n", 2)
    assert rewrite is not None and "events = defusedxml.pulldom.parse(f)" in rewrite.text


def test_rewritten_parser_refuses_entity_expansion():
    import defusedxml

    rewrite = XmlDefusedxml.apply("import xml.etree.ElementTree as ET\nroot = ET.fromstring(data)\n", 2)
    assert rewrite is not None
    bomb = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><r>&b;</r>'
    with pytest.raises(defusedxml.EntitiesForbidden):
        exec(compile(rewrite.text, "rewritten.py", "exec"), {"data": bomb})  # nosec B102 - our own output


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("import xml.etree.ElementTree as ET\nroot = ET.Element('a')\nET.fromstring(s)\n", 1),
        ("import xml.etree.ElementTree as ET\nroot = ET.Element('a')\n", 2),
        ("from xml.dom import minidom\ndoc = minidom.Document()\n", 1),
        ("import json\njson.loads(s)\n", 2),
        # A compat module re-exports the parser: its importers may use what defusedxml lacks.
        ("import xml.etree.ElementTree as ETree\nXMLParseError = ETree.ParseError\n", 1),
        ("from xml.etree.ElementTree import ParseError\n", 1),
        # A parser of the caller's own: defusedxml's fromstring has no such argument, and its
        # parse would use the given parser as it is.
        ("import xml.etree.ElementTree as ET\nroot = ET.fromstring(text, ET.XMLParser())\n", 1),
        ("from xml.etree.ElementTree import XML\nroot = XML(text, parser)\n", 1),
        ("from xml.dom import minidom\ndoc = minidom.parseString(data, parser)\n", 1),
        ("import xml.etree.ElementTree as ET\ntree = ET.parse(path, **options)\n", 2),
    ],
)
def test_refuses(source, line):
    assert XmlDefusedxml.apply(source, line) is None


def test_parser_argument_elsewhere_in_module_keeps_the_import():
    source = "import xml.etree.ElementTree as ET\na = ET.parse(path)\nb = ET.fromstring(text, parser=p)\n"
    assert XmlDefusedxml.apply(source, 1) is None
    rewrite = XmlDefusedxml.apply(source, 2)
    assert rewrite is not None and "a = defusedxml.ElementTree.parse(path)" in rewrite.text


def test_parser_argument_itself_defused():
    source = "import xml.etree.ElementTree as ET\nroot = ET.fromstring(text, parser=ET.XMLParser())\n"
    rewrite = XmlDefusedxml.apply(source, 2)
    assert rewrite is not None
    assert "root = ET.fromstring(text, parser=defusedxml.ElementTree.XMLParser())" in rewrite.text
