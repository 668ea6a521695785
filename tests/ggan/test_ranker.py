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
