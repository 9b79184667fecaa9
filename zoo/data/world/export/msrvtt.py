"""MSR-VTT (CLIP4Clip's ``msrvtt_data.zip`` layout): ``msrvtt/``.

``msrvtt_data/{MSRVTT_data.json, MSRVTT_train.9k.csv, MSRVTT_JSFUSION_test.csv}`` and
``videos/all/video<N>.mp4``. ``MSRVTT_data.json`` holds all three splits (``"split"``: ``train``
/ ``validate`` / ``test``), ``video<N>`` numbered train, then val, then test (as the official
0-6512 / 6513-7009 / 7010-9999); ``"start time"`` / ``"end time"`` (with the space) place the
clip in a fictional YouTube video (``url`` from the Kinetics-style id), ``category`` = world
label, 4 captions per video (the real data has 20). The 9k-style train list holds the train
clips, the 1k-A-style JSFusion test list the test clips with their first caption. (The real 9k
list also holds the validate videos; here the world's splits stay disjoint.)
"""

from __future__ import annotations

from zoo.data.world.export.common import SPLIT_VALUES, SPLITS, Context, Placement, write_csv, write_json

__all__ = ["write"]


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("msrvtt"), []
    videos, sentences = [], []
    for split in SPLITS:
        for clip in ctx.clips[split]:
            vid = ctx.msrvtt_id(clip)
            start = ctx.ids.number("msrvtt-start", clip, 1200) * 0.25
            videos.append({"category": clip.label,
                           "url": f"https://www.youtube.com/watch?v={ctx.ids.youtube(clip)}",
                           "video_id": vid, "start time": start, "end time": start + clip.duration,
                           "split": SPLIT_VALUES[split], "id": len(videos)})
            for caption in clip.captions:
                sentences.append({"caption": caption, "video_id": vid, "sen_id": len(sentences)})
            placements.append(Placement(clip, f"msrvtt/videos/all/{vid}.mp4", vid))
    data = root / "msrvtt_data"
    write_json(data / "MSRVTT_data.json", {
        "info": {"contributor": "zoo synthetic world (zoo export-world)", "version": "1.0"},
        "videos": videos, "sentences": sentences})
    write_csv(data / "MSRVTT_train.9k.csv", ("video_id",),
              [(ctx.msrvtt_id(c),) for c in ctx.clips["train"]])
    rows = []
    for i, clip in enumerate(ctx.clips["test"]):
        vid = ctx.msrvtt_id(clip)
        rows.append((f"ret{i}", f"msr{vid[len('video'):]}", vid, clip.captions[0]))
    write_csv(data / "MSRVTT_JSFUSION_test.csv", ("key", "vid_key", "video_id", "sentence"), rows)
    return placements
