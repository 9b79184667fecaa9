"""torch.hub entry points of zoo. GENERATED from checkpoints/index.json by `zoo sync`; do not edit.

    model = torch.hub.load("zoo-org/zoo:v0.1.0", "postnet_recognition_tiny", pretrained=True, trust_repo=True)

Weights load from the checkpoints shipped in the repository or from the Hugging Face Hub into the
Hugging Face cache ($HF_HUB_CACHE), not ~/.cache/torch/hub/checkpoints.
"""

import os as _os
import sys as _sys

# torch.hub imports this file from its code cache; make that checkout's `zoo` importable.
_REPO_DIR = _os.path.dirname(_os.path.abspath(__file__))
if _REPO_DIR not in _sys.path:
    _sys.path.insert(0, _REPO_DIR)

dependencies = ['torch', 'torchvision', 'numpy', 'yaml', 'open_clip', 'timm', 'huggingface_hub', 'safetensors', 'peft', 'lightning', 'torchmetrics']

from zoo.hub.torchhub import hub_entry as _hub_entry  # noqa: E402


def postnet_recognition_tiny(pretrained=False, tag=None, **overrides):
    """
    postnet_recognition_tiny: task recognition, paradigm postnet, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant seqtransf; mean_class 0.3696, order_dependent_top1 0.2949, order_independent_top1 0.4878, top1 0.3740, top5 0.9200 on world/test (8 frames × 2 clips × 1 crop); 798,474 trainable / 9,790,859 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("postnet_recognition_tiny", pretrained, tag, **overrides)


def side_recognition_tiny(pretrained=False, tag=None, **overrides):
    """
    side_recognition_tiny: task recognition, paradigm side, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant evl; mean_class 0.5393, order_dependent_top1 0.4746, order_independent_top1 0.6683, top1 0.5540, top5 0.9780 on world/test (8 frames × 2 clips × 1 crop); 2,138,314 trainable / 11,130,699 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("side_recognition_tiny", pretrained, tag, **overrides)


def adapter_recognition_tiny(pretrained=False, tag=None, **overrides):
    """
    adapter_recognition_tiny: task recognition, paradigm adapter, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant aim; mean_class 0.2950, order_dependent_top1 0.1390, order_independent_top1 0.5024, top1 0.2880, top5 0.9840 on world/test (8 frames × 2 clips × 1 crop); 227,914 trainable / 9,219,915 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("adapter_recognition_tiny", pretrained, tag, **overrides)


def lora_recognition_tiny(pretrained=False, tag=None, **overrides):
    """
    lora_recognition_tiny: task recognition, paradigm lora, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant qv; mean_class 0.1329, order_dependent_top1 0.0814, order_independent_top1 0.1951, top1 0.1280, top5 0.5240 on world/test (8 frames × 2 clips × 1 crop); 26,506 trainable / 9,018,891 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("lora_recognition_tiny", pretrained, tag, **overrides)


def prompt_recognition_tiny(pretrained=False, tag=None, **overrides):
    """
    prompt_recognition_tiny: task recognition, paradigm prompt, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant vpt; mean_class 0.1371, order_dependent_top1 0.0847, order_independent_top1 0.1951, top1 0.1300, top5 0.4880 on world/test (8 frames × 2 clips × 1 crop); 8,074 trainable / 9,000,459 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("prompt_recognition_tiny", pretrained, tag, **overrides)


def partial_recognition_tiny(pretrained=False, tag=None, **overrides):
    """
    partial_recognition_tiny: task recognition, paradigm partial, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant lastk; mean_class 0.1369, order_dependent_top1 0.0814, order_independent_top1 0.2049, top1 0.1320, top5 0.5500 on world/test (8 frames × 2 clips × 1 crop); 916,618 trainable / 8,994,315 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("partial_recognition_tiny", pretrained, tag, **overrides)


