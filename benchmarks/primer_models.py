"""The primer's registry: real models from model libraries, each with the verdict the
typing semantics predicts for it (docs/semantics.md, shared/design/typing-semantics.md).

Labels are derived from the architecture, never from what the checker says today:
- `strong`: every coordinatewise binary op adds values of one type; every learned matrix
  maps into a type other than the one it reads (`x + W2 f(W1 x)`, projection shortcuts,
  depthwise/diagonal maps, gates acting elementwise).
- `weak` + rule: TNN003 for `x + f(W x)` with one square W (RepVGG/MobileOne identity
  branches, a skip around a single pointwise conv, a conv over `cat(x, ...)` added back to
  `x`); TNN002 when a matrix acts on a recurrent state (LSTM/GRU cells, ConvGRU).
- `recurrent`: the same parametrised function applied again to its own output (RNN cells
  over time, cross-layer weight sharing). A Python loop over distinct layers is not one.
`uncertain` holds the reason when a label needs the lead's adjudication.

Builders import their library lazily, so listing the registry is cheap; they return
`(module, args, kwargs)` and are called under `torch.device("meta")` first.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn


class Verdict(enum.Enum):
    STRONG = "strong"
    WEAK = "weak"


@dataclass(frozen=True)
class Label:
    """What the semantics predicts for a model, and why."""

    verdict: Verdict
    why: str
    rules: frozenset[str] = frozenset()  # error codes a weak model must get (all of them)
    recurrent: bool = False
    uncertain: str = ""  # non-empty: the reason the lead should adjudicate this label


Built = tuple[nn.Module, tuple, dict]


@dataclass(frozen=True)
class Model:
    library: str
    name: str
    build: Callable[[], Built] = field(repr=False, compare=False)
    label: Label
    cheap: bool = False  # small enough for the fast subset in the default tests

    @property
    def key(self) -> str:
        return f"{self.library}/{self.name}"


def strong(why: str, *, recurrent: bool = False, uncertain: str = "") -> Label:
    return Label(Verdict.STRONG, why, recurrent=recurrent, uncertain=uncertain)


def weak(*rules: str, why: str, recurrent: bool = False, uncertain: str = "") -> Label:
    return Label(Verdict.WEAK, why, frozenset(rules), recurrent=recurrent, uncertain=uncertain)


# reasons shared by many models ----------------------------------------------------------
RESNET = "residual branches end in a conv that maps back (x + W2 f(W1 x)); shortcuts with a 1x1 projection are matrices of their own"
PLAIN_CNN = "a feed-forward stack of convs without skips adds nothing of two types"
INVERTED = (
    "inverted residuals expand and project with two pointwise convs (x + P(dw(E x))); depthwise convs are diagonal"
)
TRANSFORMER = "pre/post-norm blocks x + Wo attn(...) and x + W2 f(W1 x): every skip adds one type"
DENSE = "dense connectivity concatenates features and never adds a conv's output to its own input"
ATTN_CNN = (
    "conv stages with two-matrix residuals plus attention blocks with output projections; SE/ECA gates act elementwise"
)
SQUARE_SKIP_PW = "a skip around depthwise conv + a single square pointwise conv: x + P(dw(x)) with P: T->T (TNN003)"
REPARAM = "train-time re-parametrisable block adds BN(x) to conv(x) with in==out channels: x + W x (TNN003)"
CAT_SKIP = "a single conv over cat(x, features) is added back to x: the conv maps x's type to itself, as in the concatenated LSTM (TNN003)"
MLM_TIED = (
    "the MLM head's transform dense maps the hidden type H to the decoder's input, which the tied decoder"
    " unifies with the embedding type; the residual stream starts as the embedding type, so the dense maps H to H"
)
MLM_TIED_UNSURE = (
    "weak only through the embedding tie (no skip adds the dense's output to its input); which rule code"
    " a conflict through a tie should get is unspecified (TNN001 vs TNN003), and the lead may rule ties out"
)
LSTM = "nn.LSTM: W_hh acts on the recurrent state, which flows back into itself (TNN002)"

IMG32 = (1, 3, 32, 32)
IMG64 = (1, 3, 64, 64)


def _img(shape=IMG64):
    return (torch.randn(*shape),)


# torchvision ----------------------------------------------------------------------------


def _tv(name: str, shape=IMG64, **kwargs) -> Callable[[], Built]:
    def build():
        import primer_compat

        primer_compat.allow_torchvision_import()
        import torchvision

        model = torchvision.models.get_model(name, weights=None, **kwargs).eval()
        return model, _img(shape), {}

    return build


def _tv_call(factory: str, args_fn, **kwargs) -> Callable[[], Built]:
    """A torchvision builder that is not in the classification registry."""

    def build():
        import importlib

        import primer_compat

        primer_compat.allow_torchvision_import()
        module, _, attr = factory.rpartition(".")
        model = getattr(importlib.import_module(module), attr)(**kwargs).eval()
        return model, args_fn(), {}

    return build


class _RaftPair(nn.Module):
    """RAFT takes two images and a number of refinement steps; fixes the steps at 3."""

    def __init__(self, raft: nn.Module):
        super().__init__()
        self.raft = raft

    def forward(self, a, b):
        return self.raft(a, b, num_flow_updates=3)[-1]


def _raft():
    import primer_compat

    primer_compat.allow_torchvision_import()
    import torchvision

    model = _RaftPair(torchvision.models.optical_flow.raft_small(weights=None)).eval()
    # the correlation pyramid needs feature maps of 16+ pixels: 128-pixel frames
    return model, (torch.randn(1, 3, 128, 128), torch.randn(1, 3, 128, 128)), {}


def torchvision_models() -> list[Model]:
    tv = "torchvision"
    m: list[Model] = []
    for name in ["resnet18", "resnet50", "resnext50_32x4d"]:
        m.append(Model(tv, name, _tv(name), strong(RESNET), cheap=name == "resnet18"))
    m += [
        Model(tv, "alexnet", _tv("alexnet"), strong(PLAIN_CNN)),
        Model(tv, "vgg11_bn", _tv("vgg11_bn", IMG32), strong(PLAIN_CNN)),
        Model(tv, "squeezenet1_0", _tv("squeezenet1_0"), strong("fire modules concatenate two expand convs; no skips")),
        Model(tv, "densenet121", _tv("densenet121"), strong(DENSE)),
        Model(
            tv,
            "googlenet",
            _tv("googlenet", aux_logits=False, init_weights=False),
            strong("inception branches are concatenated, never added"),
        ),
        Model(
            tv,
            "inception_v3",
            _tv("inception_v3", (1, 3, 80, 80), aux_logits=False, init_weights=False),
            strong("inception branches are concatenated, never added"),
        ),
        Model(
            tv,
            "mobilenet_v2",
            _tv("mobilenet_v2"),
            strong(INVERTED + "; the expand-ratio-1 first block has no skip (32->16)"),
        ),
        Model(
            tv,
            "mobilenet_v3_small",
            _tv("mobilenet_v3_small"),
            strong(INVERTED + "; the first block (16->16, no expansion) has stride 2, so no skip"),
        ),
        Model(
            tv,
            "mobilenet_v3_large",
            _tv("mobilenet_v3_large"),
            weak(
                "TNN003", why="first bneck 16->16 with expansion 16 has no expand conv and stride 1: " + SQUARE_SKIP_PW
            ),
        ),
        Model(tv, "mnasnet0_5", _tv("mnasnet0_5"), strong(INVERTED + "; the separable stem conv has no skip")),
        Model(
            tv,
            "shufflenet_v2_x0_5",
            _tv("shufflenet_v2_x0_5"),
            strong(
                "channel split + concat + shuffle: the identity half is concatenated, never added",
            ),
            cheap=True,
        ),
        Model(
            tv,
            "efficientnet_b1",
            _tv("efficientnet_b1"),
            weak("TNN003", why="stage 1 repeats the expand-ratio-1 MBConv 16->16: " + SQUARE_SKIP_PW),
        ),
        Model(
            tv,
            "efficientnet_v2_s",
            _tv("efficientnet_v2_s"),
            weak(
                "TNN003",
                why="stage 1 FusedMBConv with expand ratio 1 is a single 3x3 conv 24->24 with a skip: x + f(W x)",
            ),
        ),
        Model(
            tv,
            "regnet_x_400mf",
            _tv("regnet_x_400mf"),
            strong(RESNET + "; grouped 3x3 is block-diagonal between two 1x1 convs"),
        ),
        Model(tv, "regnet_y_400mf", _tv("regnet_y_400mf"), strong(RESNET + "; SE gates act elementwise")),
        Model(
            tv,
            "convnext_tiny",
            _tv("convnext_tiny"),
            strong("x + gamma * W2 f(W1 dwconv(x)): depthwise is diagonal, layer scale per-channel"),
        ),
        Model(tv, "vit_b_16", _tv("vit_b_16", IMG32, image_size=32), strong(TRANSFORMER)),
        Model(
            tv, "swin_t", _tv("swin_t"), strong(TRANSFORMER + "; relative position bias is added to attention logits")
        ),
        Model(
            tv,
            "swin_v2_t",
            _tv("swin_v2_t"),
            strong(TRANSFORMER + "; the continuous position bias MLP feeds attention logits"),
        ),
        Model(tv, "maxvit_t", _tv("maxvit_t", (1, 3, 224, 224)), strong(ATTN_CNN)),
        Model(tv, "r3d_18", _tv("r3d_18", (1, 3, 4, 32, 32)), strong(RESNET + " (3-d)")),
        Model(
            tv,
            "r2plus1d_18",
            _tv("r2plus1d_18", (1, 3, 4, 32, 32)),
            strong(RESNET + "; each (2+1)-d conv is two convs"),
        ),
        Model(
            tv,
            "s3d",
            _tv("s3d", (1, 3, 16, 224, 224)),  # its last pool is a fixed (2, 7, 7) window
            strong("separable 3-d inception branches are concatenated; gating multiplies by a sigmoid"),
        ),
        Model(tv, "swin3d_t", _tv("swin3d_t", (1, 3, 4, 64, 64)), strong(TRANSFORMER + " (3-d windows)")),
        Model(
            tv,
            "fcn_resnet50",
            _tv_call(
                "torchvision.models.segmentation.fcn_resnet50",
                lambda: _img(),
                weights=None,
                weights_backbone=None,
                aux_loss=False,
            ),
            strong(RESNET + "; the FCN head is a plain conv stack"),
        ),
        Model(
            tv,
            "deeplabv3_mobilenet_v3_large",
            _tv_call(
                "torchvision.models.segmentation.deeplabv3_mobilenet_v3_large",
                lambda: _img(),
                weights=None,
                weights_backbone=None,
                aux_loss=False,
            ),
            weak("TNN003", why="its MobileNetV3-Large backbone: " + SQUARE_SKIP_PW),
        ),
        Model(
            tv,
            "resnet18_fpn_backbone",
            _tv_call(
                "torchvision.models.detection.backbone_utils.resnet_fpn_backbone",
                lambda: _img(),
                backbone_name="resnet18",
                weights=None,
                trainable_layers=5,
            ),
            strong(RESNET + "; FPN adds lateral 1x1 convs to upsampled coarser levels, then 3x3 output convs"),
        ),
        Model(
            tv,
            "raft_small",
            _raft,
            weak(
                "TNN002",
                why="the update block's ConvGRU applies convs to cat(h, x) and feeds h back over refinement steps",
                recurrent=True,
                uncertain="RAFT also samples a correlation volume with grid_sample; the rule could also be reported as TNN003 if steps are not folded",
            ),
        ),
    ]
    return m


# timm -----------------------------------------------------------------------------------


def _timm(name: str, shape=IMG64, **kwargs) -> Callable[[], Built]:
    def build():
        import primer_compat

        primer_compat.allow_torchvision_import()
        import timm

        model = timm.create_model(name, pretrained=False, num_classes=10, **kwargs).eval()
        return model, _img(shape), {}

    return build


def timm_models() -> list[Model]:
    t = "timm"
    vit = dict(img_size=32)
    cases: list[tuple[str, Callable[[], Built], Label, bool]] = [
        # residual CNNs
        ("resnet50d", _timm("resnet50d"), strong(RESNET + "; avg-pool + 1x1 projection shortcuts"), False),
        (
            "ecaresnet26t",
            _timm("ecaresnet26t"),
            strong(RESNET + "; ECA gate is sigmoid(conv1d over pooled channels)"),
            False,
        ),
        (
            "skresnet18",
            _timm("skresnet18"),
            strong(RESNET + "; selective kernel mixes branches with softmax gates"),
            False,
        ),
        (
            "res2net50_26w_4s",
            _timm("res2net50_26w_4s"),
            strong(
                RESNET + "; hierarchical splits add the previous split's conv output to the next split (distinct types)"
            ),
            False,
        ),
        ("regnety_002", _timm("regnety_002"), strong(RESNET + "; SE gates act elementwise"), False),
        (
            "resnetv2_50x1_bit",
            _timm("resnetv2_50x1_bit"),
            strong("pre-activation bottlenecks with weight-standardised convs (StdConv2d): x + W3 f(W2 f(W1 x))"),
            False,
        ),
        (
            "nf_resnet26",
            _timm("nf_resnet26"),
            strong(
                "normaliser-free bottlenecks with ScaledStdConv2d (weight standardisation): x + alpha * W3 f(W2 f(W1 x))"
            ),
            False,
        ),
        (
            "eca_nfnet_l0",
            _timm("eca_nfnet_l0"),
            strong("NFNet-L bottlenecks (grouped 3x3s between 1x1s) with ECA gates"),
            False,
        ),
        (
            "cspresnet50",
            _timm("cspresnet50"),
            strong(
                "cross-stage partial: half the channels skip the stage and are concatenated; inner blocks are bottlenecks"
            ),
            False,
        ),
        (
            "dla34",
            _timm("dla34"),
            strong("DLA-34's aggregation roots have no shortcut: conv(cat(children)) is not added back"),
            False,
        ),
        (
            "dla102",
            _timm("dla102"),
            weak("TNN003", why="DLA-102 roots add children[0] to conv(cat(children)): " + CAT_SKIP),
            False,
        ),
        (
            "xception41",
            _timm("xception41"),
            strong("separable-conv chains of three pointwise convs per residual block; projection shortcuts"),
            False,
        ),
        (
            "rexnet_100",
            _timm("rexnet_100"),
            strong(
                INVERTED + "; partial residual adds x to the first channels of the projection (a fresh type)",
            ),
            False,
        ),
        (
            "ese_vovnet19b_dw",
            _timm("ese_vovnet19b_dw"),
            strong(
                "residual applies only to blocks after a stage's first (residual and i > 0), and this variant has one "
                "block per stage: no skip adds the input to conv_concat(cat(input, ...))"
            ),
            False,
        ),
        (
            "vovnet39a",
            _timm("vovnet39a"),
            strong("OSA blocks without residual: one-shot aggregation of concatenated features"),
            False,
        ),
        (
            "hgnet_tiny",
            _timm("hgnet_tiny"),
            weak(
                "TNN003",
                why="stage 3's second HG block adds its input to one aggregation conv over cat(input, ...): "
                + CAT_SKIP,
            ),
            False,
        ),
        (
            "hgnetv2_b0",
            _timm("hgnetv2_b0"),
            strong(
                "HGNetV2 aggregates cat(input, ...) with a squeeze conv then an excitation conv: two matrices before the residual add"
            ),
            False,
        ),
        # mobile / NAS CNNs
        (
            "efficientnet_b1",
            _timm("efficientnet_b1"),
            weak("TNN003", why="blocks.0.1 is a depthwise-separable block 16->16 with skip: " + SQUARE_SKIP_PW),
            False,
        ),
        (
            "tf_efficientnetv2_b0",
            _timm("tf_efficientnetv2_b0"),
            strong("the single-conv first stage changes width (32->16), so no skip; later blocks expand and project"),
            False,
        ),
        (
            "efficientnetv2_rw_t",
            _timm("efficientnetv2_rw_t"),
            weak("TNN003", why="first-stage ConvBnAct blocks 24->24 with skip: x + f(W x)"),
            False,
        ),
        ("mobilenetv2_050", _timm("mobilenetv2_050"), strong(INVERTED), True),
        (
            "mobilenetv3_large_100",
            _timm("mobilenetv3_large_100"),
            weak("TNN003", why="blocks.0.0 depthwise-separable 16->16 with skip: " + SQUARE_SKIP_PW),
            False,
        ),
        (
            "mixnet_s",
            _timm("mixnet_s"),
            weak("TNN003", why="blocks.0.0 depthwise-separable 16->16 with skip: " + SQUARE_SKIP_PW),
            False,
        ),
        ("lcnet_050", _timm("lcnet_050"), strong("depthwise-separable stack without skips"), False),
        (
            "ghostnet_100",
            _timm("ghostnet_100"),
            strong("ghost bottleneck: two ghost modules (primary 1x1 conv + depthwise cheap op) between skip ends"),
            False,
        ),
        (
            "mobileone_s0",
            _timm("mobileone_s0"),
            weak("TNN003", why="MobileOne blocks with in==out and stride 1: " + REPARAM),
            False,
        ),
        (
            "repvgg_a0",
            _timm("repvgg_a0"),
            weak("TNN003", why="RepVGG blocks: BN(x) + conv3x3(x) + conv1x1(x) with in==out: " + REPARAM),
            False,
        ),
        (
            "fastvit_t8",
            _timm("fastvit_t8"),
            weak(
                "TNN003",
                why="the stem's third MobileOneBlock (1x1, in==out, stride 1) has an identity BN branch: " + REPARAM,
            ),
            False,
        ),
        (
            "repvit_m1",
            _timm("repvit_m1"),
            strong("RepVGGDW adds depthwise convs (diagonal) to x; channel mixers are two-conv residuals"),
            False,
        ),
        (
            "repghostnet_050",
            _timm("repghostnet_050"),
            strong(
                "re-parametrisable identity branches sit on depthwise convs (diagonal)",
                uncertain="RepGhost fusion details; the BN identity is added to a depthwise conv only",
            ),
            False,
        ),
        (
            "mobilevit_xxs",
            _timm("mobilevit_xxs"),
            strong(
                "MobileViT blocks fuse conv(cat(shortcut, transformer(x))) without adding; transformer blocks as usual"
            ),
            False,
        ),
        (
            "efficientvit_b0",
            _timm("efficientvit_b0"),
            weak(
                "TNN003",
                why="the stem's residual DSConv is x + point_conv(dw_conv(x)): the depthwise conv keeps the type, "
                "so one square 1x1 conv's output is added to its own input",
            ),
            False,
        ),
        (
            "efficientvit_m0",
            _timm("efficientvit_m0"),
            weak(
                "TNN003",
                why="cascaded group attention adds each head's value output to the next head's input chunk, so the "
                "projection's input (heads' values) contains parts of x, and x + proj(...) maps those parts to themselves",
            ),
            False,
        ),
        ("starnet_s1", _timm("starnet_s1"), strong("star blocks: x + dw(g(f1(x) * f2(x))) with g mapping back"), False),
        # ViTs and hybrids
        ("vit_tiny_patch16_224", _timm("vit_tiny_patch16_224", IMG32, **vit), strong(TRANSFORMER), True),
        (
            "deit_tiny_distilled_patch16_224",
            _timm("deit_tiny_distilled_patch16_224", IMG32, **vit),
            strong(TRANSFORMER + "; two heads on class and distillation tokens"),
            False,
        ),
        (
            "vit_relpos_small_patch16_224",
            _timm("vit_relpos_small_patch16_224", IMG32, **vit),
            strong(TRANSFORMER + "; relative position bias added to logits"),
            False,
        ),
        (
            "vit_small_patch16_rope_224",
            _timm("vit_small_patch16_rope_224", IMG32, **vit),
            strong(TRANSFORMER + "; rotary embedding rotates q and k"),
            False,
        ),
        (
            "beit_base_patch16_224",
            _timm("beit_base_patch16_224", IMG32, **vit),
            strong(TRANSFORMER + "; layer scale and relative position bias"),
            False,
        ),
        (
            "cait_xxs24_224",
            _timm("cait_xxs24_224", IMG32, **vit),
            strong(TRANSFORMER + "; talking heads map heads H->L->H with two different matrices"),
            False,
        ),
        (
            "xcit_nano_12_p16_224",
            _timm("xcit_nano_12_p16_224", IMG32, **vit),
            strong("cross-covariance attention with projections; local patch interaction is depthwise (diagonal)"),
            False,
        ),
        (
            "convit_tiny",
            _timm("convit_tiny", IMG32, **vit),
            strong(TRANSFORMER + "; gated positional self-attention mixes two softmax maps with a sigmoid gate"),
            False,
        ),
        (
            "crossvit_tiny_240",
            _timm("crossvit_tiny_240", (1, 3, 240, 240)),
            strong(TRANSFORMER + "; cross-attention between two branches via projections"),
            False,
        ),
        (
            "pit_ti_224",
            _timm("pit_ti_224", IMG64, img_size=64),
            weak(
                "TNN005",
                why="pooling doubles channels with a depthwise conv (channels ⊗ 2) and the cls token with fc: C -> C ⊗ 2 "
                "to match, so each half of fc's output maps C to C (as SRU's interleaved gates do)",
            ),
            False,
        ),
        (
            "levit_128s",
            _timm("levit_128s", IMG64, img_size=64),
            strong(TRANSFORMER + "; Linear+BN everywhere, attention-subsample blocks are not residual"),
            False,
        ),
        (
            "efficientformer_l1",
            _timm("efficientformer_l1", (1, 3, 224, 224)),  # its attention biases are sized for 224 px
            strong("x + ls*(pool(x) - x) token mixing plus two-matrix MLPs; final attention blocks"),
            False,
        ),
        (
            "swin_tiny_patch4_window7_224",
            _timm("swin_tiny_patch4_window7_224", IMG64, img_size=64, window_size=2),
            strong(TRANSFORMER + "; shifted windows (roll) and relative position bias"),
            False,
        ),
        ("convnext_atto", _timm("convnext_atto"), strong("x + gamma * W2 f(W1 dwconv(x))"), True),
        ("coatnet_nano_rw_224", _timm("coatnet_nano_rw_224", IMG64, img_size=64), strong(ATTN_CNN), False),
        (
            "maxvit_nano_rw_256",
            _timm("maxvit_nano_rw_256", (1, 3, 128, 128), img_size=128),
            strong(ATTN_CNN + "; block and grid attention with relative position bias"),
            False,
        ),
        (
            "pvt_v2_b0",
            _timm("pvt_v2_b0", IMG64),
            strong(TRANSFORMER + "; spatial-reduction attention; depthwise conv inside the MLP"),
            False,
        ),
        ("poolformer_s12", _timm("poolformer_s12"), strong("x + ls*(pool(x) - x) and two-matrix MLPs"), False),
        (
            "mixer_s32_224",
            _timm("mixer_s32_224", IMG64, img_size=64),
            strong("token and channel MLPs each have two matrices (tokens->hidden->tokens)"),
            False,
        ),
        (
            "resmlp_12_224",
            _timm("resmlp_12_224", IMG64, img_size=64),
            weak(
                "TNN003",
                why="the token-mixing sublayer is a single square Linear over the patch axis added to its input: x + ls*W_tok(x)",
            ),
            False,
        ),
        (
            "gmlp_ti16_224",
            _timm("gmlp_ti16_224", IMG64, img_size=64),
            strong("spatial gating unit multiplies u by W_tok(v): a product, not a sum; fc2 maps back"),
            False,
        ),
        (
            "convmixer_768_32",
            _timm("convmixer_768_32", IMG32),
            strong("x + BN(f(depthwise(x))) is diagonal; pointwise convs are not residual"),
            False,
        ),
        (
            "sequencer2d_s",
            _timm("sequencer2d_s", IMG64),
            weak("TNN002", why="bidirectional nn.LSTM over rows and columns: " + LSTM, recurrent=True),
            False,
        ),
        (
            "focalnet_tiny_srf",
            _timm("focalnet_tiny_srf"),
            strong("focal modulation q * h(sum gates * ctx) with projections; depthwise context layers"),
            False,
        ),
        (
            "volo_d1_224",
            _timm("volo_d1_224", IMG64, img_size=64),
            strong("outlook attention (unfold/fold) and class attention, each with output projections"),
            False,
        ),
        (
            "tnt_s_patch16_224",
            _timm("tnt_s_patch16_224", IMG64, img_size=64),
            strong(TRANSFORMER + "; inner pixel transformer projected into patch embeddings"),
            False,
        ),
        # timm's own CI test models
        ("test_vit", _timm("test_vit", (1, 3, 160, 160)), strong(TRANSFORMER), True),
        ("test_efficientnet", _timm("test_efficientnet", IMG64), strong(INVERTED), True),
        (
            "test_byobnet",
            _timm("test_byobnet", IMG64),
            strong(
                "bottleneck blocks with two maps between skip ends",
                uncertain="test_byobnet mixes block types; label assumes no single-conv skips",
            ),
            False,
        ),
    ]
    return [Model(t, name, b, label, cheap) for name, b, label, cheap in cases]


# transformers ---------------------------------------------------------------------------

VOCAB = 99


def _tokens(n: int = 8):
    return torch.randint(0, VOCAB, (1, n))


LM = dict(
    vocab_size=VOCAB,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    intermediate_size=64,
    max_position_embeddings=64,
    use_cache=False,
)


def _hf(config: str, model: str, cfg: dict, inputs: Callable[[], tuple] = lambda: (_tokens(),), kwargs=None):
    def build():
        import primer_compat

        primer_compat.allow_torchvision_import()
        import transformers

        config_obj = getattr(transformers, config)(**cfg)
        module = getattr(transformers, model)(config_obj).eval()
        return module, inputs(), dict(kwargs() if kwargs else {})

    return build


def _lm(config: str, model: str, **overrides):
    return _hf(config, model, {**LM, **overrides})


ENC = dict(
    vocab_size=VOCAB,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    max_position_embeddings=64,
)

SEQ2SEQ = dict(
    vocab_size=VOCAB,
    d_model=32,
    encoder_layers=2,
    decoder_layers=2,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=64,
    decoder_ffn_dim=64,
    max_position_embeddings=64,
    use_cache=False,
)

VIS = dict(
    hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, image_size=32, patch_size=8
)

AUDIO = dict(
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    conv_dim=(16, 16),
    conv_stride=(5, 2),
    conv_kernel=(10, 3),
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=4,
    vocab_size=VOCAB,
)

MOE = dict(num_local_experts=4, num_experts_per_tok=2)


def _seq2seq_kwargs():
    return {"decoder_input_ids": _tokens(6)}


def transformers_models() -> list[Model]:
    hf = "transformers"
    dec = strong(TRANSFORMER + "; tied/untied LM head contracts the hidden type into the vocab")
    cases: list[tuple[str, Callable[[], Built], Label, bool]] = [
        (
            "gpt2",
            _hf(
                "GPT2Config",
                "GPT2LMHeadModel",
                dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=64, use_cache=False),
            ),
            dec,
            True,
        ),
        (
            "gptj",
            _hf(
                "GPTJConfig",
                "GPTJForCausalLM",
                dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, rotary_dim=4, n_positions=64, use_cache=False),
            ),
            strong(TRANSFORMER + "; parallel attention+MLP, interleaved rotary"),
            False,
        ),
        (
            "gpt_neox",
            _lm("GPTNeoXConfig", "GPTNeoXForCausalLM"),
            strong(TRANSFORMER + "; parallel residual, partial rotary"),
            False,
        ),
        (
            "gpt_bigcode",
            _hf(
                "GPTBigCodeConfig",
                "GPTBigCodeForCausalLM",
                dict(
                    vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=64, multi_query=True, use_cache=False
                ),
            ),
            strong(TRANSFORMER + "; multi-query attention"),
            False,
        ),
        (
            "opt",
            _hf(
                "OPTConfig",
                "OPTForCausalLM",
                dict(
                    vocab_size=VOCAB,
                    hidden_size=32,
                    num_hidden_layers=2,
                    ffn_dim=64,
                    num_attention_heads=4,
                    max_position_embeddings=64,
                    word_embed_proj_dim=32,
                    use_cache=False,
                ),
            ),
            dec,
            False,
        ),
        (
            "bloom",
            _hf(
                "BloomConfig",
                "BloomForCausalLM",
                dict(vocab_size=VOCAB, hidden_size=32, n_layer=2, n_head=4, use_cache=False),
            ),
            strong(TRANSFORMER + "; ALiBi biases from constants"),
            False,
        ),
        (
            "falcon",
            _lm(
                "FalconConfig", "FalconForCausalLM", num_kv_heads=1, new_decoder_architecture=False, parallel_attn=True
            ),
            strong(TRANSFORMER + "; parallel attention+MLP"),
            False,
        ),
        (
            "phi3",
            _lm("Phi3Config", "Phi3ForCausalLM", pad_token_id=0),
            strong(TRANSFORMER + "; fused qkv and gate_up projections"),
            False,
        ),
        ("llama", _lm("LlamaConfig", "LlamaForCausalLM"), strong(TRANSFORMER + "; rotary, RMSNorm, SwiGLU"), True),
        (
            "mistral",
            _lm("MistralConfig", "MistralForCausalLM", sliding_window=4),
            strong(TRANSFORMER + "; sliding-window attention"),
            False,
        ),
        (
            "gemma",
            _lm("GemmaConfig", "GemmaForCausalLM", head_dim=8),
            strong(TRANSFORMER + "; RMSNorm with (1 + w), GeGLU, scaled embeddings"),
            False,
        ),
        (
            "gemma2",
            _lm("Gemma2Config", "Gemma2ForCausalLM", head_dim=8, sliding_window=4),
            strong(TRANSFORMER + "; logit soft-capping tanh(x/c)*c, sandwich norms"),
            False,
        ),
        (
            "mixtral",
            _lm("MixtralConfig", "MixtralForCausalLM", **MOE),
            strong(TRANSFORMER + "; MoE experts w2(f(w1 x) * w3 x) weighted by top-k softmax router weights"),
            False,
        ),
        (
            "qwen2_moe",
            _lm(
                "Qwen2MoeConfig",
                "Qwen2MoeForCausalLM",
                num_experts=4,
                num_experts_per_tok=2,
                moe_intermediate_size=32,
                shared_expert_intermediate_size=32,
            ),
            strong(TRANSFORMER + "; MoE experts plus a sigmoid-gated shared expert"),
            False,
        ),
        (
            "bert",
            _hf("BertConfig", "BertForMaskedLM", ENC),
            weak("TNN001", why=MLM_TIED, uncertain=MLM_TIED_UNSURE),
            True,
        ),
        (
            "albert",
            _hf("AlbertConfig", "AlbertForMaskedLM", {**ENC, "embedding_size": 16}),
            strong(
                "one shared transformer layer applied at every depth keeps the hidden type (two-matrix residuals)",
                recurrent=True,
            ),
            False,
        ),
        (
            "mobilebert",
            _hf(
                "MobileBertConfig",
                "MobileBertForMaskedLM",
                {**ENC, "embedding_size": 16, "intra_bottleneck_size": 16, "num_feedforward_networks": 2},
            ),
            strong(
                "bottleneck in/out projections and stacked two-matrix FFNs; trigram input embedding concatenated then projected"
            ),
            False,
        ),
        (
            "deberta_v2",
            _hf(
                "DebertaV2Config",
                "DebertaV2ForMaskedLM",
                {
                    **ENC,
                    "relative_attention": True,
                    "pos_att_type": ["p2c", "c2p"],
                    "max_relative_positions": 16,
                    "position_buckets": 8,
                },
            ),
            weak("TNN001", why=MLM_TIED + "; disentangled attention", uncertain=MLM_TIED_UNSURE),
            False,
        ),
        (
            "convbert",
            _hf(
                "ConvBertConfig",
                "ConvBertForMaskedLM",
                {**ENC, "embedding_size": 16, "head_ratio": 2, "conv_kernel_size": 3},
            ),
            strong(TRANSFORMER + "; span-based dynamic conv predicts kernels with a softmax"),
            False,
        ),
        (
            "squeezebert",
            _hf(
                "SqueezeBertConfig",
                "SqueezeBertForMaskedLM",
                {
                    **ENC,
                    "embedding_size": 32,
                    "q_groups": 2,
                    "k_groups": 2,
                    "v_groups": 2,
                    "post_attention_groups": 1,
                    "intermediate_groups": 2,
                    "output_groups": 2,
                },
            ),
            weak(
                "TNN001",
                why=MLM_TIED + "; grouped 1x1 convs are block-diagonal, FFN maps back with a second grouped conv",
                uncertain=MLM_TIED_UNSURE
                + "; grouped q/k/v reshaped into heads: group and head factorisations disagree",
            ),
            False,
        ),
        (
            "fnet",
            _hf("FNetConfig", "FNetForMaskedLM", {k: v for k, v in ENC.items() if k != "num_attention_heads"}),
            weak("TNN001", why=MLM_TIED + "; Fourier token mixing has no parameters", uncertain=MLM_TIED_UNSURE),
            False,
        ),
        (
            "modernbert",
            _hf(
                "ModernBertConfig",
                "ModernBertForMaskedLM",
                {**ENC, "global_attn_every_n_layers": 2, "local_attention": 4, "pad_token_id": 0},
            ),
            weak(
                "TNN005",
                why=MLM_TIED + "; no residual or other binary op lies between the head's dense layer and the tied "
                "decoder, so it is a matrix applied to its own output type (TNN005, not TNN001)",
            ),
            False,
        ),
        (
            "t5",
            _hf(
                "T5Config",
                "T5ForConditionalGeneration",
                dict(vocab_size=VOCAB, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4, use_cache=False),
                kwargs=_seq2seq_kwargs,
            ),
            strong(TRANSFORMER + "; relative position buckets; encoder-decoder cross-attention"),
            False,
        ),
        (
            "bart",
            _hf("BartConfig", "BartForConditionalGeneration", SEQ2SEQ, kwargs=_seq2seq_kwargs),
            strong(TRANSFORMER + "; encoder-decoder"),
            False,
        ),
        (
            "pegasus",
            _hf("PegasusConfig", "PegasusForConditionalGeneration", SEQ2SEQ, kwargs=_seq2seq_kwargs),
            strong(TRANSFORMER + "; pre-norm encoder-decoder"),
            False,
        ),
        (
            "whisper",
            _hf(
                "WhisperConfig",
                "WhisperForConditionalGeneration",
                dict(
                    vocab_size=VOCAB,
                    num_mel_bins=8,
                    d_model=32,
                    encoder_layers=2,
                    decoder_layers=2,
                    encoder_attention_heads=4,
                    decoder_attention_heads=4,
                    encoder_ffn_dim=64,
                    decoder_ffn_dim=64,
                    max_source_positions=8,
                    max_target_positions=16,
                    use_cache=False,
                    pad_token_id=0,
                    bos_token_id=1,
                    eos_token_id=2,
                    decoder_start_token_id=1,
                ),
                inputs=lambda: (torch.randn(1, 8, 16),),
                kwargs=lambda: {"decoder_input_ids": _tokens(4)},
            ),
            strong("two conv stem layers (no skip) + positional embedding, then transformer encoder-decoder"),
            False,
        ),
        (
            "vit",
            _hf("ViTConfig", "ViTForImageClassification", VIS, inputs=lambda: _img(IMG32)),
            strong(TRANSFORMER),
            True,
        ),
        (
            "beit",
            _hf(
                "BeitConfig",
                "BeitForImageClassification",
                {**VIS, "use_relative_position_bias": True},
                inputs=lambda: _img(IMG32),
            ),
            strong(TRANSFORMER + "; layer scale, relative position bias"),
            False,
        ),
        (
            "swin",
            _hf(
                "SwinConfig",
                "SwinForImageClassification",
                dict(image_size=32, patch_size=4, embed_dim=16, depths=[1, 1], num_heads=[2, 2], window_size=2),
                inputs=lambda: _img(IMG32),
            ),
            strong(TRANSFORMER + "; shifted windows"),
            False,
        ),
        (
            "convnext",
            _hf(
                "ConvNextConfig",
                "ConvNextForImageClassification",
                dict(hidden_sizes=[16, 32], depths=[1, 1], num_stages=2),
                inputs=lambda: _img(IMG32),
            ),
            strong("x + gamma * W2 f(W1 dwconv(x))"),
            False,
        ),
        (
            "resnet",
            _hf(
                "ResNetConfig",
                "ResNetForImageClassification",
                dict(embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1], layer_type="bottleneck"),
                inputs=lambda: _img(IMG32),
            ),
            strong(RESNET),
            False,
        ),
        (
            "mobilevit",
            _hf(
                "MobileViTConfig",
                "MobileViTForImageClassification",
                dict(image_size=64, hidden_sizes=[16, 24, 32], neck_hidden_sizes=[8, 8, 16, 16, 24, 32, 64]),
                inputs=lambda: _img(IMG64),
            ),
            strong("MobileViT blocks fuse conv(cat(shortcut, x)); inverted residuals with expansion 4"),
            False,
        ),
        (
            "segformer",
            _hf(
                "SegformerConfig",
                "SegformerForSemanticSegmentation",
                dict(
                    num_encoder_blocks=2,
                    depths=[1, 1],
                    sr_ratios=[2, 1],
                    hidden_sizes=[16, 32],
                    num_attention_heads=[1, 2],
                    decoder_hidden_size=32,
                    patch_sizes=[7, 3],
                    strides=[4, 2],
                ),
                inputs=lambda: _img(IMG64),
            ),
            strong(
                TRANSFORMER + "; efficient attention with strided reduction; MLP decoder concatenates upsampled stages"
            ),
            False,
        ),
        (
            "clip",
            _hf(
                "CLIPConfig",
                "CLIPModel",
                dict(
                    text_config=dict(
                        vocab_size=VOCAB,
                        hidden_size=32,
                        num_hidden_layers=2,
                        num_attention_heads=4,
                        intermediate_size=64,
                        max_position_embeddings=16,
                    ),
                    vision_config=dict(
                        hidden_size=32,
                        num_hidden_layers=2,
                        num_attention_heads=4,
                        intermediate_size=64,
                        image_size=32,
                        patch_size=8,
                    ),
                    projection_dim=16,
                ),
                inputs=lambda: (_tokens(),),
                kwargs=lambda: {"pixel_values": torch.randn(1, 3, 32, 32)},
            ),
            strong("two transformer towers projected into one shared embedding type; logits contract it"),
            False,
        ),
        (
            "wav2vec2",
            _hf("Wav2Vec2Config", "Wav2Vec2ForCTC", AUDIO, inputs=lambda: (torch.randn(1, 400),)),
            weak(
                "TNN003",
                why="positional conv embedding: x + gelu(grouped_conv(x)) with in==out channels; the per-group block is square (weight norm)",
            ),
            False,
        ),
        (
            "wavlm",
            _hf("WavLMConfig", "WavLMForCTC", AUDIO, inputs=lambda: (torch.randn(1, 400),)),
            weak(
                "TNN003",
                why="same positional grouped conv as wav2vec2: x + gelu(W x); gated relative position bias is fine",
            ),
            False,
        ),
        (
            "data2vec_audio",
            _hf(
                "Data2VecAudioConfig",
                "Data2VecAudioForCTC",
                {**AUDIO, "num_conv_pos_embeddings": 4, "conv_pos_kernel_size": 3},
                inputs=lambda: (torch.randn(1, 400),),
            ),
            strong(
                "the positional embedding is a chain of several grouped convs, so no single matrix maps x's type to itself",
                uncertain="a chain of grouped convs of equal width between skip ends; strong only if each conv gets its own per-group types",
            ),
            False,
        ),
        (
            "encodec",
            _hf(
                "EncodecConfig",
                "EncodecModel",
                dict(
                    audio_channels=1,
                    num_filters=4,
                    upsampling_ratios=[2, 2],
                    hidden_size=16,
                    num_lstm_layers=2,
                    codebook_size=16,
                    codebook_dim=16,
                    num_residual_layers=1,
                ),
                inputs=lambda: (torch.randn(1, 1, 64),),
            ),
            weak(
                "TNN002",
                "TNN003",
                why="SEANet's 2-layer nn.LSTM (" + LSTM + ") with a skip lstm(x) + x (x + f(W x))",
                recurrent=True,
                uncertain="one conflict may absorb the other: a checker could report only TNN002; the residual vector quantizer uses argmin codebook lookups",
            ),
            False,
        ),
        (
            "rwkv",
            _hf(
                "RwkvConfig",
                "RwkvForCausalLM",
                dict(
                    vocab_size=VOCAB,
                    hidden_size=32,
                    num_hidden_layers=2,
                    attention_hidden_size=32,
                    intermediate_size=64,
                    context_length=64,
                    use_cache=False,
                ),
            ),
            strong(
                "WKV state (num, den, max) is updated elementwise over time with time_decay/time_first; receptance is a sigmoid gate; projections map back",
                recurrent=True,
            ),
            False,
        ),
        (
            "mamba",
            _hf(
                "MambaConfig",
                "MambaForCausalLM",
                dict(
                    vocab_size=VOCAB,
                    hidden_size=32,
                    state_size=4,
                    num_hidden_layers=2,
                    expand=2,
                    conv_kernel=4,
                    time_step_rank=4,
                    use_cache=False,
                ),
            ),
            strong(
                "selective scan: ssm_state = exp(A dt) * ssm_state + dt B x is elementwise in the state; out_proj maps back",
                recurrent=True,
                uncertain="the per-step loop has no parameter inside it (A is discretised before the loop): recurrence under issue 8's 'reused parameter or module' rule?",
            ),
            False,
        ),
        (
            "mamba2",
            _hf(
                "Mamba2Config",
                "Mamba2ForCausalLM",
                dict(
                    vocab_size=VOCAB,
                    hidden_size=32,
                    state_size=4,
                    num_hidden_layers=2,
                    expand=2,
                    conv_kernel=4,
                    num_heads=8,
                    head_dim=8,
                    n_groups=1,
                    chunk_size=4,
                    use_cache=False,
                ),
            ),
            strong(
                "SSD computes the elementwise state recurrence chunkwise (segsum/cumsum); gated RMSNorm; out_proj maps back",
                recurrent=True,
                uncertain="chunked closed form: no unrolled step for a checker to see",
            ),
            False,
        ),
        (
            "recurrent_gemma",
            _hf(
                "RecurrentGemmaConfig",
                "RecurrentGemmaForCausalLM",
                dict(
                    vocab_size=VOCAB,
                    hidden_size=32,
                    lru_width=32,
                    num_hidden_layers=3,
                    num_attention_heads=4,
                    num_key_value_heads=1,
                    intermediate_size=64,
                    attention_window_size=4,
                    block_types=["recurrent", "attention"],
                    head_dim=8,
                    use_cache=False,
                ),
            ),
            strong(
                "RG-LRU: h = a * h + sqrt(1 - a^2) * (i * x) is elementwise in h; temporal conv is depthwise",
                recurrent=True,
                uncertain="the scan loop has no parameter inside (a is computed before it)",
            ),
            False,
        ),
        (
            "xlstm",
            _hf(
                "xLSTMConfig",
                "xLSTMForCausalLM",
                dict(
                    vocab_size=VOCAB,
                    hidden_size=32,
                    embedding_dim=32,
                    num_heads=4,
                    num_blocks=2,
                    qk_dim_factor=0.5,
                    v_dim_factor=1.0,
                    use_cache=False,
                    mode="train",
                    chunkwise_kernel="chunkwise--native_autograd",
                    sequence_kernel="native_sequence__native",
                    step_kernel="native",
                    chunk_size=4,
                ),
            ),
            strong(
                "mLSTM: matrix memory C = f*C + i*(v k^T) is elementwise in C; gates from inputs only; per-head gates are product factors",
                recurrent=True,
                uncertain="chunkwise kernel computes the recurrence in closed form; issue 8 decides the product-factor rule for the per-head gates",
            ),
            False,
        ),
    ]
    return [Model(hf, name, b, label, cheap) for name, b, label, cheap in cases]


# x-transformers -------------------------------------------------------------------------


def _xt(**attn_kwargs) -> Callable[[], Built]:
    def build():
        from x_transformers import Decoder, TransformerWrapper

        layers = {"dim": 32, "depth": 2, "heads": 4, **attn_kwargs}
        model = TransformerWrapper(num_tokens=VOCAB, max_seq_len=32, attn_layers=Decoder(**layers)).eval()
        return model, (_tokens(),), {}

    return build


def _xt_encoder(**attn_kwargs) -> Callable[[], Built]:
    def build():
        from x_transformers import Encoder, TransformerWrapper

        layers = {"dim": 32, "depth": 2, "heads": 4, **attn_kwargs}
        model = TransformerWrapper(num_tokens=VOCAB, max_seq_len=32, attn_layers=Encoder(**layers)).eval()
        return model, (_tokens(),), {}

    return build


def _xt_vit():
    from x_transformers import Encoder, ViTransformerWrapper

    model = ViTransformerWrapper(
        image_size=32, patch_size=8, num_classes=10, attn_layers=Encoder(dim=32, depth=2, heads=4)
    ).eval()
    return model, _img(IMG32), {}


def _xt_encdec():
    from x_transformers import XTransformer

    model = XTransformer(
        dim=32,
        enc_num_tokens=VOCAB,
        enc_depth=2,
        enc_heads=4,
        enc_max_seq_len=16,
        dec_num_tokens=VOCAB,
        dec_depth=2,
        dec_heads=4,
        dec_max_seq_len=16,
    ).eval()
    return model, (_tokens(), _tokens(6)), {}


def _xt_continuous():
    from x_transformers import ContinuousTransformerWrapper, Decoder

    model = ContinuousTransformerWrapper(
        dim_in=8, dim_out=8, max_seq_len=16, attn_layers=Decoder(dim=32, depth=2, heads=4)
    ).eval()
    return model, (torch.randn(1, 8, 8),), {}


def x_transformers_models() -> list[Model]:
    xt = "x-transformers"
    cases: list[tuple[str, Callable[[], Built], Label, bool]] = [
        ("decoder", _xt(), strong(TRANSFORMER), True),
        (
            "decoder_rotary_glu",
            _xt(rotary_pos_emb=True, ff_glu=True),
            strong(TRANSFORMER + "; rotary, GLU feed-forward"),
            False,
        ),
        (
            "decoder_alibi",
            _xt(alibi_pos_bias=True, alibi_num_heads=2),
            strong(TRANSFORMER + "; ALiBi on some heads"),
            False,
        ),
        ("decoder_rel_pos_bias", _xt(rel_pos_bias=True), strong(TRANSFORMER + "; T5 relative position buckets"), False),
        (
            "decoder_dynamic_pos_bias",
            _xt(dynamic_pos_bias=True),
            strong(TRANSFORMER + "; an MLP over relative distances gives the bias"),
            False,
        ),
        (
            "decoder_residual_attn",
            _xt(residual_attn=True),
            strong(TRANSFORMER + "; each layer adds the previous layer's attention logits (same types)"),
            False,
        ),
        (
            "decoder_talking_heads",
            _xt(attn_pre_talking_heads=True, attn_post_talking_heads=True),
            weak(
                "TNN003",
                why="attend.py adds the pre-softmax talking heads residually: sim + W_heads(sim) with one square"
                " heads matrix (x + W x); labelled strong at first, corrected after reading the library's code",
            ),
            False,
        ),
        (
            "decoder_mem_kv_gqa",
            _xt(attn_num_mem_kv=2, attn_kv_heads=2),
            strong(TRANSFORMER + "; learned memory key/values concatenated along positions; grouped kv heads"),
            False,
        ),
        (
            "decoder_value_residual",
            _xt(add_value_residual=True),
            strong(TRANSFORMER + "; values of later layers are mixed with the first layer's values"),
            False,
        ),
        (
            "decoder_shift_tokens",
            _xt(shift_tokens=1),
            strong(TRANSFORMER + "; token shift pads/slices feature chunks along time"),
            False,
        ),
        (
            "decoder_weight_tied",
            _xt(weight_tie_layers=True),
            strong(
                "one attention+FFN block shared across depth: a recurrence over depth whose state keeps its type",
                recurrent=True,
            ),
            False,
        ),
        (
            "decoder_gate_residual",
            _xt(gate_residual=True),
            weak(
                "TNN002",
                why="GRUGating: nn.GRUCell(branch, residual) applies W_hn to the residual stream and its output becomes "
                "the new residual. A built-in cell called once imposes the step-cell contract on its hx (issue 18, "
                "docs/semantics.md 'Step cells'): its next state must keep hx's type, and W_hn retypes it (TNN002, "
                "recurrent). Labelled TNN005 (a matrix on its own output type, no recurrence) before that rule",
                recurrent=True,
            ),
            False,
        ),
        (
            "decoder_weight_tied_gate_residual",
            _xt(weight_tie_layers=True, gate_residual=True),
            weak(
                "TNN002",
                why="the shared GRUCell acts with W_hn on the residual stream at every depth: a classic GRU over depth",
                recurrent=True,
            ),
            False,
        ),
        (
            "decoder_hyper_connections",
            _xt(num_residual_streams=4),
            strong(
                TRANSFORMER + "; hyper-connections mix residual streams with per-stream weights",
                uncertain="static/dynamic stream-mixing matrices act on the stream axis and are added back to the streams",
            ),
            False,
        ),
        ("vit_wrapper", _xt_vit, strong(TRANSFORMER), False),
        ("xtransformer_encdec", _xt_encdec, strong(TRANSFORMER + "; encoder-decoder with cross-attention"), False),
    ]
    return [Model(xt, name, b, label, cheap) for name, b, label, cheap in cases]


# vit-pytorch ----------------------------------------------------------------------------


def _vp(module: str, cls: str, shape=IMG32, **kwargs) -> Callable[[], Built]:
    def build():
        import importlib

        model = getattr(importlib.import_module(f"vit_pytorch.{module}"), cls)(**kwargs).eval()
        return model, _img(shape), {}

    return build


VP = dict(image_size=32, patch_size=8, num_classes=10, dim=32, depth=2, heads=4, mlp_dim=64, dim_head=8)


def vit_pytorch_models() -> list[Model]:
    vp = "vit-pytorch"
    cases: list[tuple[str, Callable[[], Built], Label, bool]] = [
        ("vit", _vp("vit", "ViT", **VP), strong(TRANSFORMER), True),
        (
            "cait",
            _vp(
                "cait",
                "CaiT",
                image_size=32,
                patch_size=8,
                num_classes=10,
                dim=32,
                depth=2,
                cls_depth=1,
                heads=4,
                mlp_dim=64,
                dim_head=8,
            ),
            strong(TRANSFORMER + "; talking heads and layer scale"),
            False,
        ),
        (
            "deepvit",
            _vp("deepvit", "DeepViT", **VP),
            strong(TRANSFORMER + "; re-attention mixes heads with a square matrix that is not added back to its input"),
            False,
        ),
        (
            "cct",
            _vp(
                "cct",
                "CCT",
                img_size=32,
                embedding_dim=32,
                n_conv_layers=2,
                kernel_size=3,
                stride=1,
                padding=1,
                pooling_kernel_size=3,
                pooling_stride=2,
                pooling_padding=1,
                num_layers=2,
                num_heads=4,
                mlp_ratio=2.0,
                num_classes=10,
            ),
            strong(TRANSFORMER + "; conv tokenizer, attention pooling with a softmax gate"),
            False,
        ),
        (
            "cvt",
            _vp(
                "cvt",
                "CvT",
                num_classes=10,
                s1_emb_dim=16,
                s1_depth=1,
                s1_heads=1,
                s2_emb_dim=32,
                s2_depth=1,
                s2_heads=2,
                s3_emb_dim=32,
                s3_depth=1,
                s3_heads=2,
            ),
            strong(TRANSFORMER + "; depthwise-separable conv projections"),
            False,
        ),
        (
            "pit",
            _vp(
                "pit",
                "PiT",
                image_size=32,
                patch_size=8,
                num_classes=10,
                dim=32,
                depth=(1, 1),
                heads=4,
                mlp_dim=64,
                dim_head=8,
            ),
            strong(TRANSFORMER + "; depthwise conv pooling"),
            False,
        ),
        (
            "local_vit",
            # its FeedForward normalises the last axis of (b, c, h, w) with LayerNorm(dim), which
            # only runs when the patch grid's side equals dim: 64 px / 4 px patches = 16 = dim
            _vp("local_vit", "LocalViT", shape=IMG64, **{**VP, "image_size": 64, "patch_size": 4, "dim": 16}),
            strong(TRANSFORMER + "; FFN with a depthwise conv between two pointwise convs"),
            False,
        ),
        (
            "twins_svt",
            _vp(
                "twins_svt",
                "TwinsSVT",
                IMG64,
                num_classes=10,
                s1_emb_dim=16,
                s2_emb_dim=32,
                s3_emb_dim=32,
                s4_emb_dim=32,
                s1_global_k=2,
                s2_global_k=2,
                s3_global_k=2,
                s4_global_k=1,
                s1_local_patch_size=2,
                s2_local_patch_size=2,
                s3_local_patch_size=2,
                s4_local_patch_size=1,
            ),
            strong(TRANSFORMER + "; PEG is a depthwise conv residual"),
            False,
        ),
        (
            "mobile_vit",
            _vp(
                "mobile_vit",
                "MobileViT",
                IMG64,
                image_size=(64, 64),
                dims=[32, 32, 32],
                channels=[16, 16, 24, 24, 32, 32, 48, 48, 64, 64, 96],
                num_classes=10,
            ),
            strong("MV2 blocks expand by 4 and project; MobileViT blocks fuse conv(cat(x, y))"),
            False,
        ),
        (
            "max_vit",
            _vp(
                "max_vit",
                "MaxViT",
                IMG64,
                num_classes=10,
                dim_conv_stem=16,
                dim=16,
                dim_head=8,
                depth=(1, 1),
                window_size=4,
            ),
            strong(ATTN_CNN),
            False,
        ),
        (
            "nest",
            _vp(
                "nest",
                "NesT",
                image_size=32,
                patch_size=4,
                dim=32,
                heads=4,
                num_hierarchies=2,
                block_repeats=(1, 1),
                num_classes=10,
            ),
            strong(TRANSFORMER + "; conv aggregation between hierarchies"),
            False,
        ),
        (
            "xcit",
            _vp(
                "xcit",
                "XCiT",
                image_size=32,
                patch_size=8,
                num_classes=10,
                dim=32,
                depth=2,
                cls_depth=1,
                heads=4,
                mlp_dim=64,
                dim_head=8,
                local_patch_kernel_size=3,
            ),
            strong("cross-covariance attention with projections; local patch interaction is depthwise"),
            False,
        ),
        (
            "normalized_vit",
            _vp(
                "normalized_vit",
                "nViT",
                image_size=32,
                patch_size=8,
                num_classes=10,
                dim=32,
                depth=2,
                heads=4,
                mlp_dim=64,
                dim_head=8,
            ),
            strong("x = l2norm(lerp(x, branch, alpha)) with branches mapping back"),
            False,
        ),
        (
            "looped_vit",
            _vp(
                "looped_vit",
                "LoopedViT",
                num_classes=10,
                image_size=32,
                patch_size=8,
                dim=32,
                heads=4,
                mlp_dim=64,
                dim_head=8,
                pre_loop_depth=1,
                num_looped_blocks=1,
                post_loop_depth=1,
                loop_depth=2,
            ),
            strong(
                "the same transformer block is applied again to its own output (weight-tied loop); it keeps the type",
                recurrent=True,
                uncertain="constructor signature and loop gate details not verified",
            ),
            False,
        ),
        (
            "vit_for_small_dataset",
            _vp("vit_for_small_dataset", "ViT", **VP),
            strong(TRANSFORMER + "; shifted patch tokenization concatenates padded shifts before a linear map"),
            False,
        ),
        (
            "t2t",
            _vp(
                "t2t",
                "T2TViT",
                image_size=32,
                num_classes=10,
                dim=32,
                depth=2,
                heads=4,
                mlp_dim=64,
                t2t_layers=((7, 4), (3, 2)),
            ),
            weak(
                "TNN003",
                why="its tokens-to-token layers use Transformer(heads=1, dim_head=dim), where vit-pytorch's Attention "
                "has no output projection (project_out is False): x + attn(x) adds to_qkv's value part to its input",
            ),
            False,
        ),
    ]
    return [Model(vp, name, b, label, cheap) for name, b, label, cheap in cases]


# recurrent-network libraries --------------------------------------------------------------


def _ncps(kind: str, **kwargs):
    def build():
        from ncps.torch import LTC, CfC

        cls = {"cfc": CfC, "ltc": LTC}[kind]
        model = cls(8, 16, **kwargs).eval()
        return model, (torch.randn(1, 6, 8),), {}

    return build


class _StepwiseMinGRU(nn.Module):
    """minGRU in its documented sequential mode: one step at a time, feeding prev_hidden."""

    def __init__(self):
        super().__init__()
        from minGRU_pytorch import minGRU

        self.cell = minGRU(16, expansion_factor=1.0)

    def forward(self, x):
        h = None
        for t in range(x.shape[1]):
            out, h = self.cell(x[:, t : t + 1], h, return_next_prev_hidden=True)
        return out


def _mingru(kind: str):
    def build():
        if kind == "stepwise":
            return _StepwiseMinGRU().eval(), (torch.randn(1, 6, 16),), {}
        from minGRU_pytorch.minLM import minLM

        model = minLM(num_tokens=VOCAB, dim=32, depth=2).eval()
        return model, (_tokens(),), {}

    return build


def _sru():
    import sru

    model = sru.SRU(16, 16, num_layers=2).eval()
    return model, (torch.randn(6, 1, 16),), {}


def _torch_lstm_lm():
    class LSTMLanguageModel(nn.Module):
        """torch's word_language_model example: embedding, 2-layer nn.LSTM, decoder."""

        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(VOCAB, 16)
            self.rnn = nn.LSTM(16, 32, num_layers=2, batch_first=True)
            self.decoder = nn.Linear(32, VOCAB)

        def forward(self, tokens):
            out, _ = self.rnn(self.encoder(tokens))
            return self.decoder(out)

    return LSTMLanguageModel().eval(), (_tokens(),), {}


