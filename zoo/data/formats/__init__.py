"""Annotation parsers: one per benchmark format, each returning ``list[VideoRecord]``.

Every record's ``source`` is ``"<file>:<line>"`` (a JSON locator such as ``videos[3]`` for JSON
files), and a malformed entry raises ``AnnotationError(file, line, reason)`` — never a silent skip.

``PARSERS`` maps a format name to its parser (the first positional argument is always the
annotation file; see each function for its options):

=================== ==================================================================
``kinetics``        Kinetics-400/600/700 split CSV
``ucf101``          UCF101 train/test list + ``classInd.txt``
``mmaction_list``   mmaction2 video list ``"<path> <label>"`` (configurable delimiter)
``msrvtt``          ``MSRVTT_data.json`` (+ 9k / 7k train CSV)
``msrvtt_jsfusion`` MSR-VTT 1k-A test CSV
``charades_sta``    Charades-STA ``"<vid> <s> <e>##<sentence>"``
``nextqa``          NExT-QA CSV
``msrvtt_qa``       MSRVTT-QA / MSVD-QA JSON
=================== ==================================================================
"""

from zoo.data.formats.base import AnnotationError
from zoo.data.formats.charades_sta import parse_charades_sta
from zoo.data.formats.kinetics import parse_kinetics
from zoo.data.formats.mmaction_list import parse_video_list
from zoo.data.formats.msrvtt import parse_msrvtt, parse_msrvtt_jsfusion
from zoo.data.formats.msrvtt_qa import parse_msrvtt_qa
from zoo.data.formats.nextqa import parse_nextqa
from zoo.data.formats.ucf101 import parse_ucf101

PARSERS = {
    "kinetics": parse_kinetics,
    "ucf101": parse_ucf101,
    "mmaction_list": parse_video_list,
    "msrvtt": parse_msrvtt,
    "msrvtt_jsfusion": parse_msrvtt_jsfusion,
    "charades_sta": parse_charades_sta,
    "nextqa": parse_nextqa,
    "msrvtt_qa": parse_msrvtt_qa,
}


def get_parser(name: str):
    """The parser registered as ``name`` (a clear error listing the known formats otherwise)."""
    try:
        return PARSERS[name]
    except KeyError:
        raise KeyError(f"unknown annotation format {name!r}; known: {sorted(PARSERS)}") from None


__all__ = ["PARSERS", "AnnotationError", "get_parser", "parse_charades_sta", "parse_kinetics",
           "parse_video_list", "parse_msrvtt", "parse_msrvtt_jsfusion", "parse_msrvtt_qa",
           "parse_nextqa", "parse_ucf101"]
