"""Annotation parsers: one per benchmark format, each returning ``list[VideoRecord]``.

Every record's ``source`` is ``"<file>:<line>"`` (a JSON locator such as ``videos[3]`` for JSON
files), and a malformed entry raises ``AnnotationError(file, line, reason)`` — never a silent skip.

``PARSERS`` maps a format name to its parser (the first positional argument is the
annotation file — HMDB51: its split folder; MSVD: the captions; see each function for its
options):

======================== =============================================================
recognition
``kinetics``             Kinetics-400/600/700 split CSV
``ucf101``               UCF101 train/test list + ``classInd.txt``
``hmdb51``               HMDB51 split folder of ``<class>_test_split{1,2,3}.txt``
``sthv2``                Something-Something v2 train/validation/test JSON + ``labels.json``
``mmaction_list``        mmaction2 video list ``"<path> <label>"`` (configurable delimiter)
retrieval / captioning
``msrvtt``               ``MSRVTT_data.json`` (+ 9k / 7k train CSV)
``msrvtt_jsfusion``      MSR-VTT 1k-A test CSV
``msvd``                 MSVD ``AllVideoDescriptions.txt`` / caption JSON + split list or
                         ``youtube_mapping.txt``
``didemo``               DiDeMo ``{train,val,test}_data.json``
``vatex``                VATEX JSON (``enCap``)
``activitynet_captions`` ActivityNet Captions ``train.json`` / ``val_1.json`` / ``val_2.json``
question answering
``msrvtt_qa``            MSRVTT-QA / MSVD-QA JSON
``nextqa``               NExT-QA CSV (multiple choice)
``nextqa_oe``            NExT-QA open-ended (NExT-OE) CSV
``tgif_qa``              TGIF-QA TAB-separated ``{Train,Test,Total}_<task>_question.csv``
``activitynet_qa``       ActivityNet-QA ``<split>_q.json`` (+ ``<split>_a.json``)
grounding
``charades_sta``         Charades-STA ``"<vid> <s> <e>##<sentence>"``
``qvhighlights``         QVHighlights ``highlight_<split>_release.jsonl``
``hcstvg``               HC-STVG v1 / v2 JSON
``vidstg``               VidSTG ``<split>_annotations.json`` + the VidOR annotation folder
tracking / video instance segmentation
``tao``                  TAO COCO-video JSON
``burst``                BURST JSON (COCO RLE masks)
``lvvis``                LV-VIS (YouTube-VIS 2019) JSON
======================== =============================================================
"""

from zoo.data.formats.activitynet_captions import parse_activitynet_captions
from zoo.data.formats.activitynet_qa import parse_activitynet_qa
from zoo.data.formats.base import AnnotationError
from zoo.data.formats.burst import parse_burst
from zoo.data.formats.charades_sta import parse_charades_sta
from zoo.data.formats.didemo import parse_didemo
from zoo.data.formats.hcstvg import parse_hcstvg
from zoo.data.formats.hmdb51 import parse_hmdb51
from zoo.data.formats.kinetics import parse_kinetics
from zoo.data.formats.lvvis import parse_lvvis
from zoo.data.formats.mmaction_list import parse_video_list
from zoo.data.formats.msrvtt import parse_msrvtt, parse_msrvtt_jsfusion
from zoo.data.formats.msrvtt_qa import parse_msrvtt_qa
from zoo.data.formats.msvd import parse_msvd
from zoo.data.formats.nextqa import parse_nextqa
from zoo.data.formats.nextqa_oe import parse_nextqa_oe
from zoo.data.formats.qvhighlights import parse_qvhighlights
from zoo.data.formats.sthv2 import parse_sthv2
from zoo.data.formats.tao import parse_tao
from zoo.data.formats.tgif_qa import parse_tgif_qa
from zoo.data.formats.ucf101 import parse_ucf101
from zoo.data.formats.vatex import parse_vatex
from zoo.data.formats.vidstg import parse_vidstg

PARSERS = {
    "kinetics": parse_kinetics,
    "ucf101": parse_ucf101,
    "hmdb51": parse_hmdb51,
    "sthv2": parse_sthv2,
    "mmaction_list": parse_video_list,
    "msrvtt": parse_msrvtt,
    "msrvtt_jsfusion": parse_msrvtt_jsfusion,
    "msvd": parse_msvd,
    "didemo": parse_didemo,
    "vatex": parse_vatex,
    "activitynet_captions": parse_activitynet_captions,
    "msrvtt_qa": parse_msrvtt_qa,
    "nextqa": parse_nextqa,
    "nextqa_oe": parse_nextqa_oe,
    "tgif_qa": parse_tgif_qa,
    "activitynet_qa": parse_activitynet_qa,
    "charades_sta": parse_charades_sta,
    "qvhighlights": parse_qvhighlights,
    "hcstvg": parse_hcstvg,
    "vidstg": parse_vidstg,
    "tao": parse_tao,
    "burst": parse_burst,
    "lvvis": parse_lvvis,
}


def get_parser(name: str):
    """The parser registered as ``name`` (a clear error listing the known formats otherwise)."""
    try:
        return PARSERS[name]
    except KeyError:
        raise KeyError(f"unknown annotation format {name!r}; known: {sorted(PARSERS)}") from None


__all__ = ["PARSERS", "AnnotationError", "get_parser", "parse_activitynet_captions",
           "parse_activitynet_qa", "parse_burst", "parse_charades_sta", "parse_didemo",
           "parse_hcstvg", "parse_hmdb51", "parse_kinetics", "parse_lvvis", "parse_video_list",
           "parse_msrvtt", "parse_msrvtt_jsfusion", "parse_msrvtt_qa", "parse_msvd",
           "parse_nextqa", "parse_nextqa_oe", "parse_qvhighlights", "parse_sthv2", "parse_tao",
           "parse_tgif_qa", "parse_ucf101", "parse_vatex", "parse_vidstg"]
