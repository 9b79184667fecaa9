"""The frozen copy two parts of zoo share (distillation's teacher, tracking's region teacher): out of
the state dict and the parameters, moved with its holder, its text features cached and bounded."""

import copy

import pytest
import torch
from torch import nn

from zoo.backbones import create_backbone
from zoo.backbones.frozen_copy import TEXT_CACHE_SIZE, FrozenCopies


class Holder(FrozenCopies, nn.Module):
    frozen_copy_names = ("_reference",)

    def __init__(self, backbone, text_tower=True):
        super().__init__()
        self.backbone = backbone
        self.hold_frozen_copy("_reference", backbone, text_tower=text_tower)


@pytest.fixture(scope="module")
def tiny():
    return create_backbone("tiny", pretrained=False)


def test_the_copy_is_frozen_equal_and_outside_the_module_tree(tiny):
    tiny = copy.deepcopy(tiny)  # this test moves the original's weights: not the shared fixture's
    holder = Holder(tiny)
    frozen = holder._reference
    assert frozen is not tiny and not frozen.training
    assert not any(p.requires_grad for p in frozen.parameters())
    assert not any(p is q for p in holder.parameters() for q in frozen.parameters())
    assert set(holder.state_dict()) == {f"backbone.{k}" for k in tiny.state_dict()}
    for name, tensor in frozen.state_dict().items():
        assert torch.equal(tensor, tiny.state_dict()[name])
    with torch.no_grad():
        next(tiny.parameters()).add_(1.0)  # the original trains; the copy does not follow
    assert not torch.equal(next(frozen.parameters()), next(tiny.parameters()))


def test_a_move_converts_the_copy_and_empties_the_text_cache(tiny):
    holder = Holder(tiny)
    first = holder.frozen_text("_reference", ["a red square.", "a blue circle."])
    assert first.shape == (2, tiny.embed_dim) and not first.requires_grad
    assert holder.frozen_text("_reference", ("a red square.", "a blue circle.")) is first
    assert holder.double() is holder
    assert all(p.dtype == torch.float64 for p in holder._reference.parameters())
    again = holder.frozen_text("_reference", ["a red square.", "a blue circle."])
    assert again is not first and again.dtype == torch.float64
    torch.testing.assert_close(again.float(), first)


def test_the_text_cache_keeps_the_latest_lists_only(tiny):
    holder = Holder(tiny)
    lists = [[f"caption {i}."] for i in range(TEXT_CACHE_SIZE + 1)]
    kept = [holder.frozen_text("_reference", texts) for texts in lists]
    assert holder.frozen_text("_reference", lists[-1]) is kept[-1]
    assert holder.frozen_text("_reference", lists[0]) is not kept[0]  # the oldest was dropped


def test_without_text_tower_release_and_unknown_names(tiny):
    holder = Holder(tiny, text_tower=False)
    assert tiny.has_text_tower and not holder._reference.has_text_tower
    holder.release_frozen_copy("_reference")
    assert holder._reference is None
    assert holder.float() is holder  # a released copy is skipped, not moved
    with pytest.raises(ValueError, match="does not list '_other'"):
        holder.hold_frozen_copy("_other", tiny)