def adapter_retrieval_tiny(pretrained=False, tag=None, **overrides):
    """
    adapter_retrieval_tiny: task retrieval, paradigm adapter, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant aim; t2v_r1 7.0500, t2v_r5 25.8000, t2v_r10 38.7000, t2v_mdr 19.0000, t2v_mnr 50.6520, v2t_r1 5.9667, v2t_r5 27.8500, v2t_r10 41.4000, v2t_mdr 15.0000, v2t_mnr 59.8820 on world/test (8 frames × 2 clips × 1 crop); 225,984 trainable / 9,217,985 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("adapter_retrieval_tiny", pretrained, tag, **overrides)


def postnet_retrieval_tiny(pretrained=False, tag=None, **overrides):
    """
    postnet_retrieval_tiny: task retrieval, paradigm postnet, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant seqtransf; t2v_r1 1.6500, t2v_r5 8.9500, t2v_r10 15.2500, t2v_mdr 66.0000, t2v_mnr 93.7450, v2t_r1 1.2000, v2t_r5 3.7000, v2t_r10 11.2000, v2t_mdr 65.0000, v2t_mnr 95.1760 on world/test (8 frames × 2 clips × 1 crop); 797,184 trainable / 9,789,569 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("postnet_retrieval_tiny", pretrained, tag, **overrides)


def adapter_qa_tiny(pretrained=False, tag=None, **overrides):
    """
    adapter_qa_tiny: task qa, paradigm adapter, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant aim; acc 0.4128, acc_action 0.0600, acc_colour 0.4840, acc_count 0.7560, acc_direction 0.5380, acc_shape 0.2260, oov_rate 0.0000 on world/test (8 frames × 2 clips × 1 crop); 297,188 trainable / 9,289,189 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("adapter_qa_tiny", pretrained, tag, **overrides)


def lora_qa_tiny(pretrained=False, tag=None, **overrides):
    """
    lora_qa_tiny: task qa, paradigm lora, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant qv; acc 0.3608, acc_action 0.0160, acc_colour 0.3200, acc_count 0.8220, acc_direction 0.4860, acc_shape 0.1600, oov_rate 0.0000 on world/test (8 frames × 2 clips × 1 crop); 95,780 trainable / 9,088,165 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("lora_qa_tiny", pretrained, tag, **overrides)


def adapter_captioning_tiny(pretrained=False, tag=None, **overrides):
    """
    adapter_captioning_tiny: task captioning, paradigm adapter, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant aim; Bleu_1 0.4987, Bleu_2 0.3649, Bleu_3 0.2749, Bleu_4 0.2156, ROUGE_L 0.4444, CIDEr 0.9555 on world/test (8 frames × 2 clips × 1 crop); 802,112 trainable / 9,794,113 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("adapter_captioning_tiny", pretrained, tag, **overrides)


def postnet_captioning_tiny(pretrained=False, tag=None, **overrides):
    """
    postnet_captioning_tiny: task captioning, paradigm postnet, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant seqtransf; Bleu_1 0.4376, Bleu_2 0.3011, Bleu_3 0.2278, Bleu_4 0.1794, ROUGE_L 0.3884, CIDEr 0.5609 on world/test (8 frames × 2 clips × 1 crop); 1,373,312 trainable / 10,365,697 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("postnet_captioning_tiny", pretrained, tag, **overrides)


def postnet_tgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    postnet_tgrounding_tiny: task tgrounding, paradigm postnet, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_32f: variant seqtransf; r1_iou0.3 0.9627, r1_iou0.5 0.9238, r1_iou0.7 0.8063, miou 0.7957, map_iou0.5 0.9345, map_iou0.75 0.7562, map_avg 0.6836, hl_map 0.8337, hl_hit1 0.7976 on world/test (32 frames × 1 clip × 1 crop); 2,492,037 trainable / 11,484,422 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("postnet_tgrounding_tiny", pretrained, tag, **overrides)


def adapter_tgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    adapter_tgrounding_tiny: task tgrounding, paradigm adapter, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant aim; r1_iou0.3 0.9238, r1_iou0.5 0.7556, r1_iou0.7 0.4659, miou 0.6275, map_iou0.5 0.7684, map_iou0.75 0.3739, map_avg 0.4020, hl_map 0.7742, hl_hit1 0.7254 on world/test (8 frames × 1 clip × 1 crop); 1,920,837 trainable / 10,912,838 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("adapter_tgrounding_tiny", pretrained, tag, **overrides)


