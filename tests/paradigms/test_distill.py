"""Residual feature distillation (FROSTER): the student trains, the frozen teacher is never saved,
never optimised and never needed at inference; the loss checked by hand."""

import copy

import pytest
import torch
import torch.nn.functional as F

from trainability import check_one_step
from zoo.backbones import create_backbone
from zoo.paradigms import create_video_text_model
from zoo.paradigms.distill import ResidualProjection
from zoo.factory import create_model

TEXTS = ["a video of red.", "a video of blue.", "a video of green."]
TINY_CLIP = 8_992_385  # every parameter of the tiny CLIP (both towers, token embedding, logit_scale)


@pytest.fixture(scope="module")
def tiny():
    return create_backbone("tiny", pretrained=False)


@pytest.fixture
def model(tiny):
    return create_video_text_model("distill", copy.deepcopy(tiny), num_frames=2)


def clip(b=2, t=2):
    return torch.randn(b, t, 3, 64, 64)


def losses_of(model, video, texts=TEXTS):
    model.train()  # the teacher runs in training mode only
    features = model.encode_video(video)
    text_features = F.normalize(model.encode_text(texts), dim=-1)
    return model.auxiliary_losses(features, texts, text_features)


def perturb_student(model, scale=0.05):
    with torch.no_grad():
        model.backbone.visual.proj.add_(scale * torch.randn_like(model.backbone.visual.proj))
        model.backbone.clip.text_projection.add_(scale * torch.randn_like(model.backbone.clip.text_projection))


def test_student_is_all_of_clip_plus_two_projectors(model, tiny):
    d = 128
    expected = {f"backbone.clip.{n}" for n, _ in tiny.clip.named_parameters()}
    expected |= {f"{side}_projector.mlp.{i}.weight" for side in ("video", "text") for i in (0, 2)}
    assert {n for n, _ in model.trainable_parameters()} == expected
    assert model.parameter_counts() == {"trainable": TINY_CLIP + 2 * 2 * d * d,
                                        "total": TINY_CLIP + 2 * 2 * d * d, "added": 2 * 2 * d * d}
    assert model.distill_weight == 2.0 and model.extra_config() == {"distill_weight": 2.0}


def test_vitb16_counts():
    """FROSTER trains all of CLIP ViT-B/16 (149,620,737) + projector_v/t (2 × 2 × 512², no bias)."""
    model = create_video_text_model("distill", "vitb16", backbone_pretrained=False)
    assert model.parameter_counts() == {"trainable": 149_620_737 + 1_048_576,
                                        "total": 149_620_737 + 1_048_576, "added": 1_048_576}


def test_residual_projection_by_hand():
    g = ResidualProjection(8)
    f = torch.randn(5, 8)
    assert torch.equal(g(f), f)  # zero-initialised last layer: the identity
    assert [tuple(p.shape) for p in g.parameters()] == [(8, 8), (8, 8)]
    with torch.no_grad():
        g.mlp[2].weight.normal_()
    w1, w2 = g.mlp[0].weight, g.mlp[2].weight
    assert torch.allclose(g(f), f + 0.1 * F.gelu(f @ w1.t()) @ w2.t(), atol=1e-6)


def test_teacher_is_never_saved_nor_optimised(model, tiny):
    student_keys = {f"backbone.{k}" for k in tiny.state_dict()}
    projector_keys = {f"{side}_projector.mlp.{i}.weight" for side in ("video", "text") for i in (0, 2)}
    assert set(model.state_dict()) == student_keys | projector_keys
    assert set(model.delta_state_dict()) == student_keys | projector_keys
    teacher_ids = {id(p) for p in model.teacher.parameters()}
    assert teacher_ids and not teacher_ids & {id(p) for p in model.parameters()}
    assert not any(p.requires_grad for p in model.teacher.parameters())
    for name, tensor in tiny.state_dict().items():  # the teacher is the original CLIP
        assert torch.equal(model.teacher.state_dict()[name], tensor)


def test_zero_at_init_positive_after_the_student_moves_and_by_hand(model, tiny):
    video = clip()
    at_init = losses_of(model, video)
    assert set(at_init) == {"distill_video", "distill_text"}
    assert all(abs(v.item()) < 1e-6 for v in at_init.values())  # student == teacher, g = identity

    perturb_student(model)
    with torch.no_grad():
        moved = losses_of(model, video)
        student = torch.stack([model.backbone.encode_image(video[:, t]) for t in range(2)], dim=1)
        teacher = torch.stack([tiny.encode_image(video[:, t]) for t in range(2)], dim=1)
        video_term = 2.0 * (1 - F.cosine_similarity(student, teacher, dim=-1)).mean()
        text_term = 2.0 * (1 - F.cosine_similarity(model.backbone.encode_text(TEXTS),
                                                     tiny.encode_text(TEXTS), dim=-1)).mean()
    assert moved["distill_video"].item() > 1e-4 and moved["distill_text"].item() > 1e-4
    assert torch.allclose(moved["distill_video"], video_term, rtol=1e-4, atol=1e-7)
    assert torch.allclose(moved["distill_text"], text_term, rtol=1e-4, atol=1e-7)


def test_weight_scales_the_loss_exactly(model):
    perturb_student(model)
    video = clip()
    with torch.no_grad():
        base = losses_of(model, video)
        model.distill_weight = 3.0
        scaled = losses_of(model, video)
    for name in base:
        assert torch.allclose(scaled[name], base[name] * 1.5, rtol=1e-6)
    model.distill_weight = 0.0
    assert all(v.item() == 0 for v in losses_of(model, video).values())


