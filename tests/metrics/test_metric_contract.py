"""What each zoo metric class tells torchmetrics about itself, checked against what it measures:
``higher_is_better`` is what tools that pick the best epoch read (torchmetrics' ``MetricTracker``,
plotting, sweeps)."""

import pytest

from zoo.metrics.cider import CIDErD
from zoo.metrics.coco_caption import CocoBLEU, CocoROUGEL
from zoo.metrics.detection import FrameDetectionAP
from zoo.metrics.moments import HighlightMetrics, MomentMAP, MomentRecall
from zoo.metrics.retrieval import RetrievalMetrics
from zoo.metrics.teta import TrackEveryThingAccuracy
from zoo.metrics.tubes import SpatioTemporalGrounding

#: Scores: more overlap, more matches, more n-grams shared -> better.
SCORES = [CIDErD, CocoBLEU, CocoROUGEL, FrameDetectionAP, HighlightMetrics, MomentMAP, MomentRecall,
          TrackEveryThingAccuracy, SpatioTemporalGrounding]


@pytest.mark.parametrize("metric_class", SCORES, ids=lambda c: c.__name__)
def test_scores_are_higher_is_better(metric_class):
    assert metric_class.higher_is_better is True


def test_retrieval_mixes_directions():
    """R@K is better higher, the median and mean rank lower: no single direction."""
    assert RetrievalMetrics.higher_is_better is None