def rnn_models() -> list[Model]:
    rnn = "rnn-libs"
    cases: list[tuple[str, Callable[[], Built], Label, bool]] = [
        (
            "ncps_cfc",
            _ncps("cfc"),
            strong(
                "CfC: h' = ff1(B) * (1 - t) + t * ff2(B) with B = f(backbone(cat(x, h))): two matrices between h and h'"
                " (H -> B -> H), like x + W2 f(W1 x), so the state keeps its type",
                recurrent=True,
                uncertain="type-consistent under the written rules, though its firmware is not elementwise (the paper's"
                " T-RNN discipline); labelled weak TNN002 at first, corrected by reasoning before adjudication",
            ),
            False,
        ),
        (
            "ncps_cfc_mixed_memory",
            _ncps("cfc", mixed_memory=True),
            strong(
                why="the LSTMCell's recurrent map acts on the CfC's state, not on its own output: the loop "
                "passes through the CfC's matrices too (like x -> W2 f(W1 x)), and no matrix maps a type to itself",
                recurrent=True,
            ),
            False,
        ),
        (
            "ncps_ltc",
            _ncps("ltc"),
            weak(
                "TNN002",
                why="liquid time-constant cells mix neurons through learned synapse weights summed over presynaptic neurons",
                recurrent=True,
                uncertain="the synaptic sum is broadcast-multiply + sum, not a contraction op: the written semantics only make contraction ops matrices",
            ),
            False,
        ),
        (
            "mingru_stepwise",
            _mingru("stepwise"),
            strong(
                "minGRU step: h = lerp(h, W_h x, sigmoid(W_z x)); gates and candidate from the input only",
                recurrent=True,
            ),
            True,
        ),
        (
            "mingru_lm",
            _mingru("lm"),
            strong(
                "minGRU layers in log-space parallel scan; causal depthwise conv; FFN maps back",
                recurrent=True,
                uncertain="parallel scan (logcumsumexp) has no unrolled step",
            ),
            False,
        ),
        (
            "sru",
            _sru,
            weak(
                "TNN003",
                why="SRU's highway: h = r * c + (1 - r) * x adds the input to a state computed from W x (input highway)",
                recurrent=True,
                uncertain="the conflict chain runs through the elementwise state c, so a checker may call it TNN002",
            ),
            False,
        ),
        ("torch_lstm_lm", _torch_lstm_lm, weak("TNN002", why=LSTM, recurrent=True), True),
    ]
    return [Model(rnn, name, b, label, cheap) for name, b, label, cheap in cases]


def registry() -> list[Model]:
    models = (
        torchvision_models()
        + timm_models()
        + transformers_models()
        + x_transformers_models()
        + vit_pytorch_models()
        + rnn_models()
    )
    keys = [m.key for m in models]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"duplicate primer entries: {sorted(duplicates)}")
    return models