def test_projectors_apply_to_the_normalised_student(model):
    perturb_student(model)
    with torch.no_grad():
        model.video_projector.mlp[2].weight.normal_(std=0.1)
        video = clip()
        features = model.encode_video(video)
        teacher = model.teacher.encode_frames(video).embeddings
        expected = 2.0 * (1 - F.cosine_similarity(model.video_projector(F.normalize(features.frames, dim=-1)),
                                                  teacher, dim=-1)).mean()
        got = model.auxiliary_losses(features)
    assert set(got) == {"distill_video"}  # no texts encoded, no text term
    assert torch.allclose(got["distill_video"], expected, rtol=1e-5)


@pytest.mark.filterwarnings("ignore:You are trying to `self.log")
def test_training_step_gradients_and_one_step(tiny):
    """Through the task: the distillation terms join the loss; every trainable parameter gets a
    gradient (once the student and the projectors are off their initial point), the teacher none,
    and one step moves the student and the projectors but not the teacher."""
    task = create_model("distill_recognition_tiny", num_frames=2,
                           class_names=["red", "blue", "green"], head="text")
    model = task.model
    perturb_student(model)
    with torch.no_grad():
        for projector in (model.video_projector, model.text_projector):
            projector.mlp[2].weight.normal_(std=0.02)
    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    batch = {"video": clip(), "label": torch.tensor([0, 2]), "video_id": ["a", "b"]}
    loss = task.training_step(batch, 0)
    check_one_step(model, loss)
    assert all(p.grad is None for p in model.teacher.parameters())
    for name, tensor in model.teacher.state_dict().items():
        assert torch.equal(tensor, teacher_before[name])


def test_inference_never_touches_the_teacher(model):
    video = clip()
    model.eval()
    with torch.no_grad():
        expected_video, expected_text = model.encode_video(video).video, model.encode_text(TEXTS)

    class Poison:
        def __getattr__(self, name):
            raise AssertionError(f"inference touched the teacher ({name})")

    teacher = model.teacher
    object.__setattr__(model, "_teacher", Poison())
    with torch.no_grad():
        assert torch.equal(model.encode_video(video).video, expected_video)
        assert torch.equal(model.encode_text(TEXTS), expected_text)
    object.__setattr__(model, "_teacher", teacher)
    model.release_teacher()
    with torch.no_grad():
        assert torch.equal(model.encode_video(video).video, expected_video)
        with pytest.raises(RuntimeError, match="training mode only"):
            model.auxiliary_losses(model.encode_video(video))
    with pytest.raises(RuntimeError, match="teacher was released"):
        losses_of(model, video)


def test_teacher_follows_the_model_across_dtypes_and_devices(model):
    model.double()
    assert all(p.dtype == torch.float64 for p in model.teacher.parameters())
    video = clip().double()
    assert all(abs(v.item()) < 1e-9 for v in losses_of(model, video).values())
    if torch.cuda.is_available():
        model.float().cuda()
        assert all(p.is_cuda for p in model.teacher.parameters())
        assert all(v.is_cuda for v in losses_of(model, clip().cuda()).values())


def test_teacher_text_features_are_cached_per_text_list(model):
    first = model.teacher_text(TEXTS)
    assert model.teacher_text(list(TEXTS)) is first
    assert model.teacher_text(TEXTS[:2]).shape == (2, 128)
    assert torch.equal(model.teacher_text(TEXTS), first)


def test_bad_input(model, tiny):
    video = clip()
    features = model.train().encode_video(video)
    text_features = model.encode_text(TEXTS)
    with pytest.raises(ValueError, match="needs the texts behind text_features"):
        model.auxiliary_losses(features, None, text_features)
    with pytest.raises(ValueError, match="needs the texts behind text_features"):
        model.auxiliary_losses(features, TEXTS[:2], text_features)
    features.extras["teacher_frames"] = features.extras["teacher_frames"][:1]
    with pytest.raises(ValueError, match="do not match the student frames"):
        model.auxiliary_losses(features)
    with pytest.raises(ValueError, match="distill_weight must be non-negative"):
        create_video_text_model("distill", tiny, distill_weight=-1.0)


def test_to_returns_the_model_and_moves_the_teacher(model):
    """``model.to(dtype)`` returns the model itself (what ``nn.Module.to`` promises, so chained
    calls work) and converts the frozen teacher with it."""
    assert model.to(torch.float64) is model
    assert model.backbone.visual.proj.dtype == torch.float64
    assert all(p.dtype == torch.float64 for p in model._teacher.parameters())
    assert model.float() is model


def test_a_closed_set_head_drops_the_student_and_teacher_text_towers():
    """Distillation needs no text by itself (``uses_text`` is False): under a linear recognition
    head neither the student nor the teacher keeps a text tower, and training still runs the
    feature term; under a text head both keep theirs."""
    from zoo.tasks import RecognitionTask

    spec = {"paradigm": "distill", "backbone": "tiny", "backbone_pretrained": False, "num_frames": 2}
    linear = RecognitionTask(model=spec, class_names=["a", "b"], head="linear")
    assert linear.model.uses_text is False
    assert not linear.model.has_text_tower
    assert linear.model._teacher is None or not linear.model._teacher.has_text_tower
    linear.train()
    features = linear.encode_video(clip())
    assert "distill" in " ".join(linear.model.auxiliary_losses(features))
    assert not linear.model._teacher.has_text_tower
    text = RecognitionTask(model=spec, class_names=["a", "b"], head="text")
    assert text.model.has_text_tower
