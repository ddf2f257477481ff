"""``affect-sklearn runs``: list, leaderboard, promote, show."""

from affect_sklearn.cli import main


def test_runs_list_leaderboard_promote_show(trained, capsys):
    runs, run_dir = trained
    assert main(["runs", "--runs-dir", str(runs)]) == 0
    out = capsys.readouterr().out
    assert run_dir.name in out and "finished" in out
    assert main(["runs", "leaderboard", "--runs-dir", str(runs), "--sort",
                 "test_f1_macro", "--top", "3"]) == 0  # fmt: skip
    assert "test_f1_macro" in capsys.readouterr().out
    assert main(["runs", "promote", "--runs-dir", str(runs)]) == 0
    assert "already promoted" in capsys.readouterr().out
    assert main(["runs", "promote", "--runs-dir", str(runs), "--metric", "x"]) == 1
    assert "has the metric 'x'" in capsys.readouterr().err
    assert main(["runs", "show", str(run_dir)]) == 0
    assert "AffectCNNClassifier" in capsys.readouterr().out


def test_runs_on_an_empty_folder(tmp_path, capsys):
    assert main(["runs", "list", "--runs-dir", str(tmp_path)]) == 0
    assert main(["runs", "leaderboard", "--runs-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no runs" in out and "no finished runs" in out
