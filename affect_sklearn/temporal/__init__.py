"""Emotion change over time: smoothing, change detection, metrics and video."""

from ._detector import EmotionChangeDetector
from ._metrics import change_point_scores, change_points_from_labels, segment_accuracy
from ._quadrants import VA_QUADRANTS
from ._smoothing import ema_smooth, sticky_transition_matrix, viterbi_decode
from ._video import analyze_video
from ._video_io import read_video
from ._video_results import write_timeline_plot

__all__ = [
    "VA_QUADRANTS",
    "EmotionChangeDetector",
    "analyze_video",
    "change_point_scores",
    "change_points_from_labels",
    "ema_smooth",
    "read_video",
    "segment_accuracy",
    "sticky_transition_matrix",
    "viterbi_decode",
    "write_timeline_plot",
]
