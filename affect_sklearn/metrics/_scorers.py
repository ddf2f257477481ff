"""Scorers by name for GridSearchCV, cross_validate and skorch's EpochScoring."""

from __future__ import annotations

import difflib

from sklearn import metrics as _skm
from sklearn.metrics import make_scorer
from sklearn.utils._param_validation import validate_params

from ._agreement import cohen_kappa_score, krippendorff_alpha
from ._checks import _check_reg_targets
from ._ranking import aupr_score, auroc_score
from ._regression import ccc_score, pearson_score, rmse, sagr_score

__all__ = ["get_scorer", "get_scorer_names", "get_scorers"]

_OUTPUT_COLUMNS = {"valence": 0, "arousal": 1}


class _ColumnMetric:
    """A regression metric restricted to one column of a (n_samples, 2) target.

    A top-level class (not a lambda or partial) so that scorers pickle for
    ``n_jobs > 1``; ``__name__`` lets skorch's ``EpochScoring`` name the score.
    """

    def __init__(self, metric, column, name):
        self.metric = metric
        self.column = column
        self.__name__ = name

    def __call__(self, y_true, y_pred, **kwargs):
        yt, yp, _, _ = _check_reg_targets(
            y_true, y_pred, None, "uniform_average", func=self.__name__
        )
        if yt.shape[1] <= self.column:
            raise ValueError(
                f"{self.__name__} scores column {self.column} of a (n_samples, 2) "
                f"valence/arousal target; got y of shape {yt.shape}. Use the "
                "scorer without the output suffix for a single target."
            )
        return self.metric(yt[:, self.column], yp[:, self.column], **kwargs)

    def __repr__(self):
        return self.__name__


def _registry():
    """Name -> (metric, greater_is_better, response_method, metric kwargs)."""
    table = {
        "ccc": (ccc_score, True, "predict", {}),
        "sagr": (sagr_score, True, "predict", {}),
        "pearson": (pearson_score, True, "predict", {}),
        "neg_rmse": (rmse, False, "predict", {}),
    }
    for base in list(table):
        metric, greater, method, kwargs = table[base]
        for output, column in _OUTPUT_COLUMNS.items():
            name = f"{base}_{output}"
            table[name] = (_ColumnMetric(metric, column, name), greater, method, kwargs)
    table.update(
        {
            "cohen_kappa": (cohen_kappa_score, True, "predict", {}),
            "linear_kappa": (cohen_kappa_score, True, "predict", {"weights": "linear"}),
            "quadratic_kappa": (
                cohen_kappa_score,
                True,
                "predict",
                {"weights": "quadratic"},
            ),
            "krippendorff_alpha": (krippendorff_alpha, True, "predict", {}),
            "krippendorff_alpha_ordinal": (
                krippendorff_alpha,
                True,
                "predict",
                {"level": "ordinal"},
            ),
            "krippendorff_alpha_interval": (
                krippendorff_alpha,
                True,
                "predict",
                {"level": "interval"},
            ),
            "auroc": (auroc_score, True, "predict_proba", {}),
            "aupr": (aupr_score, True, "predict_proba", {}),
        }
    )
    return table


_SCORERS = _registry()


def get_scorer_names():
    """Names of the affect scorers known to :func:`get_scorer`.

    Any name from :func:`sklearn.metrics.get_scorer_names` works as well.

    Returns
    -------
    names : list of str
        Sorted scorer names: ``"ccc"``, ``"ccc_valence"``, ``"ccc_arousal"``,
        ``"sagr"``, ``"pearson"``, ``"neg_rmse"`` (each also per output),
        ``"cohen_kappa"``, ``"linear_kappa"``, ``"quadratic_kappa"``,
        ``"krippendorff_alpha"`` (nominal), ``"krippendorff_alpha_ordinal"``,
        ``"krippendorff_alpha_interval"``, ``"auroc"`` and ``"aupr"``.

    Examples
    --------
    >>> from affect_sklearn.metrics import get_scorer_names
    >>> "ccc_valence" in get_scorer_names()
    True
    """
    return sorted(_SCORERS)


