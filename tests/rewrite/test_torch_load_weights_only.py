"""torch-load-weights-only: torch.load -> torch.load(..., weights_only=True)."""

import pytest

from promsec_ci.rewrite.torch_load_weights_only import TorchLoadWeightsOnly
from tests.rewrite.rewrite_check import check


def test_adds_weights_only_keeping_layout():
    check(
        TorchLoadWeightsOnly,
        """\
        import torch


        def restore(model, path):
            # checkpoint from the hub
            state = torch.load(path, map_location="cpu")  # cpu only
            model.load_state_dict(state)
        """,
        6,
        """\
        import torch


        def restore(model, path):
            # checkpoint from the hub
            state = torch.load(path, map_location="cpu", weights_only=True)  # cpu only
            model.load_state_dict(state)
        """,
        "B614",
    )


def test_rewritten_load_still_reads_a_state_dict(tmp_path):
    import torch

    path = tmp_path / "w.pt"
    torch.save({"w": torch.ones(2)}, path)
    rewrite = TorchLoadWeightsOnly.apply(f"import torch\nstate = torch.load({str(path)!r})\n", 2)
    assert rewrite is not None
    namespace: dict = {}
    exec(compile(rewrite.text, "rewritten.py", "exec"), namespace)  # nosec B102 - our own output
    assert torch.equal(namespace["state"]["w"], torch.ones(2))


@pytest.mark.parametrize(
    "source",
    [
        "import torch\nm = torch.load(p, weights_only=False)\n",
        "import torch\nm = torch.load(p, pickle_module=dill)\n",
        "import torch\nm = torch.load(p, None, dill)\n",
        "import torch\nm = torch.load(p, **opts)\n",
        "import pickle\nm = pickle.load(f)\n",
    ],
)
def test_refuses(source):
    assert TorchLoadWeightsOnly.apply(source, 2) is None
