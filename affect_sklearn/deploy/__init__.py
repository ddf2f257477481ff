"""Deployment: export fitted estimators to ONNX and run them without torch."""

from ._export import OnnxExportError, export_onnx
from ._runtime import OnnxAffectModel

__all__ = ["OnnxAffectModel", "OnnxExportError", "export_onnx"]