def side_tgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    side_tgrounding_tiny: task tgrounding, paradigm side, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant evl; r1_iou0.3 0.8897, r1_iou0.5 0.6690, r1_iou0.7 0.3151, miou 0.5791, map_iou0.5 0.6949, map_iou0.75 0.2673, map_avg 0.3341, hl_map 0.7879, hl_hit1 0.7310 on world/test (8 frames × 1 clip × 1 crop); 3,831,237 trainable / 12,823,622 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("side_tgrounding_tiny", pretrained, tag, **overrides)


def postnet_stgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    postnet_stgrounding_tiny: task stgrounding, paradigm postnet, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant seqtransf; m_tIoU 0.6099, m_vIoU 0.4108, vIoU@0.3 0.7106, vIoU@0.5 0.3513, m_gt_vIoU 0.6398 on world/test (8 frames × 1 clip × 1 crop); 1,708,550 trainable / 10,700,935 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("postnet_stgrounding_tiny", pretrained, tag, **overrides)


def side_stgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    side_stgrounding_tiny: task stgrounding, paradigm side, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant evl; m_tIoU 0.6003, m_vIoU 0.3728, vIoU@0.3 0.6327, vIoU@0.5 0.2655, m_gt_vIoU 0.5793 on world/test (8 frames × 1 clip × 1 crop); 3,047,750 trainable / 12,040,135 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("side_stgrounding_tiny", pretrained, tag, **overrides)


def adapter_stgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    adapter_stgrounding_tiny: task stgrounding, paradigm adapter, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant aim; m_tIoU 0.6000, m_vIoU 0.3907, vIoU@0.3 0.6727, vIoU@0.5 0.3154, m_gt_vIoU 0.6055 on world/test (8 frames × 1 clip × 1 crop); 1,137,350 trainable / 10,129,351 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("adapter_stgrounding_tiny", pretrained, tag, **overrides)


def postnet_tracking_tiny(pretrained=False, tag=None, **overrides):
    """
    postnet_tracking_tiny: task tracking, paradigm postnet, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant seqtransf; TETA 0.4657, LocA 0.4699, AssocA 0.5823, ClsA 0.3448, TETA_base 0.5018, LocA_base 0.5219, AssocA_base 0.6066, ClsA_base 0.3768, TETA_novel 0.3755, LocA_novel 0.3398, AssocA_novel 0.5216, ClsA_novel 0.2651, det_ap50 0.3563 on world/test (8 frames × 1 clip × 1 crop); 1,495,498 trainable / 10,487,883 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("postnet_tracking_tiny", pretrained, tag, **overrides)


def prompt_tracking_tiny(pretrained=False, tag=None, **overrides):
    """
    prompt_tracking_tiny: task tracking, paradigm prompt, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant vpt; TETA 0.4788, LocA 0.4655, AssocA 0.5886, ClsA 0.3823, TETA_base 0.5137, LocA_base 0.5287, AssocA_base 0.6206, ClsA_base 0.3919, TETA_novel 0.3914, LocA_novel 0.3074, AssocA_novel 0.5086, ClsA_novel 0.3583, det_ap50 0.3742 on world/test (8 frames × 1 clip × 1 crop); 704,458 trainable / 9,696,843 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("prompt_tracking_tiny", pretrained, tag, **overrides)


