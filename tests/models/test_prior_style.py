"""Design controls of the rendered prior (issue 30): the drawn layout measured against what was asked."""

from __future__ import annotations

import pytest
import torch

from designgan.errors import ConfigError, DesignGANError
from designgan.landmarks.schema import BODY_NAMES
from designgan.models.prior import PriorRenderer
from designgan.models.prior_style import HEM_CURVE, HEM_DROP, LEG_OVER_FACE, SKIRT_LENGTHS, TROUSER_LENGTHS, PriorStyle
from designgan.models.translator import ModelConfig, build_generator
from tests.models.test_prior import HAND, POINTS, H, W, frame_inputs, legs

HIP_Y, KNEE_Y, ANKLE_Y = POINTS["left_hip"][1], POINTS["left_knee"][1], POINTS["left_ankle"][1]
LEG = ANKLE_Y - HIP_Y  # the leg's length in the fixture's frame, in rows
CENTRE_X = (POINTS["left_hip"][0] + POINTS["right_hip"][0]) // 2


def mark(fraction: float) -> float:
    """The row a hem is asked to hang at, computed here from the fixture's landmarks (hips 0, knees 0.5, ankles 1,
    linear between them) plus the documented drop."""
    if fraction <= 0.5:
        row = HIP_Y + 2 * fraction * (KNEE_Y - HIP_Y)
    else:
        row = KNEE_Y + (2 * fraction - 1) * (ANKLE_Y - KNEE_Y)
    return row + HEM_DROP * H


def lowest_row(mask: torch.Tensor, column: int) -> float:
    """The lowest row (with its anti-aliased fraction) the garment ``mask`` (H, W) covers in ``column``."""
    covered = (mask[:, column] > 0.5).nonzero()
    return float(covered.max()) + 0.5


