"""RetrievalMetrics builds its similarity in blocks of ``block_rows`` captions: every entry, in
every block (the first row of the first block included), is the float64 dot product of the stored
fp32 embeddings rounded once to fp32 — checked against that product written out here, for block
sizes that do and do not divide the number of captions."""

import pytest
import torch

from zoo.metrics.retrieval import RetrievalMetrics


@pytest.mark.parametrize("block_rows", [1, 2, 3, 7, 4096])
def test_every_entry_of_every_block_is_the_rounded_float64_product(block_rows):
    generator = torch.Generator().manual_seed(block_rows)
    texts = torch.nn.functional.normalize(torch.randn(7, 5, generator=generator), dim=-1)
    videos = torch.nn.functional.normalize(torch.randn(4, 5, generator=generator), dim=-1)
    metric = RetrievalMetrics()
    metric.block_rows = block_rows
    similarity = metric.cosine_similarity(texts, videos)
    expected = torch.tensor([[float(sum(float(a) * float(b) for a, b in zip(t, v))) for v in videos]
                             for t in texts], dtype=torch.float64).float()
    assert similarity.dtype == torch.float32 and similarity.shape == (7, 4)
    assert torch.equal(similarity, expected)


def test_a_caption_that_matches_its_video_exactly_ranks_first_whatever_the_block_size():
    videos = torch.eye(3)
    texts = torch.eye(3)  # caption i is video i
    for block_rows in (1, 2, 4096):
        metric = RetrievalMetrics()
        metric.block_rows = block_rows
        metric.update(videos, texts, torch.arange(3))
        values = metric.compute()
        assert float(values["t2v_r1"]) == 100.0 and float(values["v2t_r1"]) == 100.0, block_rows
        assert float(values["t2v_mnr"]) == 1.0
