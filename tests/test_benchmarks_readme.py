"""benchmarks/README.md is generated from benchmarks/results/*.json and kept current."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _make_readme():
    path = ROOT / "benchmarks" / "make_readme.py"
    spec = importlib.util.spec_from_file_location("_bench_make_readme", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_readme_matches_generator():
    expected = _make_readme().render_markdown()
    actual = (ROOT / "benchmarks" / "README.md").read_text()
    assert actual == expected, (
        "benchmarks/README.md is stale: run python benchmarks/make_readme.py"
    )


def test_one_row_per_json_file():
    mod = _make_readme()
    files = sorted(p.name for p in (ROOT / "benchmarks" / "results").glob("*.json"))
    assert sorted(row["file"] for row in mod.load_rows()) == files


def test_unknown_and_broken_records_still_get_a_row(tmp_path):
    mod = _make_readme()
    (tmp_path / "bench_new.json").write_text(
        json.dumps(
            {
                "benchmark": "bench_new",
                "command": "python benchmarks/bench_new.py --a|b",
                "date": "2026-11-21T10:00:00+00:00",
                "machine": {"cpu_count": 2, "cuda": None},
                "results": {"speed": 12.5, "nested": [{"ratio": 1.25}]},
            }
        )
    )
    # A known benchmark whose layout changed falls back to the generic summary.
    (tmp_path / "bench_overhead_v2.json").write_text(
        json.dumps({"benchmark": "bench_overhead", "results": {"ratio": 0.9}})
    )
    (tmp_path / "bench_broken.json").write_text("{not json")
    rows = {row["file"]: row for row in mod.load_rows(tmp_path)}
    assert set(rows) == {
        "bench_new.json",
        "bench_overhead_v2.json",
        "bench_broken.json",
    }
    assert rows["bench_new.json"]["figures"] == [
        "results.speed=12.5",
        "results.nested[0].ratio=1.25",
    ]
    assert rows["bench_new.json"]["date"] == "2026-11-21 10:00 UTC"
    assert rows["bench_overhead_v2.json"]["figures"] == ["results.ratio=0.9"]
    assert "unreadable" in rows["bench_broken.json"]["figures"][0]
    table = mod.render_markdown(list(rows.values()))
    assert "--a\\|b" in table  # pipes in commands do not split the cell
    assert ".. list-table::" in mod.render_rst(list(rows.values()))
