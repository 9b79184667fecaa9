"""A frozen copy of the foundation model, carried by a module but never saved or optimised.

Two parts of zoo need the backbone as it was before training, beside the one that trains: the
distillation teacher (:mod:`zoo.paradigms.distill`, FROSTER) and open-vocabulary tracking's region
teacher (:mod:`zoo.tasks.tracking`, ViLD). :class:`FrozenCopies` is what they share:

- :meth:`~FrozenCopies.hold_frozen_copy` deep-copies the backbone (``requires_grad`` off, eval
  mode) into a *plain* attribute, not a submodule: it is in neither ``state_dict()`` nor
  ``parameters()``, so no checkpoint stores it and no optimiser updates it;
- ``.to()`` / ``.cuda()`` / ``.half()`` still move and convert it with its holder (``_apply``);
- :meth:`~FrozenCopies.frozen_text` encodes texts with a copy's own text tower under
  ``no_grad``, caching the last few lists of texts (class prompts repeat every step; captions do
  not, so the cache is bounded). A move, or dropping a copy's text tower, empties it.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import ClassVar, Optional, Sequence

import torch
from torch import nn

from zoo.backbones.clip import Backbone

#: How many lists of texts :meth:`FrozenCopies.frozen_text` keeps (e.g. training's base classes
#: and validation's full vocabulary, per copy).
TEXT_CACHE_SIZE = 4


class FrozenCopies:
    """Mixin for an ``nn.Module`` that holds frozen copies of a backbone (module docstring). List
    the attribute names in ``frozen_copy_names``; an attribute may hold ``None`` (no copy built,
    or released)."""

    frozen_copy_names: ClassVar[tuple[str, ...]] = ()

    def hold_frozen_copy(self, name: str, backbone: Backbone, *, text_tower: bool = True) -> Backbone:
        """Store a frozen deep copy of ``backbone`` as attribute ``name`` (one of
        ``frozen_copy_names``); ``text_tower=False`` drops the copy's text tower (a copy that only
        compares image embeddings). Returns the copy."""
        if name not in self.frozen_copy_names:
            raise ValueError(f"{type(self).__name__}.frozen_copy_names does not list {name!r}")
        frozen = copy.deepcopy(backbone).requires_grad_(False).eval()
        if not text_tower and frozen.has_text_tower:
            frozen.drop_text_tower()
        object.__setattr__(self, name, frozen)  # a plain attribute: never saved, never optimised
        self.forget_frozen_text()
        return frozen

    def release_frozen_copy(self, name: str) -> None:
        """Free a copy (inference does not need it)."""
        object.__setattr__(self, name, None)
        self.forget_frozen_text()

    def frozen_text(self, name: str, texts: Sequence[str]) -> torch.Tensor:
        """``[N, D]`` text features of ``texts`` by copy ``name``'s own text tower, cached per
        list of texts (the same tensor object while the entry lives)."""
        frozen: Optional[Backbone] = getattr(self, name)
        key = (name, tuple(texts))
        cache = self._frozen_text_cache()
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        with torch.no_grad():
            features = frozen.encode_text(list(texts))
        cache[key] = features
        while len(cache) > TEXT_CACHE_SIZE:
            cache.popitem(last=False)
        return features

    def forget_frozen_text(self) -> None:
        """Empty :meth:`frozen_text`'s cache (a copy changed: moved, converted, lost its text tower)."""
        object.__setattr__(self, "_frozen_texts", OrderedDict())

    def _frozen_text_cache(self) -> "OrderedDict[tuple, torch.Tensor]":
        if getattr(self, "_frozen_texts", None) is None:
            self.forget_frozen_text()
        return self._frozen_texts

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        for name in self.frozen_copy_names:
            frozen: Optional[nn.Module] = getattr(self, name, None)
            if frozen is not None:
                frozen._apply(fn, *args, **kwargs)
        self.forget_frozen_text()
        return self
