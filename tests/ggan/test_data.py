from promsec_ci.ggan.data import SampleBuilder, held_out, read_records

from .ops import OPERATORS


def test_held_out_split_is_stable_and_about_a_fifth():
    ids = [f"rec-{i}" for i in range(1000)]
    share = sum(held_out(i) for i in ids) / len(ids)
    assert 0.15 < share < 0.25
    assert [held_out(i) for i in ids[:50]] == [held_out(i) for i in ids[:50]]


def test_candidates_measured_with_bandit(corpus, tmp_path):
    builder = SampleBuilder("cfg", str(tmp_path / "cache"), OPERATORS)
    record = next(r for r in read_records([str(corpus)]) if r.id == "r0")
    samples, clean = builder.from_record(record)
    assert {s.unit.name for s in samples} == {"load_0", "run_0"}
    yaml_sample = next(s for s in samples if s.unit.name == "load_0")
    by_op = {c.operator: c for c in yaml_sample.candidates}
    assert set(by_op) == {"t-yaml-safe", "t-yaml-comment"}
    assert by_op["t-yaml-safe"].delta_k == 1 and by_op["t-yaml-safe"].verified
    assert by_op["t-yaml-comment"].delta_k == 0 and not by_op["t-yaml-comment"].verified
    assert by_op["t-yaml-safe"].line == 7
    # φ: the rewritten node no longer carries the finding
    assert by_op["t-yaml-safe"].phi != yaml_sample.raw.x[by_op["t-yaml-safe"].node]
    # cached: a second builder reads the same measurements without applying anything
    again = SampleBuilder("cfg", str(tmp_path / "cache"), OPERATORS)
    again.measure = None  # a cache miss would now raise
    assert again.from_record(record)[0][0].candidates == samples[0].candidates


def test_clean_records_give_real_graphs(corpus):
    builder = SampleBuilder("cfg", None, OPERATORS)
    record = next(r for r in read_records([str(corpus)]) if r.id == "s0")
    samples, clean = builder.from_record(record)
    assert samples == [] and len(clean) == 1
