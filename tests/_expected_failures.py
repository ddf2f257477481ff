"""sklearn estimator checks we expect to fail, each with a one-line reason.

The goal is an empty dict.
"""

_SUBSET = (
    "float32 CPU conv kernels (oneDNN) are chosen by batch size, so outputs for a "
    "batch of 1 and of 20 differ by ~2e-7, above the check's atol=1e-7"
)

_ORDER = (
    "the same cause on some CPUs (seen on a 2-core Intel Xeon VM, not on AMD EPYC): "
    "shuffling 20 rows moves some between the prediction batches of 16 and of 4, and "
    "their outputs change by ~6e-8, above the check's atol=1e-9; shuffling within "
    "equal-sized batches changes nothing"
)

# the same two float32 checks, for the same reasons, in every estimator
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    name: {
        "check_methods_subset_invariance": _SUBSET,
        "check_methods_sample_order_invariance": _ORDER,
    }
    for name in ("AffectCNNClassifier", "AffectCNNRegressor", "AffectCNNMultiTask")
}
