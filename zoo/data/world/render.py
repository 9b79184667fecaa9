"""Pixels of the synthetic world: textured backgrounds and anti-aliased shapes, vectorised over
frames.

The world (``zoo/data/world/synthetic.py``) describes every object by per-frame arrays -- centre,
radius, rotation, colour, opacity -- and this module turns them into uint8 frames
``[T, H, W, 3]``. Each shape is a signed distance function (negative inside, in pixels), and a
pixel's coverage is ``clip(0.5 - distance, 0, 1)``: one pixel of anti-aliasing, no supersampling.
An object is drawn for all requested frames at once over the smallest window of the frame that
holds its boxes, so the cost is proportional to the area it sweeps, not to the frame.

Exactness: the value of a pixel of frame ``k`` depends only on that pixel's coordinates and on
the object states of frame ``k``, and is computed with IEEE-exact float32 operations only (``+ - *
abs max min sqrt``, no transcendental function on pixel grids), so a frame rendered alone is
bit-identical to the same frame rendered with others.

Coordinates: ``x`` to the right, ``y`` down, in pixels; pixel ``(i, j)`` covers
``[j, j + 1] x [i, i + 1]`` and its centre is ``(j + 0.5, i + 0.5)``. Boxes are ``xyxy`` in the
same continuous coordinates. A rotation ``angle`` (radians) turns the shape clockwise on screen.
"""

from __future__ import annotations

import math

import numpy as np

from zoo.data.world.vocab import SHAPES

# Shape geometry, in units of the object's radius ``r`` (see ``world_vocab.SIZE_RADII``).
_CIRCLE = 0.9  # circle radius
_SQUARE = 0.8  # half side
_DIAMOND = 1.1  # half diagonal
_TRIANGLE = 1.25  # circumradius (centroid to vertex); points up
_RING_HOLE = 0.45  # radius of a ring's hole (its outer radius is the circle's)
_CROSS_ARM, _CROSS_HALF_WIDTH = 1.0, 0.35  # half length and half width of each bar
_STAR = 1.25  # circumradius of the five-pointed star (a regular pentagram); points up

_COS30 = math.cos(math.pi / 6)
_STAR_NORMALS = [(math.cos(a), math.sin(a))
                 for a in (-math.pi / 2 + 2 * math.pi * k / 5 for k in range(5))]
_STAR_OFFSET = _STAR * math.cos(2 * math.pi / 5)  # distance of a pentagram line from the centre


def _polygon(radius: float, angles_deg) -> np.ndarray:
    return np.array([(radius * math.cos(math.radians(a)), radius * math.sin(math.radians(a)))
                     for a in angles_deg])


#: Shapes that look the same under any rotation (their box is +-0.9 r; they never spin).
ROUND_SHAPES = ("circle", "ring")

#: Vertices of each polygonal shape's convex hull [V, 2] (x, y), in units of the radius; used to
#: compute exact boxes under rotation. The round shapes have none.
SHAPE_VERTICES: dict[str, np.ndarray] = {
    "square": np.array([(-_SQUARE, -_SQUARE), (_SQUARE, -_SQUARE), (_SQUARE, _SQUARE),
                        (-_SQUARE, _SQUARE)]),
    "triangle": _polygon(_TRIANGLE, (-90, 30, 150)),
    "diamond": _polygon(_DIAMOND, (0, 90, 180, 270)),
    "cross": np.array([(sx * a, sy * b) for a, b in ((_CROSS_ARM, _CROSS_HALF_WIDTH),
                                                      (_CROSS_HALF_WIDTH, _CROSS_ARM))
                       for sx in (-1, 1) for sy in (-1, 1)]),
    "star": _polygon(_STAR, (-90, -18, 54, 126, 198)),
}

