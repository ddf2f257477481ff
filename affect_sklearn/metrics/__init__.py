"""Affect metrics, agreement coefficients, reports and scorers by name."""

from ._agreement import cohen_kappa_score, krippendorff_alpha, krippendorff_alpha_matrix
from ._ranking import aupr_score, auroc_score
from ._regression import ccc_score, pearson_score, rmse, sagr_score
from ._report import affect_report
from ._scorers import get_scorer, get_scorer_names, get_scorers

__all__ = [
    "affect_report",
    "aupr_score",
    "auroc_score",
    "ccc_score",
    "cohen_kappa_score",
    "get_scorer",
    "get_scorer_names",
    "get_scorers",
    "krippendorff_alpha",
    "krippendorff_alpha_matrix",
    "pearson_score",
    "rmse",
    "sagr_score",
]