def partial_tracking_tiny(pretrained=False, tag=None, **overrides):
    """
    partial_tracking_tiny: task tracking, paradigm partial, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant lastk; TETA 0.4605, LocA 0.4545, AssocA 0.5764, ClsA 0.3506, TETA_base 0.5059, LocA_base 0.5182, AssocA_base 0.5975, ClsA_base 0.4020, TETA_novel 0.3471, LocA_novel 0.2953, AssocA_novel 0.5239, ClsA_novel 0.2221, det_ap50 0.3464 on world/test (8 frames × 1 clip × 1 crop); 1,613,002 trainable / 9,690,699 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("partial_tracking_tiny", pretrained, tag, **overrides)


def partial_tgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    partial_tgrounding_tiny: task tgrounding, paradigm partial, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant lastk; hl_hit1 0.7159, hl_map 0.7730, map_avg 0.3442, map_iou0.5 0.7689, map_iou0.75 0.2476, miou 0.5890, r1_iou0.3 0.8984, r1_iou0.5 0.7310, r1_iou0.7 0.3111 on world/test (8 frames × 1 clip × 1 crop); 2,609,541 trainable / 10,687,238 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("partial_tgrounding_tiny", pretrained, tag, **overrides)


def lora_tgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    lora_tgrounding_tiny: task tgrounding, paradigm lora, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant qv; hl_hit1 0.6905, hl_map 0.7591, map_avg 0.2323, map_iou0.5 0.5305, map_iou0.75 0.1617, miou 0.4877, r1_iou0.3 0.7468, r1_iou0.5 0.5214, r1_iou0.7 0.2381 on world/test (8 frames × 1 clip × 1 crop); 1,719,429 trainable / 10,711,814 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("lora_tgrounding_tiny", pretrained, tag, **overrides)


def prompt_tgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    prompt_tgrounding_tiny: task tgrounding, paradigm prompt, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant vpt; hl_hit1 0.6698, hl_map 0.7443, map_avg 0.2647, map_iou0.5 0.5938, map_iou0.75 0.2024, miou 0.5254, r1_iou0.3 0.8310, r1_iou0.5 0.5833, r1_iou0.7 0.2690 on world/test (8 frames × 1 clip × 1 crop); 1,700,997 trainable / 10,693,382 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("prompt_tgrounding_tiny", pretrained, tag, **overrides)


def partial_stgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    partial_stgrounding_tiny: task stgrounding, paradigm partial, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant lastk; m_gt_vIoU 0.6112, m_tIoU 0.6049, m_vIoU 0.3970, vIoU@0.3 0.6886, vIoU@0.5 0.3194 on world/test (8 frames × 1 clip × 1 crop); 1,826,054 trainable / 9,903,751 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("partial_stgrounding_tiny", pretrained, tag, **overrides)


def lora_stgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    lora_stgrounding_tiny: task stgrounding, paradigm lora, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant qv; m_gt_vIoU 0.5739, m_tIoU 0.6014, m_vIoU 0.3703, vIoU@0.3 0.6267, vIoU@0.5 0.2655 on world/test (8 frames × 1 clip × 1 crop); 935,942 trainable / 9,928,327 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("lora_stgrounding_tiny", pretrained, tag, **overrides)


def prompt_stgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    prompt_stgrounding_tiny: task stgrounding, paradigm prompt, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant vpt; m_gt_vIoU 0.5810, m_tIoU 0.6064, m_vIoU 0.3699, vIoU@0.3 0.6148, vIoU@0.5 0.2675 on world/test (8 frames × 1 clip × 1 crop); 917,510 trainable / 9,909,895 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("prompt_stgrounding_tiny", pretrained, tag, **overrides)


def side_tracking_tiny(pretrained=False, tag=None, **overrides):
    """
    side_tracking_tiny: task tracking, paradigm side, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant evl; TETA 0.4565, LocA 0.4556, AssocA 0.5721, ClsA 0.3419, TETA_base 0.4846, LocA_base 0.5045, AssocA_base 0.5940, ClsA_base 0.3553, TETA_novel 0.3864, LocA_novel 0.3335, AssocA_novel 0.5173, ClsA_novel 0.3084, det_ap50 0.3291 on world/test (8 frames × 1 clip × 1 crop); 2,834,698 trainable / 11,827,083 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("side_tracking_tiny", pretrained, tag, **overrides)


