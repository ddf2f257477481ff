"""Parameter and attribute documentation shared by the three CNN estimators.

Written once here and put into each estimator's docstring by
:func:`fill_doc`, in the way imbalanced-learn shares its docs through
``Substitution``: a class docstring holds the markers ``{model_parameters}``,
``{training_parameters}`` and ``{fitted_attributes}`` on lines of their own,
and each is replaced by the block below, indented to the marker.
"""

from __future__ import annotations

__all__ = ["fill_doc"]

MODEL_PARAMETERS = """\
backbone : str or type, default="compact"
    Feature extractor. Built-in nets for small faces: ``"compact"``
    (plain 3x3 convs, 565k parameters, best accuracy per CPU-minute we
    measured), ``"basic"`` (3 conv layers, fastest), ``"xception"``
    (depthwise-separable residual blocks, mini-Xception style),
    ``"resnet"`` (residual blocks), ``"vgg"`` (VGG-style with batch norm,
    4.7M parameters; use on a GPU). torchvision nets:
    ``"resnet18"``, ``"efficientnet_b0"``, ``"mobilenet_v3_small"``,
    ``"mobilenet_v3_large"`` (grayscale is repeated to 3 channels). A
    ``torch.nn.Module`` subclass taking ``in_channels`` and setting
    ``self.out_features`` is accepted too.
pretrained : bool or str, default=False
    A name of a model shipped inside the package (``"fer2013"``, see
    :func:`affect_sklearn.pretrained.pretrained_names`): ``fit`` starts from
    its backbone and input normalisation instead of random weights, and
    classes it also knows (matched by name: ``"happy"``, ``"Happiness"``)
    start from its head rows; other classes, such as ``"contempt"``, get
    new rows. The weights load in ``fit``, offline. ``True`` loads ImageNet
    weights for torchvision backbones (needs them downloaded or cached).
freeze_backbone : bool or int, default=False
    ``True`` trains only the head; an int N trains the head for N epochs,
    then unfreezes the backbone.
width : int, default=None
    Channels of the first stage of a built-in backbone (None: its default).
dropout : float, default=0.25
    Dropout before the output head(s).
image_shape : tuple, default=None
    ``(height, width[, channels])`` of flattened 2-D input or of image
    paths (default: square widths are square images; paths use the first
    file's size).
augment : bool, "auto", dict or callable, default="auto"
    Training-set augmentation, applied to whole batches on the training
    device. "auto": random horizontal flips and shifts of up to 8 % for
    images of at least 16x16 pixels (the best of the settings measured on
    FER-2013 in a 15-minute CPU budget); ``True`` adds rotation, scale and
    brightness/contrast jitter; a dict sets each. Never applied at predict
    time. See :func:`affect_sklearn.nn.make_augmentation`.
tta : bool or "auto", default="auto"
    Test-time augmentation: average the predictions of each image and of
    its mirror image. "auto" does so when the training augmentation
    mirrored images (the built-in ``augment`` with ``hflip``, the default
    for images of at least 16x16 pixels).
"""

