"""``affect-sklearn tune``: an Optuna study, then a run of the best parameters."""

from affect_sklearn.cli import main
from affect_sklearn.experiments import read_leaderboard

from .conftest import TINY_TRAIN


def test_tune_then_train_the_best(tmp_path, capsys):
    argv = ["tune", *TINY_TRAIN, "--epochs", "1", "--param", "lr=float:1e-3:1e-2:log"]
    argv += ["--n-trials", "2", "--cv", "2", "--train-best", "--runs-dir"]
    assert main([*argv, str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 trials; best score" in out and "run folder" in out
    assert len(list((tmp_path / "tuning").iterdir())) == 1
    assert len(read_leaderboard(tmp_path)) == 1
    assert main(["tune", *TINY_TRAIN, "--runs-dir", str(tmp_path)]) == 1
    assert "Nothing to tune" in capsys.readouterr().err
