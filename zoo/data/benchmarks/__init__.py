"""Datamodules of the real benchmarks: their annotation files (``zoo.data.formats``) + video files.

One module per benchmark; ``base.py`` holds ``BenchmarkDataModule`` (the shared policy: file
arguments relative to ``root``, a split without records raises naming its file, missing videos
raise or are skipped, counted and logged). Every class is re-exported here, so recipes name them
``zoo.data.benchmarks.<Class>``; ``zoo export-world`` writes the world in each layout. The
README's dataset table lists them all (task, files read, splits, recipe).

Full definition: ``docs/data.md#benchmark-datamodules``.
"""

from zoo.data.benchmarks.activitynet_captions import ActivityNetCaptionsDataModule
from zoo.data.benchmarks.activitynet_qa import ActivityNetQADataModule
from zoo.data.benchmarks.base import (MISSING_VIDEOS, BenchmarkDataModule, answer_vocabulary,
                                      readable_class_name)
from zoo.data.benchmarks.charades_sta import CharadesSTADataModule
from zoo.data.benchmarks.didemo import DiDeMoDataModule
from zoo.data.benchmarks.hcstvg import HCSTVGDataModule
from zoo.data.benchmarks.hmdb51 import HMDB51DataModule
from zoo.data.benchmarks.kinetics import KineticsDataModule
from zoo.data.benchmarks.mmaction import VideoListDataModule
from zoo.data.benchmarks.msrvtt import MSRVTTDataModule
from zoo.data.benchmarks.msrvtt_qa import MSRVTTQADataModule, MSVDQADataModule
from zoo.data.benchmarks.msvd import MSVDDataModule
from zoo.data.benchmarks.qvhighlights import QVHighlightsDataModule
from zoo.data.benchmarks.nextqa import (NEXTOE_QUESTION_GROUPS, NEXTQA_QUESTION_GROUPS,
                                        NExTOEDataModule, NExTQADataModule)
from zoo.data.benchmarks.sthv2 import SthV2DataModule
from zoo.data.benchmarks.tao import BURSTDataModule, TAODataModule
from zoo.data.benchmarks.tgif_qa import TGIFQADataModule
from zoo.data.benchmarks.ucf101 import UCF101DataModule
from zoo.data.benchmarks.vatex import VATEXDataModule
from zoo.data.benchmarks.vidstg import VidSTGDataModule

__all__ = ["BenchmarkDataModule", "KineticsDataModule", "UCF101DataModule", "HMDB51DataModule",
           "SthV2DataModule", "VideoListDataModule", "MSRVTTDataModule", "MSVDDataModule",
           "DiDeMoDataModule", "VATEXDataModule", "ActivityNetCaptionsDataModule",
           "NExTQADataModule", "NExTOEDataModule", "MSRVTTQADataModule", "MSVDQADataModule",
           "TGIFQADataModule", "ActivityNetQADataModule", "CharadesSTADataModule",
           "HCSTVGDataModule", "VidSTGDataModule", "QVHighlightsDataModule",
           "TAODataModule", "BURSTDataModule",
           "readable_class_name", "answer_vocabulary", "MISSING_VIDEOS",
           "NEXTQA_QUESTION_GROUPS", "NEXTOE_QUESTION_GROUPS"]
