"""Geometry and rendering of synthetic faces: iBUG-68 landmarks and images."""

from __future__ import annotations

import numpy as np

from ._face_params import _expression_params

# Geometry in the canonical face frame: u to the right, v down, image = [-1, 1]^2


def _brow_curve(p, side, t):
    """Brow points for t in [0, 1] from inner (0) to outer (1) end; side=-1 left."""
    inner_u = 0.10 - 0.04 * p["brow_knit"][:, None]
    outer_u = p["eye_dx"][:, None] + 0.17
    u = inner_u + (outer_u - inner_u) * t
    base = (
        p["eye_y"][:, None] - p["brow_gap"][:, None] - 0.07 * p["brow_raise"][:, None]
    )
    v = (
        base
        - 0.035 * np.sin(np.pi * t)
        + 0.07 * p["brow_inner_drop"][:, None] * (1.0 - t)
    )
    return side * u, v


def _mouth_curves(p, u):
    """Upper and lower lip v for mouth coordinate u (same shape as p rows)."""
    half = 0.2 * p["mouth_width"]
    half = half.reshape(half.shape + (1,) * (u.ndim - 1))
    s = u / half
    curve = p["mouth_curve"].reshape(half.shape)
    asym = p["mouth_asym"].reshape(half.shape)
    my = p["mouth_y"].reshape(half.shape)
    lip = p["lip_raise"].reshape(half.shape)
    opening = p["mouth_open"].reshape(half.shape)
    upper = my - 0.09 * curve * s**2 - 0.06 * asym * np.clip(s, 0, None) ** 2
    upper = upper - 0.03 * lip * (1 - s**2).clip(0, None)
    lower = upper + 0.16 * opening * (1 - s**2).clip(0, None)
    return upper, lower, s


def _canonical_landmarks(p):
    """(n, 68, 2) landmarks in the canonical frame, iBUG-68 order."""
    n = len(p["face_w"])
    pts = np.zeros((n, 68, 2))
    cy = 0.05
    # 0-16 jaw, image left to right through the chin.
    alpha = np.linspace(np.pi - 0.15, 0.15, 17)
    pts[:, 0:17, 0] = p["face_w"][:, None] * np.cos(alpha)
    pts[:, 0:17, 1] = cy + p["face_h"][:, None] * np.sin(alpha)
    # 17-21 left brow (outer -> inner), 22-26 right brow (inner -> outer).
    t = np.linspace(0, 1, 5)
    u, v = _brow_curve(p, -1, t[::-1])
    pts[:, 17:22, 0], pts[:, 17:22, 1] = u, v
    u, v = _brow_curve(p, 1, t)
    pts[:, 22:27, 0], pts[:, 22:27, 1] = u, v
    # 27-30 nose bridge, 31-35 nostrils.
    pts[:, 27:31, 0] = 0.0
    pts[:, 27:31, 1] = np.linspace(-0.14, 0.12, 4)[None, :] + 0 * p["face_w"][:, None]
    pts[:, 31:36, 0] = np.linspace(-0.08, 0.08, 5)[None, :]
    pts[:, 31:36, 1] = 0.17 - 0.02 * np.cos(np.linspace(-1.2, 1.2, 5))[None, :]
    pts[:, 31:36, 1] -= 0.02 * p["lip_raise"][:, None]
    # 36-41 left eye, 42-47 right eye: corners and lids.
    ew = p["eye_w"][:, None]
    eh = 0.05 * p["eye_open"][:, None]
    lid_u = np.array([-1.0, -0.4, 0.4, 1.0, 0.4, -0.4])
    lid_v = np.array([0.0, -1.0, -1.0, 0.0, 1.0, 1.0]) * np.sqrt(
        1 - np.minimum(lid_u**2, 0.84)
    )
    for start, side in ((36, -1), (42, 1)):
        order = lid_u if side == 1 else lid_u  # outer->inner for left eye
        ex = side * p["eye_dx"][:, None]
        pts[:, start : start + 6, 0] = ex + ew * order
        pts[:, start : start + 6, 1] = p["eye_y"][:, None] + eh * lid_v
    # 48-59 outer lips, 60-67 inner lips.
    half = 0.2 * p["mouth_width"][:, None]
    so = np.array([-1, -0.6, -0.25, 0, 0.25, 0.6, 1, 0.6, 0.25, 0, -0.25, -0.6])
    upper, lower, _ = _mouth_curves(p, half * so[None, :])
    lip_th = 0.025
    outer_v = np.where(np.arange(12) <= 6, upper - lip_th, lower + lip_th)
    outer_v[:, [0, 6]] = upper[:, [0, 6]]
    pts[:, 48:60, 0] = half * so[None, :]
    pts[:, 48:60, 1] = outer_v
    si = np.array([-0.9, -0.4, 0, 0.4, 0.9, 0.4, 0, -0.4])
    upper_i, lower_i, _ = _mouth_curves(p, half * si[None, :])
    pts[:, 60:68, 0] = half * si[None, :]
    pts[:, 60:68, 1] = np.where(np.arange(8) <= 4, upper_i, lower_i)
    pts[:, [60, 64], 1] = upper_i[:, [0, 4]]
    return pts