TRAINING_PARAMETERS = """\
lr : float or "auto", default="auto"
    Learning rate (the peak rate for the one-cycle schedule). "auto" is
    3e-3 from scratch and 1e-3 when starting from shipped weights
    (``pretrained="fer2013"``).
backbone_lr : float or "auto", default="auto"
    Learning rate of the backbone (the convolutional layers), when it should
    differ from ``lr``, which the head and the rest of the net keep. "auto"
    is ``lr`` from scratch and ``0.3 * lr`` when starting from shipped
    weights: the head learns fast while the shipped features move more
    slowly. Lower it (e.g. ``1e-4``) for faces much like FER-2013's, raise it
    to ``lr`` for faces very unlike them (measured in
    ``benchmarks/bench_small_data.py``).
optimizer : {"adamw", "adam", "sgd"}, default="adamw"
    Optimizer (SGD uses momentum 0.9).
weight_decay : float, default=1e-4
    Weight decay.
batch_size : int, default=64
    Mini-batch size.
max_epochs : int or None, default=None
    Number of passes over the training data. None sizes training to the
    data: at least 10 epochs and at least 1,000 optimisation steps (500
    from shipped weights), at most 300 epochs. FER-2013's 28,709 faces get
    10 epochs; 600 faces (10 batches of 64) get 100. The number chosen is
    ``max_epochs_`` (also ``history_.attrs["max_epochs"]``).
scheduler : {"onecycle", "cosine", "step", "plateau"} or None, default="onecycle"
    Learning-rate schedule.
early_stopping : bool or int, default=False
    Stop when the validation loss has not improved for this many epochs
    (``True`` = 5) and restore the best weights. The validation split is
    carved from the training data, stratified.
validation_fraction : float, default=0.1
    Size of that validation split.
grad_clip : float, default=None
    Clip the gradient norm to this value.
amp : bool, default=False
    bf16 automatic mixed precision on CUDA; a no-op with a warning on CPU.
device : {"auto", "cpu", "cuda"} or str, default="auto"
    Where to train; "auto" picks CUDA when available. Any torch device
    string of type cpu, cuda or mps (``"cuda:1"``); another string, or a
    device this machine lacks, is a ``ValueError`` from ``fit``.
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, shuffling, augmentation and the split:
    the same seed gives the same CPU predictions. The seed goes to torch's
    global generator, so fits that run at the same time in threads of one
    process (joblib's ``"threading"`` backend, Dask's in-process workers)
    draw from one generator and are not reproducible; separate processes
    (joblib's default ``"loky"`` backend, ``n_jobs`` in sklearn's search
    objects) are.
checkpoint_dir : str or Path, default=None
    Directory for the checkpoints: ``last_state.pt`` after every epoch (all
    that :meth:`resume` needs; :class:`affect_sklearn.callbacks.TrainingState`),
    ``history.json``, and the best epoch's weights ``best_params.pt`` (skorch
    ``Checkpoint``).
warm_start : bool, default=False
    Start a new ``fit`` from the fitted weights, e.g. to continue training
    with new ``class_sampling_weights`` or more epochs.
verbose : int, default=0
    0 is silent; >0 prints a progress bar and a table per epoch.
net_kwargs : dict, default=None
    Any other skorch ``NeuralNet`` option, e.g. ``{"callbacks": [...],
    "iterator_train__num_workers": 2}``; the default callbacks are set the
    skorch way by name, e.g. ``{"callbacks__early_stopping__threshold":
    1e-3}`` (see :func:`affect_sklearn.callbacks.default_callbacks`).

"""

FITTED_ATTRIBUTES = """\
net_ : skorch.NeuralNet
    The fitted network (``net_.module_`` is the torch module).
history_ : pandas.DataFrame
    Per-epoch train/valid loss, the validation metric and duration;
    ``history_.attrs`` holds ``max_epochs`` and ``steps_per_epoch``.
image_shape_ : tuple
    ``(channels, height, width)`` of the training images.
n_features_in_ : int
    Pixels per image (for array input).
n_epochs_ : int
    Epochs actually trained.
max_epochs_ : int
    Epochs the fit was set to train (``max_epochs``, or the number
    ``max_epochs=None`` chose).

"""

_BLOCKS = {
    "{model_parameters}": MODEL_PARAMETERS,
    "{training_parameters}": TRAINING_PARAMETERS,
    "{fitted_attributes}": FITTED_ATTRIBUTES,
}


def fill_doc(cls):
    """Class decorator: replace the shared-block markers of ``cls.__doc__``."""
    lines = []
    for line in (cls.__doc__ or "").splitlines():
        block = _BLOCKS.get(line.strip())
        if block is None:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lines.extend(indent + b if b else b for b in block.rstrip("\n").splitlines())
    cls.__doc__ = "\n".join(lines) + "\n"
    return cls
