"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from affect_sklearn import AffectCNNClassifier, AffectCNNMultiTask, AffectCNNRegressor

from ._expected_failures import EXPECTED_FAILED_CHECKS

# Tiny configs: the checks fit dozens of times on tabular data of a few hundred
# rows, so the nets are small and trained with a higher learning rate.
CHECK_CONFIG = dict(
    backbone="basic", width=8, max_epochs=10, batch_size=16, lr=1e-2, device="cpu"
)
ESTIMATORS = [
    AffectCNNClassifier(**CHECK_CONFIG),
    AffectCNNRegressor(**CHECK_CONFIG),
    AffectCNNMultiTask(**CHECK_CONFIG),
]


def _expected(est):
    return EXPECTED_FAILED_CHECKS.get(type(est).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