def _to_pixels(p, pts, size):
    """Map canonical points through pose (rotation, scale, shift) to pixels."""
    c, s = np.cos(p["angle"])[:, None], np.sin(p["angle"])[:, None]
    sc = p["scale"][:, None]
    x = sc * (c * pts[..., 0] - s * pts[..., 1]) + p["shift_x"][:, None]
    y = sc * (s * pts[..., 0] + c * pts[..., 1]) + p["shift_y"][:, None]
    return np.stack([(x + 1) / 2 * size - 0.5, (y + 1) / 2 * size - 0.5], axis=-1)


def _soft(d, width):
    """Anti-aliased inside indicator from a signed distance (negative inside)."""
    out = 0.5 - d * (0.5 / width)
    return np.clip(out, 0.0, 1.0, out=out)


def _render(p, size, rng, noise):
    """Render (n, size, size) float faces in [0, 1] from parameter dict p."""
    coords = (np.arange(size) + 0.5) / size * 2 - 1
    coords = coords.astype(np.float32)
    gx, gy = np.meshgrid(coords, coords)

    def col(name):
        return p[name][:, None, None].astype(np.float32)

    # Inverse pose: pixel -> canonical frame.
    x = (gx[None] - col("shift_x")) / col("scale")
    y = (gy[None] - col("shift_y")) / col("scale")
    c, s = np.cos(col("angle")), np.sin(col("angle"))
    u = c * x + s * y
    v = -s * x + c * y
    aa = 1.5 / size  # anti-aliasing width in canonical units

    # Background with a gentle vertical gradient, then the face ellipse.
    img = col("background") * (1 - 0.2 * gy[None]) + np.zeros_like(u)
    shade = col("skin") * (
        1 + col("light") * (np.cos(col("light_dir")) * u + np.sin(col("light_dir")) * v)
    )
    r = np.sqrt((u / col("face_w")) ** 2 + ((v - 0.05) / col("face_h")) ** 2)
    face = _soft((r - 1) * col("face_w"), aa)
    img = img * (1 - face) + shade * face
    dark = col("feature_dark")

    def paint(alpha, value=None):
        nonlocal img
        val = dark if value is None else value
        img = img * (1 - alpha) + val * alpha

    # Eyes: ellipses whose height follows eye_open; a bright sclera ring.
    for side in (-1, 1):
        du = u - side * col("eye_dx")
        dv = v - col("eye_y")
        eh = 0.05 * col("eye_open")
        re = np.sqrt((du / col("eye_w")) ** 2 + (dv / eh) ** 2)
        paint(_soft((re - 1) * eh, aa) * 0.9, np.minimum(shade + 0.25, 1.0))
        rp = np.sqrt(du**2 + dv**2)
        iris = _soft(rp - np.minimum(0.045, eh), aa) * _soft((re - 1) * eh, aa)
        paint(iris)
    # Brows: thick curves; distance to the curve point at the pixel's own t.
    for side in (-1, 1):
        inner_u = 0.10 - 0.04 * col("brow_knit")
        outer_u = col("eye_dx") + 0.17
        t = np.clip((side * u - inner_u) / (outer_u - inner_u), 0.0, 1.0)
        cu = side * (inner_u + (outer_u - inner_u) * t)
        cv = (
            col("eye_y")
            - col("brow_gap")
            - 0.07 * col("brow_raise")
            - 0.035 * np.sin(np.pi * t)
            + 0.07 * col("brow_inner_drop") * (1.0 - t)
        )
        paint(_soft(np.sqrt((u - cu) ** 2 + (v - cv) ** 2) - 0.028, aa))
    # Nose: a soft vertical shadow and nostrils.
    nose = _soft(np.abs(u) - 0.018, aa) * _soft(np.abs(v - 0.0) - 0.14, aa)
    paint(0.35 * nose)
    for side in (-1, 1):
        dn = np.sqrt(((u - side * 0.05) / 0.03) ** 2 + ((v - 0.16) / 0.018) ** 2)
        paint(0.7 * _soft((dn - 1) * 0.018, aa))
    # Mouth: interior between the lip curves, plus the lip line itself.
    upper, lower, sm = _mouth_curves(p, u)
    inside_w = _soft(np.abs(sm) - 1, aa / (0.2 * col("mouth_width")))
    interior = inside_w * _soft(upper - v, aa) * _soft(v - lower, aa)
    lip_line = inside_w * _soft(np.abs(v - upper) - 0.022, aa)
    lower_lip = inside_w * _soft(np.abs(v - lower - 0.012) - 0.02, aa)
    paint(np.maximum(interior, lip_line))
    paint(0.6 * lower_lip)

    if noise > 0:
        img = img + np.float32(noise) * rng.standard_normal(img.shape).astype(
            np.float32
        )
    return np.clip(img, 0.0, 1.0)


def _generate(rng, labels, identity, intensity, size, noise, chunk=2048):
    """(uint8 images, float32 pixel landmarks) of faces, rendered in chunks."""
    expr = _expression_params(rng, labels, intensity)
    params = {**identity, **expr}
    n = len(labels)
    images = np.empty((n, size, size), dtype=np.uint8)
    for start in range(0, n, chunk):
        sl = slice(start, start + chunk)
        part = {k: v[sl].astype(np.float32) for k, v in params.items()}
        images[sl] = np.round(_render(part, size, rng, noise) * 255).astype(np.uint8)
    landmarks = _to_pixels(params, _canonical_landmarks(params), size)
    return images, landmarks.astype(np.float32)
