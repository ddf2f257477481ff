"""The bookkeeping of the benchmark scripts that train and score shipped models."""

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script(name):
    path = ROOT / "benchmarks" / f"{name}.py"
    sys.path.insert(0, str(path.parent))  # the scripts import benchmarks/_common
    try:
        spec = importlib.util.spec_from_file_location(f"_bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def _row(accuracy, epochs, seconds, recipe):
    return {
        "params": 1234,
        "accuracy": accuracy,
        "f1_macro": 0.5,
        "cohen_kappa": 0.4,
        "recall": {"angry": 0.5, "happy": 0.9},
        "recipe": recipe,
        "epochs": epochs,
        "train_seconds": seconds,
        "train_images_per_s": 100.0,
        "shipped_file": "affect_sklearn/pretrained/toy.pt",
        "shipped_bytes": 2048,
    }


def test_model_card_of_a_two_stage_model_lists_both_stages_and_totals(tmp_path):
    mod = _script("train_pretrained")
    first = _row(0.61, 30, 3000.0, {"lr": 3e-3})
    second = _row(0.65, 40, 4000.0, {"lr": 1e-3, "pretrained": "toy"})
    second["stages"] = [
        {k: first[k] for k in mod.STAGE_KEYS} | {"command": "python first.py"}
    ]
    record = {
        "command": "python second.py",
        "seed": 0,
        "machine": {"cpu_model": "CPU", "cpu_count": 2, "torch_threads": 2},
        "results": [second],
    }
    card = tmp_path / "toy.md"
    mod.write_card(record, card)
    text = card.read_text()
    assert "| 0.650 | 0.500 | 0.400 |" in text  # the final figures
    assert "Stage 1: 30 epochs" in text and "Stage 2: 40 epochs" in text
    assert "after this stage: 0.610" in text and "after this stage: 0.650" in text
    assert "`python first.py`" in text and "`python second.py`" in text
    assert "In all 70 epochs, 7,000 s of training" in text


def test_model_card_of_a_one_stage_model_has_no_stage_numbers(tmp_path):
    mod = _script("train_pretrained")
    record = {
        "command": "python only.py",
        "machine": {"cpu_model": "CPU", "cpu_count": 2, "torch_threads": 2},
        "results": [_row(0.6, 30, 3000.0, {"lr": 3e-3})],
    }
    card = tmp_path / "toy.md"
    mod.write_card(record, card)
    text = card.read_text()
    assert "Stage" not in text and "In all 30 epochs, 3,000 s" in text


def test_shipped_model_card_is_the_generated_one(tmp_path):
    mod = _script("train_pretrained")
    record = json.loads(
        (ROOT / "benchmarks" / "results" / "pretrained_fer2013.json").read_text()
    )
    mod.write_card(record, tmp_path / "card.md")
    shipped = ROOT / "affect_sklearn" / "pretrained" / "fer2013.md"
    assert shipped.read_text() == (tmp_path / "card.md").read_text(), (
        "the model card is stale: python benchmarks/train_pretrained.py --card-only"
    )


def test_small_data_cache_keys_change_with_the_shipped_weights(tmp_path, monkeypatch):
    import hashlib

    import affect_sklearn.pretrained as pkg

    mod = _script("bench_small_data")
    files = {"a": tmp_path / "a.pt", "b": tmp_path / "b.pt"}
    files["a"].write_bytes(b"old weights")
    files["b"].write_bytes(b"new weights")
    monkeypatch.setattr(pkg, "pretrained_path", lambda name: files[name])
    tags = [mod.weights_tag("a"), mod.weights_tag("b")]
    assert tags[0] == "weights=" + hashlib.sha256(b"old weights").hexdigest()[:12]
    assert tags[0] != tags[1]
    assert set(mod.WEIGHT_ROWS) == {"finetune", "finetune_head", "shipped"}
