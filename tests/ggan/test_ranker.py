from promsec_ci.config import Options
from promsec_ci.ggan.ranker import load_ranker, model_path


def test_missing_model_gives_one_warning(tmp_path):
    ranker, notices = load_ranker(Options(model_dir=str(tmp_path)))
    assert ranker is None
    assert [n.level for n in notices] == ["warning"]
    assert "not found" in notices[0].message and "plain enumeration" in notices[0].message


def test_corrupt_model_gives_one_warning(tmp_path):
    (tmp_path / "ggan-cfg.pt").write_bytes(b"not a torch file")
    ranker, notices = load_ranker(Options(model_dir=str(tmp_path)))
    assert ranker is None and len(notices) == 1 and "corrupt" in notices[0].message


def test_model_path_follows_graph_kind(tmp_path):
    assert model_path(Options(model_dir=str(tmp_path), graph="dfg")) == tmp_path / "ggan-dfg.pt"


def test_shipped_model_loads_and_ranks_a_permutation():
    import textwrap

    from promsec_ci.ggan.ranker import PACKAGE_MODELS
    from promsec_ci.units import UnitIndex

    ranker, notices = load_ranker(Options())
    assert notices == [] and ranker is not None
    assert model_path(Options()) == PACKAGE_MODELS / "ggan-cfg.pt"
    assert (PACKAGE_MODELS / "ggan-cfg.pt").stat().st_size < 5_000_000
    text = textwrap.dedent("""\
        import hashlib
        import yaml


        def load(stream, password):
            digest = hashlib.md5(password.encode()).hexdigest()
            return yaml.load(stream), digest
        """)
    unit = UnitIndex(text, "m.py").locate(6)
    edits = [(6, "hash-not-for-security"), (7, "yaml-safe-load"), (6, "hash-sha256"), (1, "not-an-operator")]
    order = ranker.rank(unit, text, [], edits)
    assert sorted(order) == sorted(edits) and order[-1] == (1, "not-an-operator")
