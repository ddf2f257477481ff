"""Fast reader for the Kaggle FER-2013 CSV (``emotion,pixels,Usage``)."""

from __future__ import annotations

import io
import math

import numpy as np


def _split_row(data, start, end, n_before, n_after):
    """Return ``(before, (p0, p1), after)`` for one CSV row of ``data[start:end]``.

    ``before``/``after`` are the fields around the pixel field, which spans
    ``data[p0:p1]``; None when the row has too few commas.
    """
    p0 = start
    before = []
    for _ in range(n_before):
        comma = data.find(b",", p0, end)
        if comma < 0:
            return None
        before.append(data[p0:comma])
        p0 = comma + 1
    p1 = end
    after = []
    for _ in range(n_after):
        comma = data.rfind(b",", p0, p1)
        if comma < 0:
            return None
        after.append(data[comma + 1 : p1])
        p1 = comma
    if data.find(b",", p0, p1) >= 0:
        return None
    return before, (p0, p1), after[::-1]


def read_fer_csv(path):
    """Parse a FER-2013 CSV into ``(pixels, columns)``.

    ``pixels`` is a uint8 array of shape (n_rows, side, side) and ``columns``
    maps each other (lower-cased) column name to a list of str values.

    The pixel values of all rows are parsed at once by :func:`numpy.loadtxt`
    straight from the file's bytes; Python only walks the rows (not the pixels)
    to read the short fields around the pixel column and check each row's
    pixel count. Pixel values must be separated by single spaces.
    """
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b'"' in data:
        data = data.replace(b'"', b"")
    if b"\r" in data:
        data = data.replace(b"\r", b"")
    header_end = data.find(b"\n")
    header_end = len(data) if header_end < 0 else header_end
    columns = [
        c.strip().lower() for c in data[:header_end].decode("latin-1").split(",")
    ]
    if "emotion" not in columns or "pixels" not in columns:
        raise ValueError(
            f"The FER-2013 CSV {str(path)!r} must have the columns emotion, pixels "
            f"and optionally Usage; got columns {columns}. Pass the Kaggle "
            "fer2013.csv (or icml_face_data.csv)."
        )
    p = columns.index("pixels")
    n_before, n_after = p, len(columns) - p - 1
    others = columns[:p] + columns[p + 1 :]

    fields = {c: [] for c in columns if c != "pixels"}
    first, last, lines = [], [], []
    n_pixels = offset = None
    pos = header_end + 1
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        start, pos = pos, end + 1
        if not data[start:end].strip():
            continue
        lineno = len(lines) + 2  # 1-based, after the header
        parts = _split_row(data, start, end, n_before, n_after)
        if parts is None:
            raise ValueError(
                f"Line {lineno} of {str(path)!r} does not have the {len(columns)} "
                f"comma-separated fields of the header {columns}. Fix or remove "
                "that line."
            )
        before, (p0, p1), after = parts
        spaces = data.count(b" ", start, p0)
        if offset is None:
            offset = spaces
        elif spaces != offset:
            raise ValueError(
                f"Line {lineno} of {str(path)!r} has {spaces} spaces in the fields "
                f"before the pixels; the first row has {offset}. Remove the spaces "
                "around the emotion and Usage values."
            )
        count = data.count(b" ", p0, p1) + 1
        if n_pixels is None:
            n_pixels = count
            side = math.isqrt(n_pixels)
            if side * side != n_pixels or n_pixels < 4:
                raise ValueError(
                    f"Each row's pixels must form a square image (48 x 48 = 2304 "
                    f"values for FER-2013); line {lineno} of {str(path)!r} has "
                    f"{n_pixels} values, which is not a square number. Check that "
                    "the pixels column holds space-separated gray levels."
                )
        elif count != n_pixels:
            raise ValueError(
                f"Line {lineno} of {str(path)!r} has {count} pixel values; the "
                f"first row has {n_pixels} ({side} x {side}). Every row needs the "
                "same number of space-separated values: fix or remove that line."
            )
        for name, value in zip(others, before + after, strict=True):
            fields[name].append(value.strip().decode("latin-1"))
        first.append(data[p0 : data.find(b" ", p0, p1) if n_pixels > 1 else p1])
        last.append(data[data.rfind(b" ", p0, p1) + 1 : p1])
        lines.append(start)
    if not lines:
        raise ValueError(
            f"The FER-2013 CSV {str(path)!r} has a header but no data rows."
        )

    # Within a row, pixel k is the (n_before + k)-th space-separated token, but the
    # first and last pixels are glued by commas to the neighbouring fields: parse
    # pixels 1..n-2 with loadtxt and the two ends from the row walk above.
    pixels = np.empty((len(lines), n_pixels), dtype=np.uint8)
    try:
        if n_pixels > 2:
            pixels[:, 1:-1] = np.loadtxt(
                io.BytesIO(data),
                delimiter=" ",
                skiprows=1,
                usecols=range(offset + 1, offset + n_pixels - 1),
                dtype=np.uint8,
                comments=None,
                ndmin=2,
            )
        pixels[:, 0] = _to_uint8(first)
        pixels[:, -1] = _to_uint8(last)
    except (ValueError, OverflowError) as exc:
        raise ValueError(
            f"The pixels of {str(path)!r} must be integers in 0-255 separated by "
            f"single spaces; parsing failed with: {exc}"
        ) from None
    return pixels.reshape(len(lines), side, side), fields


def _to_uint8(tokens):
    values = np.array(tokens).astype(np.int64)
    if values.min() < 0 or values.max() > 255:
        raise ValueError(f"value out of range: {values.min()}..{values.max()}")
    return values