#: Largest distance from the centre to any point of each shape, in units of the radius: the
#: shape stays inside a circle of ``SHAPE_EXTENT[shape] * r`` whatever its rotation.
SHAPE_EXTENT: dict[str, float] = {
    "circle": _CIRCLE,
    "ring": _CIRCLE,
    **{name: float(np.linalg.norm(v, axis=1).max()) for name, v in SHAPE_VERTICES.items()},
}
assert set(SHAPE_EXTENT) == set(SHAPES)


def shape_boxes(shape: str, cx: np.ndarray, cy: np.ndarray, r: np.ndarray, cos: np.ndarray,
                sin: np.ndarray) -> np.ndarray:
    """Exact ``xyxy`` boxes of a shape in every frame.

    Args:
        shape: one of ``SHAPES``.
        cx, cy, r: per-frame centre and radius (pixels), [F].
        cos, sin: cosine and sine of the per-frame rotation, [F].

    Returns:
        float64 [F, 4].
    """
    if shape in ROUND_SHAPES:
        half_w = half_h = _CIRCLE * r
        return np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    verts = SHAPE_VERTICES[shape]  # [V, 2]
    c, s = cos[:, None], sin[:, None]  # [F, 1]
    vx = (c * verts[:, 0] - s * verts[:, 1]) * r[:, None]  # [F, V]
    vy = (s * verts[:, 0] + c * verts[:, 1]) * r[:, None]
    return np.stack([cx + vx.min(1), cy + vy.min(1), cx + vx.max(1), cy + vy.max(1)], axis=1)


# --- signed distances ------------------------------------------------------------------------
# Each takes object-frame offsets u, v (pixels; broadcastable to [F, h, w]) and the radius r
# ([F, 1, 1]) and returns the signed distance to the outline (pixels, negative inside). Polygons
# are intersections of half-planes (max of the edge distances), exact near the edges, which is
# all the one-pixel anti-aliasing needs.

def _circle(u, v, r):
    return np.sqrt(u * u + v * v) - _CIRCLE * r


def _square(u, v, r):
    return np.maximum(np.abs(u), np.abs(v)) - _SQUARE * r


def _diamond(u, v, r):
    return (np.abs(u) + np.abs(v) - _DIAMOND * r) * np.float32(math.sqrt(0.5))


def _triangle(u, v, r):
    a, b = np.float32(_COS30) * u, np.float32(0.5) * v
    return np.maximum(np.maximum(v, -a - b), a - b) - np.float32(0.5 * _TRIANGLE) * r


def _ring(u, v, r):
    distance = np.sqrt(u * u + v * v)
    return np.maximum(distance - _CIRCLE * r, _RING_HOLE * r - distance)


def _cross(u, v, r):
    au, av = np.abs(u), np.abs(v)
    arm, half = np.float32(_CROSS_ARM) * r, np.float32(_CROSS_HALF_WIDTH) * r
    return np.minimum(np.maximum(au - half, av - arm), np.maximum(au - arm, av - half))


def _star(u, v, r):
    # A pentagram is the set of points outside at most one of its five lines: its signed
    # distance is the second largest of the five line distances.
    offset = np.float32(_STAR_OFFSET) * r
    first = second = None
    for nx, ny in _STAR_NORMALS:
        d = np.float32(nx) * u + np.float32(ny) * v - offset
        if first is None:
            first = d
        elif second is None:
            first, second = np.maximum(first, d), np.minimum(first, d)
        else:
            second = np.maximum(second, np.minimum(first, d))
            first = np.maximum(first, d)
    return second


_SIGNED_DISTANCE = {"circle": _circle, "square": _square, "diamond": _diamond,
                    "triangle": _triangle, "ring": _ring, "cross": _cross, "star": _star}
assert set(_SIGNED_DISTANCE) == set(SHAPES)


# --- drawing ---------------------------------------------------------------------------------

