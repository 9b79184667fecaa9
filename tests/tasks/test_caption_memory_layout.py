"""The caption decoder's memory, row by row, against its documented layout: ``T * N`` patch
tokens (frame-major), then ``T`` frame tokens, then the clip token, each ``LayerNorm(projection +
position)`` where frame ``t``'s patches and frame token carry frame position ``t`` and the clip
token its own embedding. Written out here with plain tensor ops, not through the module."""

import torch
import torch.nn.functional as F

from zoo.tasks.layers.caption_decoder import CaptionDecoder

C, D, W, T, N = 4, 3, 8, 3, 2


def decoder():
    torch.manual_seed(0)
    module = CaptionDecoder(C, D, vocab_size=11, context_length=5, max_frames=T, width=W, num_layers=1,
                            num_heads=2, dropout=0.0)
    with torch.no_grad():  # visible positions and a non-trivial norm
        module.frame_position_embedding.copy_(torch.randn(T, W))
        module.clip_token_embedding.copy_(torch.randn(W))
        module.memory_norm.weight.copy_(torch.rand(W) + 0.5)
        module.memory_norm.bias.copy_(torch.randn(W))
    return module.eval()


def norm(module, x):
    return F.layer_norm(x, (W,), module.memory_norm.weight, module.memory_norm.bias, module.memory_norm.eps)


def test_memory_rows_follow_the_documented_layout():
    module = decoder()
    tokens, frames, video = torch.randn(2, T, N, C), torch.randn(2, T, D), torch.randn(2, D)
    with torch.no_grad():
        memory = module.memory(tokens, frames, video)
        assert memory.shape == (2, T * N + T + 1, W)
        mp, ep = module.memory_projection, module.embedding_projection
        positions = module.frame_position_embedding
        for b in range(2):
            for t in range(T):
                for n in range(N):
                    expected = norm(module, tokens[b, t, n] @ mp.weight.T + mp.bias + positions[t])
                    torch.testing.assert_close(memory[b, t * N + n], expected)
                expected = norm(module, frames[b, t] @ ep.weight.T + ep.bias + positions[t])
                torch.testing.assert_close(memory[b, T * N + t], expected)
            expected = norm(module, video[b] @ ep.weight.T + ep.bias + module.clip_token_embedding)
            torch.testing.assert_close(memory[b, -1], expected)


def test_the_same_patch_in_two_frames_is_told_apart_by_its_frame_position():
    module = decoder()
    patch = torch.randn(C)
    tokens = patch.expand(1, T, N, C).clone()  # every patch of every frame identical
    with torch.no_grad():
        memory = module.memory(tokens, torch.zeros(1, T, D), torch.zeros(1, D))
    rows = memory[0, :T * N].reshape(T, N, W)
    assert torch.equal(rows[0, 0], rows[0, 1])  # same frame, same patch: same row
    for t in range(1, T):
        assert not torch.allclose(rows[t, 0], rows[0, 0], atol=1e-3)  # another frame: another row