def adapter_tracking_tiny(pretrained=False, tag=None, **overrides):
    """
    adapter_tracking_tiny: task tracking, paradigm adapter, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant aim; TETA 0.4531, LocA 0.4637, AssocA 0.5814, ClsA 0.3141, TETA_base 0.4929, LocA_base 0.5240, AssocA_base 0.6140, ClsA_base 0.3407, TETA_novel 0.3534, LocA_novel 0.3128, AssocA_novel 0.4999, ClsA_novel 0.2476, det_ap50 0.3628 on world/test (8 frames × 1 clip × 1 crop); 924,298 trainable / 9,916,299 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("adapter_tracking_tiny", pretrained, tag, **overrides)


def lora_tracking_tiny(pretrained=False, tag=None, **overrides):
    """
    lora_tracking_tiny: task tracking, paradigm lora, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant qv; TETA 0.4495, LocA 0.4577, AssocA 0.5810, ClsA 0.3098, TETA_base 0.4876, LocA_base 0.5151, AssocA_base 0.6075, ClsA_base 0.3400, TETA_novel 0.3544, LocA_novel 0.3141, AssocA_novel 0.5148, ClsA_novel 0.2342, det_ap50 0.3523 on world/test (8 frames × 1 clip × 1 crop); 722,890 trainable / 9,715,275 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("lora_tracking_tiny", pretrained, tag, **overrides)


def side_retrieval_tiny(pretrained=False, tag=None, **overrides):
    """
    side_retrieval_tiny: task retrieval, paradigm side, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant evl; t2v_mdr 119.0000, t2v_mnr 150.4110, t2v_r1 0.8500, t2v_r10 6.9000, t2v_r5 3.6000, v2t_mdr 135.0000, v2t_mnr 170.5050, v2t_r1 0.7000, v2t_r10 6.3000, v2t_r5 3.7000 on world/test (8 frames × 1 clip × 1 crop); 2,136,384 trainable / 11,128,769 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("side_retrieval_tiny", pretrained, tag, **overrides)


def partial_retrieval_tiny(pretrained=False, tag=None, **overrides):
    """
    partial_retrieval_tiny: task retrieval, paradigm partial, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant lastk; t2v_mdr 76.0000, t2v_mnr 106.6325, t2v_r1 1.2500, t2v_r10 12.0000, t2v_r5 7.3500, v2t_mdr 79.0000, v2t_mnr 113.4450, v2t_r1 0.2000, v2t_r10 6.1000, v2t_r5 2.6000 on world/test (8 frames × 1 clip × 1 crop); 914,688 trainable / 8,992,385 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("partial_retrieval_tiny", pretrained, tag, **overrides)


def lora_retrieval_tiny(pretrained=False, tag=None, **overrides):
    """
    lora_retrieval_tiny: task retrieval, paradigm lora, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant qv; t2v_mdr 75.0000, t2v_mnr 105.6015, t2v_r1 1.0000, t2v_r10 11.6000, t2v_r5 6.5000, v2t_mdr 77.0000, v2t_mnr 114.6530, v2t_r1 0.6000, v2t_r10 6.6000, v2t_r5 3.4667 on world/test (8 frames × 1 clip × 1 crop); 24,576 trainable / 9,016,961 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("lora_retrieval_tiny", pretrained, tag, **overrides)


def prompt_retrieval_tiny(pretrained=False, tag=None, **overrides):
    """
    prompt_retrieval_tiny: task retrieval, paradigm prompt, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant vpt; t2v_mdr 86.0000, t2v_mnr 117.6200, t2v_r1 1.1500, t2v_r10 10.1000, t2v_r5 5.7000, v2t_mdr 92.5000, v2t_mnr 117.8860, v2t_r1 0.8000, v2t_r10 6.4000, v2t_r5 4.0667 on world/test (8 frames × 1 clip × 1 crop); 6,144 trainable / 8,998,529 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("prompt_retrieval_tiny", pretrained, tag, **overrides)