def background(seed: int, height: int, width: int,
               levels: tuple[float, float] = (70.0, 110.0)) -> np.ndarray:
    """A low-contrast textured background, the same for every frame of a clip.

    A grey (``levels``: 70-110 by default, slightly tinted per channel) plus three random
    separable sinusoidal gratings (wavelengths 9-60 % of the frame, amplitude up to +-5 each) and
    fine Gaussian noise (sd 2): texture without edges or blobs that could pass for an object. Colours of ``COLOUR_RGB`` stay
    far from every background pixel. (Themed scenes pass the ``levels`` of their tone,
    ``zoo/data/world/appearance.py``.)

    Returns:
        uint8 [H, W, 3].
    """
    rng = np.random.default_rng(seed)
    level = rng.uniform(float(levels[0]), float(levels[1])) + rng.uniform(-8.0, 8.0, size=3)  # [3]
    y = np.arange(height) + 0.5
    x = np.arange(width) + 0.5
    texture = rng.normal(0.0, 2.0, size=(height, width))
    for _ in range(3):
        fy, fx = rng.uniform(0.1, 0.7, size=2) * (64.0 / min(height, width))  # radians / pixel
        py, px = rng.uniform(0.0, 2 * math.pi, size=2)
        amp = rng.uniform(2.0, 5.0)
        texture += amp * np.outer(np.sin(fy * y + py), np.sin(fx * x + px))
    image = np.rint(texture[:, :, None] + level)
    return np.clip(image, 0, 255).astype(np.uint8)


def draw_object(canvas: np.ndarray, shape: str, cx: np.ndarray, cy: np.ndarray, r: np.ndarray,
                cos: np.ndarray, sin: np.ndarray, rgb: np.ndarray, alpha: np.ndarray,
                boxes: np.ndarray) -> None:
    """Composite one object onto every frame of ``canvas``, in place (alpha blending, rounded).

    Args:
        canvas: uint8 [F, H, W, 3], modified in place.
        shape: one of ``SHAPES``.
        cx, cy, r: per-frame centre and radius (pixels), [F].
        cos, sin: cosine and sine of the per-frame rotation, [F] (computed once per clip by the
            caller, so that no transcendental function depends on which frames are drawn).
        rgb: per-frame colour, float [F, 3] in 0-255.
        alpha: per-frame opacity in [0, 1], [F].
        boxes: the object's ``shape_boxes`` in these frames, [F, 4].
    """
    frames, height, width = canvas.shape[:3]
    if frames == 0 or not np.any(alpha > 0):
        return
    # The window of the frame that holds the object in every frame (+1 pixel of anti-aliasing).
    x0 = max(0, math.floor(boxes[:, 0].min()) - 1)
    y0 = max(0, math.floor(boxes[:, 1].min()) - 1)
    x1 = min(width, math.ceil(boxes[:, 2].max()) + 1)
    y1 = min(height, math.ceil(boxes[:, 3].max()) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    f32 = np.float32
    xs = np.arange(x0, x1, dtype=f32) + f32(0.5)
    ys = np.arange(y0, y1, dtype=f32) + f32(0.5)
    dx = xs[None, None, :] - cx.astype(f32)[:, None, None]  # [F, 1, w]
    dy = ys[None, :, None] - cy.astype(f32)[:, None, None]  # [F, h, 1]
    if np.any(sin != 0) or np.any(cos != 1):
        c = cos.astype(f32)[:, None, None]
        s = sin.astype(f32)[:, None, None]
        u, v = c * dx + s * dy, c * dy - s * dx  # rotate by -angle into the object's frame
    else:
        u, v = dx, dy
    distance = _SIGNED_DISTANCE[shape](u, v, r.astype(f32)[:, None, None])  # [F, h, w]
    coverage = np.clip(f32(0.5) - distance, f32(0.0), f32(1.0))
    if np.any(alpha != 1):
        coverage *= alpha.astype(f32)[:, None, None]
    region = canvas[:, y0:y1, x0:x1]  # a view
    mixed = region.astype(f32)
    mixed += coverage[..., None] * (rgb.astype(f32)[:, None, None, :] - mixed)
    mixed += f32(0.5)
    region[...] = mixed  # truncation of x + 0.5: rounding to the nearest level
