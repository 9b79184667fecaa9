"""TAO (COCO-video JSON + frame folders): ``tao/``.

- ``annotations/train.json`` (world train), ``annotations/validation.json`` (val) and
  ``annotations/test_without_annotations.json`` (test: videos, images and categories, no tracks
  or boxes — as released): ``{videos, annotations, tracks, images, info, categories, licenses}``
  (the key order of the released excerpt), ids from 0 in each file, track ids unique per file;
- ``frames/<name>/frame<k+1:04d>.png``: every frame of every clip, where ``name`` is the video's
  ``"<train|val|test>/ZooWorld/v_<32 hex>"``. PNG, not the release's JPEG: JPEG is lossy.

Every frame is an annotated image (``frame_index`` = frame, TAO annotates about 1 fps); every
object is a track (category = shape) with one float xywh box per frame it is visible in.
Categories are the world's 7 shapes in LVIS style (``id`` 1-7 in ``SHAPES`` order, ``name``,
``synset``, ``frequency``: ``"r"`` for the config's novel shapes — OVTrack's novel = LVIS rare —
``"f"`` for the others, ``synonyms``, ``def``). ``neg_category_ids`` are the shapes absent from
the clip (the world annotates exhaustively; ``not_exhaustive_category_ids`` is empty).

No datamodule reads frame folders yet: the parser reads the JSON (``parse_tao``), and a record's
frames are ``frames/<record.path>/frame<k+1:04d>.png``.
"""

from __future__ import annotations

from zoo.data.world.export.common import Context, Placement, write_json
from zoo.data.world.synthetic import SHAPES, WorldClip, WorldConfig

__all__ = ["write", "TAO_FILES", "DATASET", "frame_names", "tao_name", "world_categories",
           "category_id"]

TAO_FILES = {"train": "train.json", "val": "validation.json",
             "test": "test_without_annotations.json"}
#: The ``metadata.dataset`` / BURST ``dataset`` of the world's sequences.
DATASET = "ZooWorld"


def frame_names(clip: WorldClip) -> list[str]:
    return [f"frame{k + 1:04d}.png" for k in range(clip.num_frames)]


def tao_name(ctx: Context, clip: WorldClip) -> str:
    """``"<train|val|test>/ZooWorld/v_<hash>"``: the video's name (and frame folder)."""
    return f"{clip.split}/{DATASET}/{ctx.ids.get('tao', clip)}"


def category_id(shape: str) -> int:
    return SHAPES.index(shape) + 1


def world_categories(config: WorldConfig, frequency: bool = True) -> list[dict]:
    """The shapes as LVIS-style categories (BURST's have no ``frequency``)."""
    out = []
    for shape in SHAPES:
        cat = {"id": category_id(shape), "name": shape, "synset": f"{shape}.n.01"}
        if frequency:
            cat["frequency"] = "r" if shape in config.novel_shapes else "f"
        cat.update(synonyms=[shape], **{"def": f"a {shape} shape"})
        out.append(cat)
    return out


def negative_ids(clip: WorldClip) -> list[int]:
    present = {o.shape for o in clip.objects}
    return [category_id(s) for s in SHAPES if s not in present]


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("tao"), []
    for split, file in TAO_FILES.items():
        videos, annotations, tracks, images = [], [], [], []
        for vid, clip in enumerate(ctx.clips[split]):
            name = tao_name(ctx, clip)
            videos.append({"id": vid, "name": name, "width": clip.width, "height": clip.height,
                           "neg_category_ids": negative_ids(clip),
                           "not_exhaustive_category_ids": [],
                           "metadata": {"dataset": DATASET}})
            first_image = len(images)
            for k, frame in enumerate(frame_names(clip)):
                images.append({"id": len(images), "video_id": vid, "file_name": f"{name}/{frame}",
                               "width": clip.width, "height": clip.height, "frame_index": k,
                               "license": 0, "video": name})
            if split != "test":
                for obj in clip.objects:
                    track = len(tracks)
                    tracks.append({"id": track, "category_id": category_id(obj.shape),
                                   "video_id": vid})
                    for k in range(clip.num_frames):
                        if not obj.visible[k]:
                            continue
                        x1, y1, x2, y2 = (float(v) for v in obj.boxes[k])
                        annotations.append({
                            "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1),
                            "iscrowd": 0, "id": len(annotations), "image_id": first_image + k,
                            "category_id": category_id(obj.shape), "track_id": track,
                            "video_id": vid})
            placements.append(Placement(clip, f"tao/frames/{name}", name, frames=frame_names(clip)))
        write_json(root / "annotations" / file, {
            "videos": videos, "annotations": annotations, "tracks": tracks, "images": images,
            "info": {"description": "zoo synthetic world (zoo export-world)", "version": "1.0"},
            "categories": world_categories(ctx.config), "licenses": ["Unknown"]})
    return placements
