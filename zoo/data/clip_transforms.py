"""``create_transforms``: the clip sampler and frame transform of a model, from its stored config.

    model = zoo.from_pretrained("postnet_recognition_tiny.world_8f")
    transforms = zoo.create_transforms(model)              # test protocol: 1 clip x 1 centre crop
    video = transforms(frames)                              # uint8 [N, H, W, 3] -> [V, T, 3, h, w]
    probs = model(video[None])

Nothing here knows a mean, std, size or frame count: they come from the checkpoint's
``preprocessing`` block (``config.json``), or from ``model.preprocess`` for a model built in
Python, so transforms always match the weights (open_clip #1068).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Union

import numpy as np
import torch

from zoo.data.sampling import ClipSampler, preprocessing_sampler
from zoo.data.transforms import VideoTransform


@dataclass
class ClipTransforms:
    """A clip sampler (which frames) and a frame transform (how they look to the model).

    It also unpacks as the pair, as zoo 0.1's ``create_transforms`` returned it:
    ``sampler, transform = zoo.create_transforms(model)``.
    """

    sampler: ClipSampler
    transform: VideoTransform

    def __iter__(self) -> Iterator[Any]:
        """``(sampler, transform)``."""
        return iter((self.sampler, self.transform))

    @property
    def num_views(self) -> int:
        """V = clips × crops."""
        return self.sampler.num_views * self.transform.num_views

    def __call__(self, frames: Union[np.ndarray, torch.Tensor],
                 rng: Optional[np.random.Generator] = None, fps: Optional[float] = None) -> torch.Tensor:
        """All decoded frames of a video, uint8 ``[N, H, W, 3]`` -> ``[V, T, 3, h, w]`` (views of
        clip 0 first; a clip's crops adjacent). ``fps``: the frames' rate, which samplers that
        work in seconds (``clip_length``) need."""
        views = []
        for indices in self.sampler(len(frames), rng, fps=fps):
            clip = self.transform(frames[indices], rng=rng).video
            views.extend(clip if self.transform.crops > 1 else [clip])
        return torch.stack(views)


def stored_preprocessing(source: Any) -> dict:
    """The preprocessing dict of a task / paradigm model / pretrained reference / dict."""
    if isinstance(source, Mapping):
        return dict(source.get("preprocessing", source))
    config = getattr(source, "pretrained_config", None)
    if config is not None:
        return dict(config["preprocessing"])
    if hasattr(source, "preprocess"):
        return dict(source.preprocess)
    if isinstance(source, (str, Path)):
        from zoo.hub.load import resolve_config

        return dict(resolve_config(str(source))["preprocessing"])
    raise TypeError(f"create_transforms takes a model, a pretrained reference (folder, "
                    f"'hf-hub:org/name', 'arch.tag') or a preprocessing dict, got {type(source).__name__}")


def create_transforms(source: Any, train: bool = False, clips: int = 1, crops: int = 1,
                      **transform_args) -> ClipTransforms:
    """The sampler + transform for ``source``'s preprocessing.

    Args:
        source: a task module or paradigm model, a pretrained reference (local folder,
            ``hf-hub:org/name[@rev]``, ``arch.tag``; only ``config.json`` is read), or a
            preprocessing dict (``mean``, ``std``, ``size``, ``num_frames``, ``sampling``, ...).
        train: training sampling and random crops (draws need an ``rng``).
        clips / crops: the test-time views (temporal clips × spatial crops).
        transform_args: ``flip`` / ``scale_range`` for training augmentation.
    """
    preprocess = stored_preprocessing(source)
    if "num_frames" not in preprocess:
        raise KeyError(f"preprocessing has no num_frames (keys: {sorted(preprocess)})")
    sampler = preprocessing_sampler(preprocess, clips=clips, train=train)
    transform = VideoTransform(preprocess, train=train, crops=crops, **transform_args)
    return ClipTransforms(sampler, transform)
