"""sklearn estimator checks we expect to fail, each with a one-line reason.

The goal is an empty dict.
"""

EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "AffectCNNClassifier": {},
    "AffectCNNRegressor": {},
    "AffectCNNMultiTask": {
        "check_methods_subset_invariance": (
            "float32 CPU kernels round differently for batches of 1 and of 20: "
            "valence/arousal outputs differ by ~2e-7, above the check's atol=1e-7"
        ),
    },
}
