"""Pictures of a spatio-temporal grounding prediction: the tube drawn on the video.

``render_tube(frames, frame_times, result, path, truth=None)``: ``frames`` uint8 ``[T, H, W, 3]``
(the video as shown to the user), ``frame_times [T]`` seconds, ``result`` one prediction of
``STGroundingTask.predict_batch`` (``segment``, ``image_size`` and ``frames``: ``{"time", "box"}``
with xyxy boxes in pixels of the ``image_size`` model input), ``truth`` the same form. A displayed
frame inside a tube's segment gets that tube's box, linearly interpolated in time between its
nearest sampled frames (the nearest one outside their range) and scaled from ``image_size`` to the
displayed frame; the prediction is green, the truth red (dashed-free, thinner). Frames smaller
than 256 px are enlarged (nearest neighbour) so that boxes and text stay readable.

By ``path``'s suffix: ``.gif`` (an animation at the frames' own pace), ``.mp4`` (H.264 through
PyAV, ``zoo.data.video.write_video``) or ``.png`` (a contact sheet of at most 16 frames spread
over the video, with their times).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np
from PIL import Image, ImageDraw

PREDICTION, TRUTH = (40, 220, 60), (230, 40, 40)
MIN_SIDE = 256
SHEET_FRAMES = 16
SUFFIXES = (".png", ".gif", ".mp4")


def tube_box(tube: dict, time: float) -> Optional[np.ndarray]:
    """The xyxy box (pixels of ``tube["image_size"]``) of ``tube`` at ``time`` seconds, or None
    outside its segment ``[start, end)``: linear between the two sampled frames around ``time``,
    the nearest sampled frame before the first or after the last."""
    start, end = tube["segment"]
    samples = tube.get("frames") or []
    if not start <= time < end or not samples:
        return None
    times = np.array([float(s["time"]) for s in samples])
    boxes = np.array([s["box"] for s in samples], dtype=np.float64)
    return np.stack([np.interp(time, times, boxes[:, k]) for k in range(4)])


def _scaled(box: np.ndarray, tube: dict, height: int, width: int) -> list[float]:
    image_h, image_w = tube.get("image_size") or (height, width)
    sx, sy = width / image_w, height / image_h
    return [box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy]


def draw_frames(frames: np.ndarray, frame_times: np.ndarray, result: dict,
                truth: Optional[dict] = None) -> list[Image.Image]:
    """The frames with the boxes and a caption line drawn on, as PIL images."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3 or not len(frames):
        raise ValueError(f"frames must be uint8 [T > 0, H, W, 3], got {frames.dtype} {frames.shape}")
    frame_times = np.asarray(frame_times, dtype=np.float64).reshape(-1)
    if len(frame_times) != len(frames):
        raise ValueError(f"{len(frames)} frames but {len(frame_times)} frame times")
    height, width = frames.shape[1:3]
    zoom = max(1, -(-MIN_SIDE // min(height, width)))
    out = []
    for image, time in zip(frames, frame_times):
        picture = Image.fromarray(image).resize((width * zoom, height * zoom), Image.NEAREST)
        draw = ImageDraw.Draw(picture)
        for tube, colour, line in ((truth, TRUTH, max(1, zoom // 2)), (result, PREDICTION, zoom)):
            box = None if tube is None else tube_box(tube, float(time))
            if box is not None:
                draw.rectangle(_scaled(box, tube, height * zoom, width * zoom), outline=colour,
                               width=line)
        start, end = result["segment"]
        label = f"t={time:.2f}s  pred [{start:.2f}, {end:.2f})"
        if truth is not None:
            label += f"  true [{truth['segment'][0]:.2f}, {truth['segment'][1]:.2f})"
        draw.rectangle([0, 0, picture.width, 12], fill=(0, 0, 0))
        draw.text((2, 1), label, fill=(255, 255, 255))
        out.append(picture)
    return out


def contact_sheet(pictures: list[Image.Image], columns: int = 4) -> Image.Image:
    """At most ``SHEET_FRAMES`` pictures spread evenly over the list, in a grid."""
    if len(pictures) > SHEET_FRAMES:
        picks = np.linspace(0, len(pictures) - 1, SHEET_FRAMES).round().astype(int)
        pictures = [pictures[i] for i in picks]
    columns = min(columns, len(pictures))
    rows = -(-len(pictures) // columns)
    w, h = pictures[0].size
    sheet = Image.new("RGB", (columns * w, rows * h), (0, 0, 0))
    for k, picture in enumerate(pictures):
        sheet.paste(picture, ((k % columns) * w, (k // columns) * h))
    return sheet


def render_tube(frames, frame_times, result: dict, path: Union[str, Path],
                truth: Optional[dict] = None) -> Path:
    """Write the picture (module docstring) to ``path`` and return it."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"{path}: pictures are written as {', '.join(SUFFIXES)}")
    frames = np.asarray(frames.cpu() if hasattr(frames, "cpu") else frames)
    frame_times = np.asarray(frame_times.cpu() if hasattr(frame_times, "cpu") else frame_times,
                             dtype=np.float64)
    pictures = draw_frames(frames, frame_times, result, truth)
    path.parent.mkdir(parents=True, exist_ok=True)
    gaps = np.diff(frame_times)
    seconds = float(np.median(gaps)) if len(gaps) and np.median(gaps) > 0 else 0.5
    suffix = path.suffix.lower()
    if suffix == ".png":
        contact_sheet(pictures).save(path)
    elif suffix == ".gif":
        pictures[0].save(path, save_all=True, append_images=pictures[1:], loop=0,
                         duration=max(20, int(round(1000 * seconds))))
    else:
        from zoo.data.video import write_video  # noqa: PLC0415  (PyAV, imported lazily)

        array = np.stack([np.asarray(p) for p in pictures])
        array = np.pad(array, ((0, 0), (0, array.shape[1] % 2), (0, array.shape[2] % 2), (0, 0)))
        write_video(path, array, fps=1.0 / seconds, lossless=False)
    return path
