"""ActivityNet-QA: ``activitynet_qa/``.

``dataset/{train,val,test}_q.json`` (``[{"video_name", "question", "question_id"}]``) and
``dataset/{train,val,test}_a.json`` (``[{"answer", "type", "question_id"}]``, same order), one
JSON line each, and ``videos/v_<ytid>.mp4``. ``video_name`` is the clip's YouTube id,
``question_id = "v_<ytid>_<k>"`` (k numbers the clip's questions). The world's open-ended
questions, written as the release writes them: lower case, without the ``?``. ``type`` (an int):
``ANETQA_TYPE_OF`` maps the world's question types to ActivityNet-QA's (action -> 0 motion,
direction -> 6 location, colour -> 4 color, shape -> 5 object, count -> 7 number).
"""

from __future__ import annotations

from zoo.data.world.export.common import SPLITS, Context, Placement, write_json
from zoo.data.world.synthetic import QUESTION_TYPES

__all__ = ["write", "ANETQA_TYPE_OF", "anetqa_question"]

ANETQA_TYPE_OF = {"action": 0, "direction": 6, "colour": 4, "shape": 5, "count": 7}
assert set(ANETQA_TYPE_OF) == set(QUESTION_TYPES)


def anetqa_question(question: str) -> str:
    return question.rstrip().rstrip("?").rstrip().lower()


def write(ctx: Context) -> list[Placement]:
    root, placements = ctx.root("activitynet_qa"), []
    for split in SPLITS:
        questions, answers = [], []
        for clip in ctx.clips[split]:
            name = ctx.ids.youtube(clip)
            for k, qa in enumerate(q for q in clip.qa if not q.choices):
                qid = f"v_{name}_{k}"
                questions.append({"video_name": name, "question": anetqa_question(qa.question),
                                  "question_id": qid})
                answers.append({"answer": qa.answer, "type": ANETQA_TYPE_OF[qa.question_type],
                                "question_id": qid})
            placements.append(Placement(clip, f"activitynet_qa/videos/v_{name}.mp4", name))
        write_json(root / "dataset" / f"{split}_q.json", questions)
        write_json(root / "dataset" / f"{split}_a.json", answers)
    return placements
