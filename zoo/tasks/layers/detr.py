"""A class-agnostic DETR-style set-prediction detector over one frame's patch tokens, and its loss.

Notation: F frames (any batch of frames: B clips × T frames flattened), N patch tokens per frame
on an ``h × w`` grid, C their width, W the decoder width, Q object queries, E the association
embedding width, G ground-truth boxes of a frame.

**Detector** (:class:`FrameDetector`, DETR, Carion et al. 2020, ``facebookresearch/detr``
``models/detr.py`` / ``models/transformer.py``, with the anchor boxes of DAB-DETR (Liu et al.
2022, ``IDEA-Research/DAB-DETR``), Deformable DETR's iterative box refinement and sigmoid
objectness — the additions that make DETR converge in a small budget):

- memory: the frame's tokens ``[F, N, C]`` through ``Linear(C, W)`` + LayerNorm; a fixed 2-D
  sine position embedding of the grid (DETR's ``PositionEmbeddingSine``, normalised) is added to
  the keys of every cross-attention (CLIP's tokens carry their own positions too);
- two-stage query selection (Deformable DETR's two-stage, DINO's mixed query selection): every
  token proposes an objectness and a box around its cell (``Linear + LayerNorm``, then
  ``Linear(W, 1)`` and ``MLP(W, W, 4)`` correcting the cell's anchor in logit space); the Q best
  proposals, detached, are the queries' first boxes, and each query's content is learned;
- ``layers`` pre-norm decoder blocks (self-attention among queries, cross-attention to the
  memory, MLP; positions added to queries and keys, never to values, as DETR). Before each block
  the query position is ``MLP(sine(box))`` of the query's current box (DAB-DETR); after it, the
  box head predicts a correction in logit space: ``box = sigmoid(logit(box.detach()) + Δ)``;
- heads shared by every block's output (DETR's auxiliary decoding): box ``MLP(W, W, 4)``
  (normalised ``(cx, cy, w, h)``; its last layer starts at zero, so every block starts from its
  input box); objectness ``Linear(W, 1)`` (a logit: object / no object, no category — categories
  come from the text tower; bias at the focal-loss prior 0.01); association ``MLP(W, W, E)``
  (an appearance embedding for the tracker, not normalised here).

**Loss** (:func:`detection_loss`; DETR's ``SetCriterion`` with Deformable DETR's focal
objectness, its defaults): per frame, the Hungarian algorithm
(:func:`~zoo.tasks.layers.matching.hungarian_match`) matches queries to ground-truth boxes with
cost ``objectness_weight · focal cost + l1_weight · L1(cxcywh) − giou_weight · GIoU``; the loss is
``objectness_weight · sigmoid focal loss`` (α 0.25, γ 2, over every query: matched = object)
``+ l1_weight · L1 + giou_weight · (1 − GIoU)`` (matched pairs), each summed and divided by the
number of ground-truth boxes in the batch; with ``aux_loss`` every decoder block's output is
matched and scored the same way, and so are the token proposals (Deformable DETR's two-stage
encoder loss); the losses are summed (DETR's deep supervision).
Boxes are normalised by the frame size (``[0, 1]``), as DETR's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import box_convert, generalized_box_iou, sigmoid_focal_loss

from zoo.tasks.layers.matching import hungarian_match

FOCAL_ALPHA = 0.25
FOCAL_GAMMA = 2.0


def sine_position_embedding(grid: tuple[int, int], width: int, temperature: float = 10000.0) -> Tensor:
    """DETR's normalised 2-D sine embedding of an ``h × w`` grid: ``[h * w, width]`` (row-major,
    as patch tokens), the first ``width / 2`` channels for y, the rest for x, each interleaving
    sin and cos of ``2π · position / temperature ** (2 ⌊i / 2⌋ / (width / 2))``."""
    if width % 4:
        raise ValueError(f"the sine position embedding needs a width divisible by 4, got {width}")
    h, w = grid
    half = width // 2
    y = (torch.arange(h, dtype=torch.float32) + 1) / h * 2 * math.pi
    x = (torch.arange(w, dtype=torch.float32) + 1) / w * 2 * math.pi
    dim_t = temperature ** (2 * (torch.arange(half) // 2) / half)

    def encode(pos: Tensor) -> Tensor:
        angles = pos[:, None] / dim_t
        return torch.stack((angles[:, 0::2].sin(), angles[:, 1::2].cos()), dim=2).flatten(1)

    ey, ex = encode(y), encode(x)                       # [h, half], [w, half]
    return torch.cat((ey[:, None].expand(h, w, half), ex[None].expand(h, w, half)), dim=-1).flatten(0, 1)


class MLP(nn.Sequential):
    """``depth`` Linear layers with ReLU between them (DETR's box head)."""

    def __init__(self, width: int, hidden: int, out: int, depth: int = 3):
        dims = [width] + [hidden] * (depth - 1) + [out]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
            layers.append(nn.Linear(a, b))
            if i < depth - 1:
                layers.append(nn.ReLU())
        super().__init__(*layers)


def box_position_embedding(boxes: Tensor, width: int, temperature: float = 10000.0) -> Tensor:
    """DAB-DETR's sine embedding of normalised boxes ``[..., 4]`` (cx, cy, w, h) -> ``[..., width]``:
    ``width / 4`` channels per coordinate, interleaved sin / cos of
    ``2π · value / temperature ** (2 ⌊i / 2⌋ / (width / 4))``."""
    quarter = width // 4
    dim_t = temperature ** (2 * (torch.arange(quarter, device=boxes.device) // 2) / quarter)
    angles = boxes[..., None] * 2 * math.pi / dim_t                 # [..., 4, quarter]
    return torch.stack((angles[..., 0::2].sin(), angles[..., 1::2].cos()), dim=-1).flatten(-3)


def inverse_sigmoid(x: Tensor, eps: float = 1e-5) -> Tensor:
    x = x.clamp(eps, 1 - eps)
    return torch.log(x / (1 - x))


class DecoderBlock(nn.Module):
    """DETR's pre-norm decoder layer with positions added to queries and keys only (never to the
    values): self-attention among the queries, cross-attention to the frame's tokens, MLP."""

    def __init__(self, width: int, num_heads: int, ffn_ratio: float, dropout: float):
        super().__init__()
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(width), nn.LayerNorm(width), nn.LayerNorm(width)
        self.self_attention = nn.MultiheadAttention(width, num_heads, dropout=dropout, batch_first=True)
        self.cross_attention = nn.MultiheadAttention(width, num_heads, dropout=dropout, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(width, int(width * ffn_ratio)), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(int(width * ffn_ratio), width))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, query_pos: Tensor, memory: Tensor, memory_pos: Tensor) -> Tensor:
        h = self.norm1(x)
        q = h + query_pos
        x = x + self.dropout(self.self_attention(q, q, h, need_weights=False)[0])
        h = self.norm2(x)
        x = x + self.dropout(self.cross_attention(h + query_pos, memory + memory_pos, memory,
                                                  need_weights=False)[0])
        return x + self.dropout(self.mlp(self.norm3(x)))


@dataclass
class Detections:
    """What the detector says about F frames, per decoder block (the last one is the answer).

    boxes      [L, F, Q, 4]  normalised ``(cx, cy, w, h)`` in [0, 1]
    logits     [L, F, Q]     objectness logits
    embeddings [L, F, Q, E]  association embeddings (not normalised)
    proposal_boxes [F, N, 4], proposal_logits [F, N]: the per-token proposals the queries were
                   selected from (two-stage; ``None`` when absent)
    """

    boxes: Tensor
    logits: Tensor
    embeddings: Tensor
    proposal_boxes: Optional[Tensor] = None
    proposal_logits: Optional[Tensor] = None

    def last(self) -> "Detections":
        """The final block's output, with the block dim kept (``L = 1``)."""
        return Detections(self.boxes[-1:], self.logits[-1:], self.embeddings[-1:])


def token_anchors(grid: tuple[int, int], cells: float = 2.0) -> Tensor:
    """``[h * w, 4]`` anchor boxes (cx, cy, w, h) of the tokens of an ``h × w`` grid (row-major):
    centred on the token's cell, ``cells`` cells wide and high (Deformable DETR's two-stage
    proposals)."""
    h, w = grid
    ys, xs = torch.meshgrid((torch.arange(h) + 0.5) / h, (torch.arange(w) + 0.5) / w, indexing="ij")
    return torch.stack((xs.flatten(), ys.flatten(), torch.full((h * w,), min(1.0, cells / w)),
                        torch.full((h * w,), min(1.0, cells / h))), dim=1)


class FrameDetector(nn.Module):
    """Object queries decoded over one frame's patch tokens (module docstring).

    Args:
        token_dim: C. grid: ``(h, w)`` of the tokens (N = h · w).
        num_queries: Q, the most objects per frame. width / num_layers / num_heads / ffn_ratio /
            dropout: the decoder. embedding_dim: E.
    """

    def __init__(self, token_dim: int, grid: tuple[int, int], num_queries: int = 16,
                 width: int = 256, num_layers: int = 3, num_heads: int = 8, ffn_ratio: float = 4.0,
                 dropout: float = 0.0, embedding_dim: int = 128):
        super().__init__()
        if num_queries < 1 or num_layers < 1:
            raise ValueError(f"num_queries and num_layers must be positive, got {num_queries}, {num_layers}")
        if width % num_heads or width % 4:
            raise ValueError(f"width {width} must be divisible by num_heads {num_heads} and by 4")
        self.grid = tuple(grid)
        self.width = width
        self.input = nn.Sequential(nn.Linear(token_dim, width), nn.LayerNorm(width))
        self.register_buffer("position", sine_position_embedding(self.grid, width), persistent=False)
        if num_queries > grid[0] * grid[1]:
            raise ValueError(f"num_queries ({num_queries}) cannot exceed the {grid[0] * grid[1]} tokens "
                             "the queries are selected from")
        self.content = nn.Embedding(num_queries, width)
        self.register_buffer("anchors", inverse_sigmoid(token_anchors(self.grid)), persistent=False)
        self.proposal = nn.Sequential(nn.Linear(width, width), nn.LayerNorm(width))
        self.proposal_objectness = nn.Linear(width, 1)
        self.proposal_box = MLP(width, width, 4)
        self.query_position = MLP(width, width, width, depth=2)
        self.blocks = nn.ModuleList(DecoderBlock(width, num_heads, ffn_ratio, dropout)
                                    for _ in range(num_layers))
        self.norm = nn.LayerNorm(width)
        self.box = MLP(width, width, 4)
        self.objectness = nn.Linear(width, 1)
        self.association = MLP(width, width, embedding_dim, depth=2)
        for head in (self.objectness, self.proposal_objectness):
            nn.init.constant_(head.bias, -math.log((1 - 0.01) / 0.01))  # prior 0.01 (focal loss)
        for head in (self.box, self.proposal_box):
            nn.init.zeros_(head[-1].weight)   # start from the input boxes (anchors)
            nn.init.zeros_(head[-1].bias)

    @property
    def num_queries(self) -> int:
        return self.content.num_embeddings

    def forward(self, tokens: Tensor) -> Detections:
        """``tokens [F, N, C]`` -> :class:`Detections` of every decoder block."""
        if tokens.dim() != 3 or tokens.shape[1] != self.position.shape[0]:
            raise ValueError(f"tokens must be [frames, {self.position.shape[0]} (grid {self.grid}), C], "
                             f"got {tuple(tokens.shape)}")
        frames = tokens.shape[0]
        memory = self.input(tokens)
        memory_pos = self.position.to(memory.dtype)[None]
        # two-stage: every token proposes a box around its cell and an objectness; the Q best
        # proposals (detached) are the queries' first boxes; contents are learned (DINO's mixed
        # query selection)
        proposals = self.proposal(memory)
        proposal_logits = self.proposal_objectness(proposals).squeeze(-1).float()
        proposal_boxes = (self.anchors + self.proposal_box(proposals).float()).sigmoid()
        top = proposal_logits.topk(self.num_queries, dim=1).indices
        selected = torch.gather(proposal_boxes, 1, top[..., None].expand(-1, -1, 4)).detach()
        x = self.content.weight.to(memory.dtype)[None].expand(frames, -1, -1)
        all_boxes, states = [], []
        for i, block in enumerate(self.blocks):
            # DAB-DETR: each block's query position is the embedding of its current box, and it
            # refines that box (Deformable DETR's iterative refinement, from the detached box)
            start = inverse_sigmoid(selected if i == 0 else all_boxes[-1].detach())
            query_pos = self.query_position(box_position_embedding(start.sigmoid(), self.width).to(memory.dtype))
            x = block(x, query_pos, memory, memory_pos)
            hidden = self.norm(x)
            boxes = (start.float() + self.box(hidden).float()).sigmoid()
            all_boxes.append(boxes)
            states.append(hidden)
        hidden = torch.stack(states)                    # [L, F, Q, W]
        return Detections(boxes=torch.stack(all_boxes), logits=self.objectness(hidden).squeeze(-1),
                          embeddings=self.association(hidden), proposal_boxes=proposal_boxes,
                          proposal_logits=proposal_logits)


@dataclass
class FrameTargets:
    """Ground truth of F frames: ``boxes[f]`` normalised ``(cx, cy, w, h)`` ``[G_f, 4]``, and any
    per-box values the caller wants back per match (e.g. track ids) in ``ids[f]`` ``[G_f]``."""

    boxes: list[Tensor]
    ids: list[Tensor]

    @property
    def num_boxes(self) -> int:
        return sum(len(b) for b in self.boxes)


def focal_cost(logits: Tensor) -> Tensor:
    """Deformable DETR's objectness matching cost per query ``[..., Q]``: the focal loss of
    calling it an object minus that of calling it background."""
    p = logits.sigmoid()
    negative = (1 - FOCAL_ALPHA) * p ** FOCAL_GAMMA * -(1 - p + 1e-8).log()
    positive = FOCAL_ALPHA * (1 - p) ** FOCAL_GAMMA * -(p + 1e-8).log()
    return positive - negative


def match(boxes: Tensor, logits: Tensor, targets: FrameTargets, weights: "LossWeights"
          ) -> list[tuple[Tensor, Tensor]]:
    """Hungarian matches ``(query indices, target indices)`` per frame for one block's
    ``boxes [F, Q, 4]`` and ``logits [F, Q]``."""
    with torch.no_grad():
        costs = []
        obj = focal_cost(logits.float())
        for f, gt in enumerate(targets.boxes):
            pred = boxes[f].float()
            gt = gt.float()
            cost = (weights.objectness * obj[f][:, None] + weights.l1 * torch.cdist(pred, gt, p=1)
                    - weights.giou * generalized_box_iou(box_convert(pred, "cxcywh", "xyxy"),
                                                         box_convert(gt, "cxcywh", "xyxy")))
            costs.append(cost)
    return hungarian_match(costs)


@dataclass
class LossWeights:
    """DETR's loss (and matching cost) weights, Deformable DETR's defaults."""

    objectness: float = 2.0
    l1: float = 5.0
    giou: float = 2.0


def block_loss(boxes: Tensor, logits: Tensor, targets: FrameTargets, weights: LossWeights,
               num_boxes: float) -> tuple[dict[str, Tensor], list[tuple[Tensor, Tensor]]]:
    """One decoder block's losses (``objectness``, ``l1``, ``giou``, unweighted, each divided by
    ``num_boxes``) and its matches."""
    matches = match(boxes, logits, targets, weights)
    frames = torch.cat([torch.full_like(q, f) for f, (q, _) in enumerate(matches)])
    queries = torch.cat([q for q, _ in matches])
    device = logits.device
    frames, queries = frames.to(device), queries.to(device)
    target_boxes = torch.cat([targets.boxes[f][t.to(device)] for f, (_, t) in enumerate(matches)]).float()
    objects = torch.zeros_like(logits, dtype=torch.float32)
    objects[frames, queries] = 1.0
    losses = {"objectness": sigmoid_focal_loss(logits.float(), objects, alpha=FOCAL_ALPHA,
                                               gamma=FOCAL_GAMMA, reduction="sum") / num_boxes}
    matched = boxes[frames, queries].float()
    if len(matched):
        losses["l1"] = F.l1_loss(matched, target_boxes, reduction="sum") / num_boxes
        giou = torch.diag(generalized_box_iou(box_convert(matched, "cxcywh", "xyxy"),
                                              box_convert(target_boxes, "cxcywh", "xyxy")))
        losses["giou"] = (1 - giou).sum() / num_boxes
    else:
        losses["l1"] = losses["giou"] = boxes.sum() * 0.0
    return losses, matches


def detection_loss(detections: Detections, targets: FrameTargets, weights: LossWeights,
                   aux_loss: bool = True) -> tuple[Tensor, dict[str, Tensor], list[tuple[Tensor, Tensor]]]:
    """The weighted DETR loss of every block (``aux_loss``) or the last; returns the total, the
    unweighted parts of the last block (for logging), and the last block's matches."""
    num_boxes = float(max(targets.num_boxes, 1))
    blocks = range(detections.boxes.shape[0]) if aux_loss else [detections.boxes.shape[0] - 1]
    outputs = [(detections.boxes[layer], detections.logits[layer]) for layer in blocks]
    if aux_loss and detections.proposal_boxes is not None:  # Deformable DETR's encoder loss
        outputs.insert(0, (detections.proposal_boxes, detections.proposal_logits))
    total = detections.boxes.new_zeros((), dtype=torch.float32)
    parts: dict[str, Tensor] = {}
    matches: list = []
    for boxes, logits in outputs:
        parts, matches = block_loss(boxes, logits, targets, weights, num_boxes)
        total = total + (weights.objectness * parts["objectness"] + weights.l1 * parts["l1"]
                         + weights.giou * parts["giou"])
    return total, parts, matches


def normalised_targets(boxes: Sequence[Tensor], ids: Sequence[Tensor], size: tuple[int, int]) -> FrameTargets:
    """Frames' ground truth from xyxy pixel boxes ``[G_f, 4]`` of an ``(H, W)`` frame (boxes of
    zero width or height are dropped: they have no extent to regress)."""
    height, width = size
    scale = torch.tensor([width, height, width, height], dtype=torch.float32)
    out_boxes, out_ids = [], []
    for b, i in zip(boxes, ids):
        b = b.float()
        keep = (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
        out_boxes.append(box_convert(b[keep] / scale.to(b.device), "xyxy", "cxcywh").clamp(0, 1))
        out_ids.append(i[keep])
    return FrameTargets(out_boxes, out_ids)


def pixel_boxes(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Normalised ``(cx, cy, w, h)`` ``[..., 4]`` -> xyxy pixels of an ``(H, W)`` frame, clipped."""
    height, width = size
    xyxy = box_convert(boxes.float(), "cxcywh", "xyxy").clamp(0, 1)
    return xyxy * xyxy.new_tensor([width, height, width, height])


__all__ = ["FrameDetector", "Detections", "FrameTargets", "LossWeights", "detection_loss",
           "normalised_targets", "pixel_boxes", "sine_position_embedding", "focal_cost", "match"]
