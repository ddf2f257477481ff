"""``affect-sklearn report``: re-draw a run's plots."""

from affect_sklearn.cli import main

from .conftest import assert_png


def test_report_redraws_the_plots(trained, capsys):
    _, run_dir = trained
    (run_dir / "plots" / "confusion_matrix.png").unlink()
    assert main(["report", str(run_dir), "--dpi", "50"]) == 0
    out = capsys.readouterr().out
    assert "confusion_matrix.png" in out and "note:" not in out
    assert_png(run_dir / "plots" / "confusion_matrix.png")