@validate_params({"scoring": [str, callable]}, prefer_skip_nested_validation=True)
def get_scorer(scoring):
    """Return a scorer for a name, ours first, then scikit-learn's.

    Regression scorers use ``predict``; ``"<metric>_valence"`` and
    ``"<metric>_arousal"`` score column 0 and column 1 of a (n_samples, 2)
    target. ``"cohen_kappa"``, the weighted kappas and the Krippendorff scorers
    compare ``predict`` labels; ``"auroc"`` and ``"aupr"`` use
    ``predict_proba`` (one-vs-rest, macro). Like every scikit-learn scorer,
    higher is better: ``"neg_rmse"`` is the negated RMSE.

    The scorers work in ``GridSearchCV``, ``cross_validate`` and skorch's
    ``EpochScoring(scoring=get_scorer("ccc"), lower_is_better=False)``. They
    do not raise on a fold that predicts a constant; see each metric for the
    value returned in that case.

    Parameters
    ----------
    scoring : str or callable
        A name from :func:`get_scorer_names` or
        :func:`sklearn.metrics.get_scorer_names`. A callable is returned
        unchanged, as scikit-learn does.

    Returns
    -------
    scorer : callable
        A scorer with signature ``scorer(estimator, X, y)``.

    Raises
    ------
    ValueError
        If the name is unknown to both affect_sklearn and scikit-learn.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from affect_sklearn.metrics import get_scorer
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> y = [[0.1, -0.2], [0.3, 0.1], [0.5, 0.4], [0.7, 0.7]]
    >>> reg = LinearRegression().fit(X, y)
    >>> round(get_scorer("ccc_arousal")(reg, X, y), 6)
    1.0
    """
    if callable(scoring):
        return scoring
    if scoring in _SCORERS:
        metric, greater, method, kwargs = _SCORERS[scoring]
        return make_scorer(
            metric, greater_is_better=greater, response_method=method, **kwargs
        )
    try:
        return _skm.get_scorer(scoring)
    except ValueError:
        pass
    close = difflib.get_close_matches(
        scoring, list(_SCORERS) + _skm.get_scorer_names(), n=3
    )
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"Unknown scorer {scoring!r}.{hint} affect_sklearn knows "
        f"{get_scorer_names()}; any name from "
        "sklearn.metrics.get_scorer_names() works too."
    )


@validate_params(
    {"scoring": [str, list, tuple, set, frozenset, dict]},
    prefer_skip_nested_validation=True,
)
def get_scorers(scoring):
    """Build a ``{name: scorer}`` dict for multi-metric model selection.

    Pass the result as ``scoring=`` to ``cross_validate`` or ``GridSearchCV``
    (with ``refit=<one of the names>``).

    Parameters
    ----------
    scoring : str, list/tuple/set of str, or dict
        Scorer names (ours or scikit-learn's), or a dict mapping the keys you
        want in ``cv_results_`` to names or callables.

    Returns
    -------
    scorers : dict of str to callable
        One scorer per name, in the given order.

    Raises
    ------
    ValueError
        If the collection is empty, repeats a name, or holds an unknown name.

    Examples
    --------
    >>> from affect_sklearn.metrics import get_scorers
    >>> sorted(get_scorers(["ccc", "sagr", "neg_mean_absolute_error"]))
    ['ccc', 'neg_mean_absolute_error', 'sagr']
    """
    if isinstance(scoring, str):
        scoring = [scoring]
    if isinstance(scoring, dict):
        items = list(scoring.items())
    else:
        names = list(scoring)
        if len(set(names)) != len(names):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(
                f"get_scorers: scorer names must be unique; got {duplicates} more "
                "than once."
            )
        items = [(name, name) for name in names]
    if not items:
        raise ValueError("get_scorers needs at least one scorer name; got none.")
    return {str(key): get_scorer(value) for key, value in items}
