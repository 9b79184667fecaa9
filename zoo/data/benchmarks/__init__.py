"""Datamodules of the real benchmarks: their annotation files (``zoo.data.formats``) + video files.

One module per benchmark; ``base.py`` holds ``BenchmarkDataModule`` (the shared policy: file
arguments relative to ``root``, a split without records raises naming its file, missing videos
raise or are skipped, counted and logged). Every class is re-exported here, so recipes name them
``zoo.data.benchmarks.<Class>``. ``zoo export-world`` writes the synthetic world in several of
these layouts (``zoo.data.world.export``).

Each datamodule takes the dataset's ``root`` and defaults every file argument to the benchmark's
conventional layout under it (a relative file argument is joined onto ``root``; an absolute one
is kept), so ``zoo fit --config configs/retrieval/msrvtt/lora.yaml --data.init_args.root
/data/msrvtt`` is all a user with the standard layout types.

================================== ==========================================================
recognition
``KineticsDataModule``             ``annotations/{train,val,test}.csv``, videos
                                   ``{train,val,test}/<ytid>_<s:06d>_<e:06d>.mp4`` (or class
                                   folders: ``label_folders``); missing videos skipped
``UCF101DataModule``               ``ucfTrainTestlist/`` official split 1-3, videos
                                   ``UCF-101/<Class>/<name>.avi``; val = test list
``HMDB51DataModule``               ``testTrainMulti_7030_splits/<class>_test_split<k>.txt``,
                                   videos ``hmdb51_org/<class>/<name>.avi``; val = test
``SthV2DataModule``                Something-Something v2 ``labels/*.json``, videos
                                   ``20bn-something-something-v2/<id>.webm``; test = validation
``VideoListDataModule``            **any other recognition dataset**: mmaction2's generic
                                   ``"<path> <label>"`` lists (space or comma, multi-label)
retrieval / captioning
``MSRVTTDataModule``               ``msrvtt_data/`` (CLIP4Clip's zip), 1k-A (9k or 7k train)
                                   or official splits; videos ``videos/all/video<N>.mp4``
``MSVDDataModule``                 ``AllVideoDescriptions.txt`` (or a JSON copy of
                                   ``raw-captions.pkl``) + ``msvd_data/*_list.txt`` or
                                   ``youtube_mapping.txt``; videos ``YouTubeClips/<clip>.avi``
``DiDeMoDataModule``               ``data/{train,val,test}_data.json``; paragraph retrieval or
                                   per-sentence moments; videos ``videos/<flickr file>``
``VATEXDataModule``                ``vatex_{training,validation}_v1.0.json``, public test
                                   v1.1; videos ``videos/<ytid>_<s:06d>_<e:06d>.mp4``
``ActivityNetCaptionsDataModule``  ``captions/{train,val_1,val_2}.json``; paragraph retrieval
                                   (test = val_1) or per-sentence segments (test = val_2)
question answering
``MSRVTTQADataModule``             open-ended ``{train,val,test}_qa.json``, MSR-VTT videos
``MSVDQADataModule``               same format, videos ``video/vid<N>.avi`` or, through
                                   ``youtube_mapping.txt``, ``YouTubeClips/<clip>.avi``
``NExTQADataModule``               multiple choice ``dataset/nextqa/{train,val,test}.csv``,
                                   videos ``NExTVideo/<dir>/<id>.mp4`` via ``map_vid_vidorID.json``
``NExTOEDataModule``               NExT-QA open-ended (NExT-OE) CSVs, same videos
``TGIFQADataModule``               ``dataset/{Train,Test}_<task>_question.csv`` (action,
                                   transition, frameqa, count), videos ``gifs/<name>.gif``
``ActivityNetQADataModule``        ``dataset/<split>_{q,a}.json``, videos ``videos/v_<id>.mp4``
temporal grounding
``CharadesSTADataModule``          ``charades_sta_{train,test}.txt`` + ``Charades_duration.json``,
                                   videos ``Charades_v1_480/<vid>.mp4``; val = test file
``QVHighlightsDataModule``         ``data/highlight_{train,val,test}_release.jsonl``, videos
                                   ``videos/<vid>.mp4``; val = test = the val file (the
                                   test file has no labels); 2-s saliency clips
spatio-temporal grounding
``HCSTVGDataModule``               HC-STVG v1 ``anno/{train,test}.json`` or v2
                                   ``anno/{trainv2,valv2}.json``; videos
                                   ``video/<part>/<name>.mp4``; val = test file
``VidSTGDataModule``               ``annotations/{train,val,test}_annotations.json`` + VidOR
                                   ``vidor/{training,validation}/<dir>/<vid>.json``; videos
                                   ``video/<dir>/<vid>.mp4``; one item per sentence
open-vocabulary tracking
``TAODataModule``                  ``annotations/{train,validation}.json``, frame folders
                                   ``frames/<video name>/``; test = validation; annotated frames
``BURSTDataModule``                ``annotations/{train/train,val/all_classes,test/all_classes}
                                   .json``, frame folders ``frames/<split>/<dataset>/<seq>/``
================================== ==========================================================

(DiDeMo and ActivityNet Captions also serve grounding with ``granularity="sentence"``.)

Missing videos (a row whose file is not on disk) are found when a split's records are first
built, before any batch: ``missing_videos="raise"`` (the default for datasets distributed with
their videos) raises ``FileNotFoundError`` naming the count and the first files; ``"skip"`` (the
default for Kinetics, VATEX, DiDeMo, ActivityNet Captions and ActivityNet-QA, whose YouTube /
Flickr sources lose videos) leaves those rows out, logs one warning with the count on the
``zoo.data`` logger and keeps them in ``datamodule.missing[split]``. A split with no video at
all raises either way (a wrong ``root`` or ``video_dir``), and a split whose annotation file has
no record raises ``AnnotationError`` naming the file. Videos that exist but do not decode follow
``on_error`` (``raise`` or ``skip`` and count; see ``zoo.data.datasets``).

``dataset_info()`` gives the task what depends on the data: ``class_names`` (Kinetics: the label
map, else ``sorted(set(train labels))`` as mmaction2; UCF101 / HMDB51: made readable), answer
vocabularies (top-K training answers) and question types of the QA sets, NExT-QA's question
types and groups.
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
