"""Expression-label handling shared by the classifier and the multi-task estimator."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _assert_all_finite, column_or_1d


class ExpressionLabelsMixin:
    """Encode labels, and turn class_weight / class_sampling_weights into arrays."""

    def _encode_labels(self, y):
        """Integer codes of y and the fitted attributes ``classes_`` and
        ``label_encoder_`` (returned, not set)."""
        y = column_or_1d(y, warn=True)
        if y.dtype.kind in "fc":
            _assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if self.warm_start and hasattr(self, "classes_"):
            if not np.array_equal(encoder.classes_, self.classes_):
                raise ValueError(
                    "warm_start=True needs the classes of the first fit "
                    f"{self.classes_.tolist()}; got {encoder.classes_.tolist()}. "
                    "Set warm_start=False to train from scratch."
                )
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; the data "
                f"contains only one class: {encoder.classes_[0]!r}."
            )
        attributes = {"label_encoder_": encoder, "classes_": encoder.classes_}
        return encoder.transform(y).astype(np.int64), attributes

    def _class_dict_to_array(self, mapping, name):
        known = set(self.classes_.tolist())
        unknown = [k for k in mapping if k not in known]
        if unknown:
            raise ValueError(
                f"{name} names labels that are not in the training data: {unknown}. "
                f"Known classes are {self.classes_.tolist()}."
            )
        return np.array([float(mapping.get(c, 1.0)) for c in self.classes_.tolist()])

    def _class_weight_tensor(self, y_codes):
        """Loss weights per class from ``class_weight`` (None, "balanced" or dict)."""
        if self.class_weight is None:
            return None
        if isinstance(self.class_weight, dict):
            w = self._class_dict_to_array(self.class_weight, "class_weight")
        else:
            w = compute_class_weight(
                "balanced", classes=np.arange(len(self.classes_)), y=y_codes
            )
        return torch.as_tensor(w, dtype=torch.float32)

    def _label_sampler_weights(self, y_codes):
        """Per-sample weights for the WeightedRandomSampler, or None."""
        if self.class_sampling_weights is None:
            return None
        counts = np.bincount(y_codes, minlength=len(self.classes_)).astype(float)
        if self.class_sampling_weights == "balanced":
            per_class = np.where(counts > 0, 1.0 / np.maximum(counts, 1), 0.0)
        else:
            per_class = self._class_dict_to_array(
                self.class_sampling_weights, "class_sampling_weights"
            )
            if np.any(per_class < 0) or not np.any(per_class[counts > 0] > 0):
                raise ValueError(
                    "class_sampling_weights must be non-negative with at least one "
                    f"positive weight; got {self.class_sampling_weights!r}."
                )
        return per_class[y_codes]

    def _labels_state(self):
        return {
            "classes_": self.classes_.tolist(),
            "classes_dtype": str(self.classes_.dtype),
        }

    def _set_labels_state(self, state):
        dtype = state["classes_dtype"]
        if dtype == "object":
            classes = np.empty(len(state["classes_"]), dtype=object)
            classes[:] = state["classes_"]
        else:
            classes = np.asarray(state["classes_"], dtype=dtype)
        self.classes_ = classes
        self.label_encoder_ = LabelEncoder()
        self.label_encoder_.classes_ = classes

    def _head_rows(self, meta):
        """(own row, shipped row) pairs of the classes a shipped model also has.

        Labels match by name, case-insensitively and through common synonyms
        ("Happiness" -> "happy"); integer labels match nothing.
        """
        from ..pretrained._registry import canonical_label

        shipped = [
            canonical_label(c) for c in meta.get("state", {}).get("classes_", [])
        ]
        pairs = []
        for i, label in enumerate(self.classes_.tolist()):
            name = canonical_label(label)
            if name is not None and name in shipped:
                pairs.append((i, shipped.index(name)))
        return pairs


def copy_head_rows(layer, weight, bias, pairs):
    """Copy rows of a shipped linear head into ``layer`` for matching classes."""
    if not pairs or layer.weight.shape[1] != weight.shape[1]:
        return
    with torch.no_grad():
        for own, src in pairs:
            layer.weight[own] = weight[src]
            layer.bias[own] = bias[src]
