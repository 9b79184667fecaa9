"""Pictures of tracking results: boxes, track ids in stable colours, category names.

``draw_tracks(frames, frame_times, result, path, truth=None)`` draws a result dict
(``zoo.tasks.layers.track_results``) on the video's frames and writes ``path`` by its suffix:

- ``.png`` (or ``.jpg``): the frames tiled left to right, top to bottom (at most ``columns`` per
  row), each labelled with its time;
- ``.gif``: an animation (PIL), ``.mp4``: H.264 (``zoo.data.video.write_video``).

Frames smaller than ``min_side`` pixels are enlarged (nearest neighbour) so that labels stay
readable. A result's boxes are in pixels of its ``image_size``; they are scaled to the frames
given (which must show the same field of view, e.g. the sampled frames after the crop). Each
result frame is drawn on the frame whose time is nearest to its ``times`` entry. A track's colour
depends only on its id (golden-ratio hues), so it is the same in every frame and every picture.
The annotation (``truth``), when given, is drawn first as thin white boxes.
"""

from __future__ import annotations

import colorsys
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".mp4")


def track_colour(track_id: int) -> tuple[int, int, int]:
    """A saturated RGB colour of ``track_id``: hue ``(id · 0.618...) mod 1`` (distinct for
    neighbouring ids, the same on every call)."""
    hue = (int(track_id) * 0.6180339887498949) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 1.0)
    return int(r * 255), int(g * 255), int(b * 255)


def _nearest(times: Sequence[float], value: float) -> int:
    return int(np.argmin(np.abs(np.asarray(times, dtype=np.float64) - float(value))))


def _boxes_by_frame(result: dict, frame_times: Sequence[float]) -> list[list[tuple]]:
    """``[(box, track id, label), ...]`` for every frame of the picture."""
    per_frame: list[list[tuple]] = [[] for _ in frame_times]
    for track in result.get("tracks", []):
        for time, box in zip(track["times"], track["boxes"]):
            per_frame[_nearest(frame_times, time)].append(
                (box, track["track_id"], f"#{track['track_id']} {track['category']}"))
    return per_frame


def annotate(frames: np.ndarray, frame_times: Sequence[float], result: dict,
             truth: Optional[dict] = None, min_side: int = 256) -> list[Image.Image]:
    """The frames ``uint8 [T, H, W, 3]`` with ``result`` (and ``truth``) drawn, as PIL images."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be uint8 [T, H, W, 3], got {frames.dtype} {frames.shape}")
    if len(frame_times) != len(frames):
        raise ValueError(f"{len(frame_times)} frame times for {len(frames)} frames")
    height, width = frames.shape[1:3]
    zoom = max(1, -(-min_side // min(height, width)))
    source_h, source_w = result.get("image_size", [height, width])
    sx, sy = width * zoom / source_w, height * zoom / source_h
    font = ImageFont.load_default()
    layers = [(_boxes_by_frame(truth, frame_times), True)] if truth else []
    layers.append((_boxes_by_frame(result, frame_times), False))
    images = []
    for t, frame in enumerate(frames):
        image = Image.fromarray(frame).resize((width * zoom, height * zoom), Image.NEAREST)
        draw = ImageDraw.Draw(image)
        for boxes, is_truth in layers:
            for (x1, y1, x2, y2), track_id, label in boxes[t]:
                box = (x1 * sx, y1 * sy, x2 * sx, y2 * sy)
                if is_truth:
                    draw.rectangle(box, outline=(255, 255, 255), width=1)
                    continue
                colour = track_colour(track_id)
                draw.rectangle(box, outline=colour, width=max(2, zoom // 2))
                left, top, right, bottom = draw.textbbox((box[0], box[1]), label, font=font)
                top_y = max(0, box[1] - (bottom - top) - 2)
                draw.rectangle((box[0], top_y, box[0] + right - left + 4, top_y + bottom - top + 2), fill=colour)
                draw.text((box[0] + 2, top_y), label, fill=(0, 0, 0), font=font)
        draw.text((3, 3), f"{float(frame_times[t]):.2f} s", fill=(255, 255, 255), font=font)
        images.append(image)
    return images


def draw_tracks(frames: np.ndarray, frame_times: Sequence[float], result: dict,
                path: Union[str, Path], truth: Optional[dict] = None, columns: int = 4,
                fps: Optional[float] = None) -> Path:
    """Write the picture of ``result`` to ``path`` (module docstring) and return ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: a tracking picture is one of {', '.join(SUFFIXES)}")
    times = [float(t) for t in np.asarray(frame_times, dtype=np.float64).reshape(-1)]
    images = annotate(frames, times, result, truth)
    if fps is None:
        steps = np.diff(times)
        fps = float(1.0 / np.median(steps)) if len(steps) and np.median(steps) > 0 else 4.0
    if suffix == ".gif":
        images[0].save(path, save_all=True, append_images=images[1:], loop=0,
                       duration=max(20, int(round(1000 / fps))))
    elif suffix == ".mp4":
        from zoo.data.video import write_video

        write_video(path, np.stack([np.asarray(i) for i in images]), fps=fps)
    else:
        w, h = images[0].size
        rows = -(-len(images) // columns)
        sheet = Image.new("RGB", (w * min(columns, len(images)), h * rows))
        for i, image in enumerate(images):
            sheet.paste(image, ((i % columns) * w, (i // columns) * h))
        sheet.save(path)
    return path