def postnet_qa_tiny(pretrained=False, tag=None, **overrides):
    """
    postnet_qa_tiny: task qa, paradigm postnet, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant seqtransf; acc 0.2164, acc_action 0.0000, acc_appearance 0.4800, acc_colour 0.0720, acc_count 0.4800, acc_direction 0.4700, acc_motion 0.1505, acc_shape 0.0600, oov_rate 0.0000 on world/test (8 frames × 1 clip × 1 crop); 868,388 trainable / 9,860,773 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("postnet_qa_tiny", pretrained, tag, **overrides)


def side_qa_tiny(pretrained=False, tag=None, **overrides):
    """
    side_qa_tiny: task qa, paradigm side, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant evl; acc 0.1756, acc_action 0.0040, acc_appearance 0.3580, acc_colour 0.0120, acc_count 0.3580, acc_direction 0.4440, acc_motion 0.1300, acc_shape 0.0600, oov_rate 0.0000 on world/test (8 frames × 1 clip × 1 crop); 2,207,588 trainable / 11,199,973 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("side_qa_tiny", pretrained, tag, **overrides)


def partial_qa_tiny(pretrained=False, tag=None, **overrides):
    """
    partial_qa_tiny: task qa, paradigm partial, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant lastk; acc 0.2052, acc_action 0.0000, acc_appearance 0.4500, acc_colour 0.0780, acc_count 0.4500, acc_direction 0.4640, acc_motion 0.1440, acc_shape 0.0340, oov_rate 0.0000 on world/test (8 frames × 1 clip × 1 crop); 985,892 trainable / 9,063,589 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("partial_qa_tiny", pretrained, tag, **overrides)


def prompt_qa_tiny(pretrained=False, tag=None, **overrides):
    """
    prompt_qa_tiny: task qa, paradigm prompt, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant vpt; acc 0.1928, acc_action 0.0000, acc_appearance 0.4560, acc_colour 0.0180, acc_count 0.4560, acc_direction 0.4440, acc_motion 0.1270, acc_shape 0.0460, oov_rate 0.0000 on world/test (8 frames × 1 clip × 1 crop); 77,348 trainable / 9,069,733 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("prompt_qa_tiny", pretrained, tag, **overrides)


def side_captioning_tiny(pretrained=False, tag=None, **overrides):
    """
    side_captioning_tiny: task captioning, paradigm side, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant evl; Bleu_1 0.3840, Bleu_2 0.1381, Bleu_3 0.0538, Bleu_4 0.0000, CIDEr 0.2446, ROUGE_L 0.3135 on world/test (8 frames × 1 clip × 1 crop); 2,712,512 trainable / 11,704,897 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("side_captioning_tiny", pretrained, tag, **overrides)


def partial_captioning_tiny(pretrained=False, tag=None, **overrides):
    """
    partial_captioning_tiny: task captioning, paradigm partial, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant lastk; Bleu_1 0.3966, Bleu_2 0.1724, Bleu_3 0.0583, Bleu_4 0.0000, CIDEr 0.2774, ROUGE_L 0.3128 on world/test (8 frames × 1 clip × 1 crop); 1,490,816 trainable / 9,568,513 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("partial_captioning_tiny", pretrained, tag, **overrides)


def lora_captioning_tiny(pretrained=False, tag=None, **overrides):
    """
    lora_captioning_tiny: task captioning, paradigm lora, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant qv; Bleu_1 0.3896, Bleu_2 0.1692, Bleu_3 0.0576, Bleu_4 0.0000, CIDEr 0.3160, ROUGE_L 0.3097 on world/test (8 frames × 1 clip × 1 crop); 600,704 trainable / 9,593,089 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("lora_captioning_tiny", pretrained, tag, **overrides)


def prompt_captioning_tiny(pretrained=False, tag=None, **overrides):
    """
    prompt_captioning_tiny: task captioning, paradigm prompt, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant vpt; Bleu_1 0.3639, Bleu_2 0.1184, Bleu_3 0.0454, Bleu_4 0.0000, CIDEr 0.1963, ROUGE_L 0.2986 on world/test (8 frames × 1 clip × 1 crop); 582,272 trainable / 9,574,657 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("prompt_captioning_tiny", pretrained, tag, **overrides)