def draw(family: str, style: PriorStyle, inputs: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    image, attention = inputs or frame_inputs()
    return PriorRenderer(family, list(BODY_NAMES), style=style)(image, attention).mask[0, 0]


@pytest.mark.parametrize("length", ["mini", "knee", "midi", "maxi"])
def test_a_skirt_hem_lands_within_3_percent_of_the_leg_of_what_was_asked(length):
    mask = draw("skirt", PriorStyle(length=length))
    asked = mark(SKIRT_LENGTHS[length]) + HEM_CURVE * H  # the hem's middle hangs the curve lower than its sides
    assert abs(lowest_row(mask, CENTRE_X) - asked) <= 0.03 * LEG, length
    assert mask[HIP_Y, CENTRE_X] > 0.99  # it starts at the waist whatever its length


@pytest.mark.parametrize("length", [0.4, 0.62])
def test_a_length_given_as_a_fraction_of_the_leg_is_drawn_there(length):
    mask = draw("skirt", PriorStyle(length=length))
    assert abs(lowest_row(mask, CENTRE_X) - mark(length) - HEM_CURVE * H) <= 0.03 * LEG


@pytest.mark.parametrize("length", ["shorts", "cropped"])
def test_trouser_hems_land_within_3_percent_of_the_leg(length):
    mask = draw("trousers", PriorStyle(length=length))
    leg_x = POINTS["left_knee"][0]  # the hem is level: read it on a leg's axis
    assert abs(lowest_row(mask, leg_x) - mark(TROUSER_LENGTHS[length])) <= 0.03 * LEG, length


def test_the_default_lengths_are_knee_skirts_full_trousers_and_shorts_at_the_thigh():
    assert torch.equal(draw("skirt", PriorStyle()), draw("skirt", PriorStyle(length="knee")))
    assert torch.equal(draw("trousers", PriorStyle()), draw("trousers", PriorStyle(length="full")))
    assert torch.equal(draw("shorts", PriorStyle()), draw("trousers", PriorStyle(length="shorts")))


def test_fit_widths_order_slim_straight_wide():
    widths = {}
    for fit in ("slim", "straight", "wide"):
        mask = draw("trousers", PriorStyle(fit=fit)) > 0.5
        widths[fit] = [int(mask[row].sum()) for row in (50, KNEE_Y, 100)]  # thigh, knee, shin
    for row in range(3):
        assert widths["slim"][row] < widths["straight"][row] < widths["wide"][row], widths


def test_cuts_order_pencil_a_line_flared_at_the_hem():
    row = KNEE_Y  # just above a knee-length hem
    widths = {cut: int((draw("skirt", PriorStyle(cut=cut))[row] > 0.5).sum()) for cut in ("pencil", "a-line", "flared")}
    assert widths["pencil"] < widths["a-line"] < widths["flared"], widths
    assert int((draw("skirt", PriorStyle(flare=2.2))[row] > 0.5).sum()) > widths["flared"]  # the flare overrides


def test_pleats_shade_folds_across_a_flared_hem():
    image, attention = frame_inputs()
    flared = PriorRenderer("skirt", list(BODY_NAMES), style=PriorStyle(cut="flared"))(image, attention).image
    plain = PriorRenderer("skirt", list(BODY_NAMES), style=PriorStyle(cut="a-line"))(image, attention).image
    def ripple(picture: torch.Tensor) -> float:  # what changes faster than the cylinder shading across a row
        return float(picture[0, :, KNEE_Y, 20:44].diff(dim=-1).diff(dim=-1).abs().mean())

    assert ripple(flared) > 3 * ripple(plain)


def test_shorts_show_skin_where_the_trousers_were_and_keep_their_fabric():
    image, attention = frame_inputs()
    out = PriorRenderer("shorts", list(BODY_NAMES))(image, attention)
    mask = out.mask[0, 0]
    assert mask[45, 40] > 0.99 and mask[100, 40] < 0.01  # the thigh covered, the shin not
    shin = out.image[0, :, 100, 40]
    # the hands' skin taken to the legs' (the measured ratio), lit on the leg's axis
    assert torch.allclose(shin, (HAND + 1) * torch.tensor(LEG_OVER_FACE) * 1.06 - 1, atol=0.1)
    assert (out.image[0, :, 45, 40] - torch.tensor([-0.8, -0.7, 0.4])).abs().max() < 0.2  # the denim kept


def test_a_mini_skirt_shows_the_thighs_as_skin():
    image, attention = frame_inputs()
    out = PriorRenderer("skirt", list(BODY_NAMES), style=PriorStyle(length="mini"))(image, attention)
    thigh = out.image[0, :, round(mark(0.4)) + 4, 40]  # below the mini's hem, above the knee
    assert torch.allclose(thigh, (HAND + 1) * 1.06 - 1, atol=0.12)


def test_a_length_the_photo_cannot_show_is_refused_in_one_line():
    image, attention = frame_inputs()
    for name in ("left_ankle", "right_ankle"):
        attention[:, 1 + list(BODY_NAMES).index(name)] = 0  # legs cut off above the ankles
    prior = PriorRenderer("skirt", list(BODY_NAMES))
    prior(image, attention, style=PriorStyle(length="knee"))  # the knees are seen: drawn
    with pytest.raises(DesignGANError, match="cut off") as info:
        prior(image, attention, style=PriorStyle(length="midi"))
    assert "\n" not in str(info.value)
    with pytest.raises(DesignGANError, match="bottom edge"):  # a hem past the frame's bottom
        image, attention = frame_inputs()
        prior(image[..., :118, :], attention[..., :118, :], style=PriorStyle(length=1.0))  # ankles at row 115


def test_styles_are_checked_in_one_line_naming_the_key():
    for bad, key in ((PriorStyle(length="ankle"), "length"), (PriorStyle(length=0.05), "length"),
                     (PriorStyle(cut="tulip"), "cut"), (PriorStyle(fit="baggy"), "fit"), (PriorStyle(flare=9), "flare"),
                     (PriorStyle(waist=0.5), "waist")):
        with pytest.raises(ConfigError, match=key):
            bad.validate()
    with pytest.raises(ConfigError, match="trousers cannot be drawn 'midi'"):
        PriorRenderer("trousers", list(BODY_NAMES), style=PriorStyle(length="midi"))
    with pytest.raises(ConfigError, match="unknown key 'hem'"):
        PriorStyle.from_dict({"hem": 0.5})
    assert PriorStyle.from_dict({"length": "midi", "cut": "pencil"}) == PriorStyle(length="midi", cut="pencil")


def test_the_model_config_holds_the_style_and_refuses_one_its_families_cannot_draw():
    from designgan.config import from_dict

    model = from_dict(ModelConfig, {"generator": "prior_renderer", "prior_families": ["trousers", "shorts"],
                                    "prior_style": {"fit": "wide"}}, "model").validate()
    assert model.prior_style == PriorStyle(fit="wide")
    assert model.saved_dict() == {"generator": "prior_renderer", "prior_families": ["trousers", "shorts"],
                                  "prior_style": PriorStyle(fit="wide").to_dict(),  # no network sizes but the
                                  "prior_in_front_widths": [16, 32, 64, 128],  # in-front segmenter's it carries
                                  "prior_in_front_inside": False}
    bad = from_dict(ModelConfig, {"generator": "prior_renderer", "prior_style": {"length": "maxi"}}, "model")
    with pytest.raises(ConfigError, match=r"model\.prior_style\.length"):
        bad.validate()  # trousers cannot be maxi


def test_skin_colour_given_by_the_caller_paints_the_shorts_legs():
    image, attention = frame_inputs()
    skin = torch.tensor([[0.1, -0.2, -0.4]])
    out = PriorRenderer("shorts", list(BODY_NAMES))(image, attention, skin=skin)
    assert torch.allclose(out.image[0, :, 100, 40], (skin[0] + 1) * 1.06 - 1, atol=0.1)
    assert not torch.allclose(out.image[0, :, 100, 40], (HAND + 1) * 1.06 - 1, atol=0.1)


def test_skin_legs_follow_the_measured_lower_leg_profile():
    from designgan.models.prior_shapes import grid_of, skin_legs
    from designgan.models.prior_style import LOWER_LEG

    h, w = 256, 128
    knee_y, ankle_y = 110.0, 200.0
    pose = {"hips": torch.tensor([[[40.0, 20.0], [88.0, 20.0]]]),
            "knees": torch.tensor([[[40.0, knee_y], [88.0, knee_y]]]),
            "ankles": torch.tensor([[[40.0, ankle_y], [88.0, ankle_y]]])}
    legs, _ = skin_legs(grid_of(h, w, torch.device("cpu")), pose, fraction=0.5)
    for f, half in LOWER_LEG[1:-1]:  # the profile's inner points: the ends are capped
        row = round(knee_y + f * (ankle_y - knee_y))
        width = float(legs[0, 0, row, :w // 2].sum())  # the left leg's coverage across that row
        assert abs(width - 2 * half * h) <= 1.0, f"at {f:+.2f} of knee -> ankle: {width:.1f} px, not {2 * half * h}"


def test_the_in_front_segmenters_widths_are_checked_and_built():
    from designgan.config import from_dict

    with pytest.raises(ConfigError, match=r"model\.prior_in_front_widths"):
        from_dict(ModelConfig, {"generator": "prior_renderer", "prior_in_front_widths": [0, 8]}, "model").validate()
    model = from_dict(ModelConfig, {"generator": "prior_renderer", "prior_in_front_widths": [8, 16]},
                      "model").validate()
    generator = build_generator(model, 1, [], into="b")
    assert generator.in_front.config.widths == (8, 16) and not generator.in_front_inside


def test_a_skirt_is_at_least_as_wide_as_the_legs_under_it_and_no_skin_shows_beside_it():
    """A pencil cut on the fixture's straddled legs (knees 16 px apart): drawn to its flare, the hem would be
    narrower than the legs, and the thighs stuck out beside the skirt as skin. The hem takes the legs' width and
    above the hem no skin shows outside the skirt."""
    from designgan.models.prior_style import CALF_RADIUS

    image, attention = frame_inputs()
    out = PriorRenderer("skirt", list(BODY_NAMES), style=PriorStyle(cut="pencil"))(image, attention)
    skirt = out.mask[0, 0]
    hem_side = round(mark(SKIRT_LENGTHS["knee"])) - 1  # just above where the hem's sides hang
    reach = CALF_RADIUS * H - 1
    left, right = round(POINTS["right_knee"][0] - reach), round(POINTS["left_knee"][0] + reach)
    assert skirt[hem_side, left] > 0.5 and skirt[hem_side, right] > 0.5
    skin = (out.image[0] - legs(HAND)[:, None, None]).abs().amax(dim=0) < 0.25
    above = torch.arange(H)[:, None] < hem_side
    assert not (skin & above & (skirt < 0.5) & (torch.arange(W)[None] > 12) & (torch.arange(W)[None] < 52)).any()