def full_recognition_tiny(pretrained=False, tag=None, **overrides):
    """
    full_recognition_tiny: task recognition, paradigm full, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant both; mean_class 0.0948, top1 0.0920, top5 0.4660, order_dependent_top1 0.0780, order_independent_top1 0.1122 on world/test (8 frames × 2 clips × 1 crop); 2,668,161 trainable / 8,992,385 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("full_recognition_tiny", pretrained, tag, **overrides)


def full_retrieval_tiny(pretrained=False, tag=None, **overrides):
    """
    full_retrieval_tiny: task retrieval, paradigm full, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant both; t2v_r1 1.4500, t2v_r5 5.9000, t2v_r10 11.6500, t2v_mdr 81.0000, t2v_mnr 106.3285, v2t_r1 0.7000, v2t_r5 4.5000, v2t_r10 8.6000, v2t_mdr 88.2500, v2t_mnr 116.8460 on world/test (8 frames × 1 clip × 1 crop); 2,668,161 trainable / 8,992,385 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("full_retrieval_tiny", pretrained, tag, **overrides)


def full_qa_tiny(pretrained=False, tag=None, **overrides):
    """
    full_qa_tiny: task qa, paradigm full, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant both; acc 0.2860, oov_rate 0.0000, acc_colour 0.1940, acc_shape 0.1300, acc_action 0.0160, acc_direction 0.4900, acc_count 0.6000, acc_appearance 0.6000, acc_motion 0.2075 on world/test (8 frames × 1 clip × 1 crop); 2,739,365 trainable / 9,063,589 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("full_qa_tiny", pretrained, tag, **overrides)


def full_captioning_tiny(pretrained=False, tag=None, **overrides):
    """
    full_captioning_tiny: task captioning, paradigm full, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant both; Bleu_1 0.3063, Bleu_2 0.1146, Bleu_3 0.0441, Bleu_4 0.0000, ROUGE_L 0.2823, CIDEr 0.2592 on world/test (8 frames × 1 clip × 1 crop); 3,244,289 trainable / 9,568,513 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("full_captioning_tiny", pretrained, tag, **overrides)


def full_tgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    full_tgrounding_tiny: task tgrounding, paradigm full, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant both; r1_iou0.3 0.7373, r1_iou0.5 0.5214, r1_iou0.7 0.2032, miou 0.4734, map_iou0.5 0.5596, map_iou0.75 0.1651, map_avg 0.2351, hl_map 0.7171, hl_hit1 0.6286 on world/test (8 frames × 1 clip × 1 crop); 4,363,014 trainable / 10,687,238 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("full_tgrounding_tiny", pretrained, tag, **overrides)


def full_stgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    full_stgrounding_tiny: task stgrounding, paradigm full, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant both; m_tIoU 0.5851, m_vIoU 0.3716, vIoU@0.3 0.6467, vIoU@0.5 0.3034, m_gt_vIoU 0.6018 on world/test (8 frames × 1 clip × 1 crop); 3,579,527 trainable / 9,903,751 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("full_stgrounding_tiny", pretrained, tag, **overrides)


def full_tracking_tiny(pretrained=False, tag=None, **overrides):
    """
    full_tracking_tiny: task tracking, paradigm full, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant both; TETA 0.4799, LocA 0.4777, AssocA 0.5893, ClsA 0.3728, TETA_base 0.5317, LocA_base 0.5357, AssocA_base 0.6203, ClsA_base 0.4392, TETA_novel 0.3504, LocA_novel 0.3328, AssocA_novel 0.5118, ClsA_novel 0.2068, det_ap50 0.3886 on world/test (8 frames × 1 clip × 1 crop); 3,366,475 trainable / 9,690,699 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("full_tracking_tiny", pretrained, tag, **overrides)


def distill_recognition_tiny(pretrained=False, tag=None, **overrides):
    """
    distill_recognition_tiny: task recognition, paradigm distill, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant feature; mean_class 0.1141, top1 0.1120, top5 0.4700, order_dependent_top1 0.0881, order_independent_top1 0.1463 on world/test (8 frames × 2 clips × 1 crop); 9,057,921 trainable / 9,057,921 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("distill_recognition_tiny", pretrained, tag, **overrides)


def distill_retrieval_tiny(pretrained=False, tag=None, **overrides):
    """
    distill_retrieval_tiny: task retrieval, paradigm distill, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant feature; t2v_r1 1.0500, t2v_r5 6.4000, t2v_r10 11.6500, t2v_mdr 81.0000, t2v_mnr 105.9920, v2t_r1 0.2000, v2t_r5 2.9000, v2t_r10 7.3000, v2t_mdr 82.0000, v2t_mnr 109.3850 on world/test (8 frames × 1 clip × 1 crop); 9,057,921 trainable / 9,057,921 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("distill_retrieval_tiny", pretrained, tag, **overrides)


def distill_qa_tiny(pretrained=False, tag=None, **overrides):
    """
    distill_qa_tiny: task qa, paradigm distill, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant feature; acc 0.3096, oov_rate 0.0000, acc_colour 0.2540, acc_shape 0.1680, acc_action 0.0500, acc_direction 0.4860, acc_count 0.5900, acc_appearance 0.5900, acc_motion 0.2395 on world/test (8 frames × 1 clip × 1 crop); 9,129,125 trainable / 9,129,125 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("distill_qa_tiny", pretrained, tag, **overrides)


def distill_captioning_tiny(pretrained=False, tag=None, **overrides):
    """
    distill_captioning_tiny: task captioning, paradigm distill, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant feature; Bleu_1 0.3952, Bleu_2 0.1699, Bleu_3 0.0577, Bleu_4 0.0000, ROUGE_L 0.3129, CIDEr 0.2674 on world/test (8 frames × 1 clip × 1 crop); 9,634,049 trainable / 9,634,049 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("distill_captioning_tiny", pretrained, tag, **overrides)


def distill_tgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    distill_tgrounding_tiny: task tgrounding, paradigm distill, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant feature; r1_iou0.3 0.8825, r1_iou0.5 0.6762, r1_iou0.7 0.2905, miou 0.5699, map_iou0.5 0.6817, map_iou0.75 0.2202, map_avg 0.3004, hl_map 0.7745, hl_hit1 0.7286 on world/test (8 frames × 1 clip × 1 crop); 10,752,774 trainable / 10,752,774 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("distill_tgrounding_tiny", pretrained, tag, **overrides)


def distill_stgrounding_tiny(pretrained=False, tag=None, **overrides):
    """
    distill_stgrounding_tiny: task stgrounding, paradigm distill, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant feature; m_tIoU 0.5980, m_vIoU 0.3768, vIoU@0.3 0.6607, vIoU@0.5 0.2794, m_gt_vIoU 0.5952 on world/test (8 frames × 1 clip × 1 crop); 9,969,287 trainable / 9,969,287 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("distill_stgrounding_tiny", pretrained, tag, **overrides)


def distill_tracking_tiny(pretrained=False, tag=None, **overrides):
    """
    distill_tracking_tiny: task tracking, paradigm distill, backbone tiny.

    Published weights (pretrained=True; tag= picks one, the first is the default):
    - world_8f: variant feature; TETA 0.4628, LocA 0.4589, AssocA 0.5800, ClsA 0.3496, TETA_base 0.4988, LocA_base 0.5116, AssocA_base 0.6027, ClsA_base 0.3820, TETA_novel 0.3730, LocA_novel 0.3271, AssocA_novel 0.5232, ClsA_novel 0.2685, det_ap50 0.3488 on world/test (8 frames × 1 clip × 1 crop); 9,756,235 trainable / 9,756,235 parameters.

    pretrained=False builds the architecture (random weights) and takes
    zoo.create_model's overrides: variant, num_frames, num_classes, ...
    """
    return _hub_entry("distill_tracking_tiny", pretrained, tag, **overrides)
