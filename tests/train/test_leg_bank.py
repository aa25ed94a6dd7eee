"""The prior's measured legs (train.leg_bank) on a synthetic painter pack whose skirt frames show two skin legs
of known width."""

from __future__ import annotations

import numpy as np
import pytest

from designgan.errors import DataError
from designgan.models.leg_shading import (
    CALF_ROWS,
    COLS,
    KNEE_FADE,
    ROWS,
    is_clean,
    leg_map,
    run_widths,
    sample_across_leg,
)
from designgan.train.leg_bank import MeasuredLeg, leg_bank, measure_legs, training_data
from designgan.train.painter_data import is_validation
from tests.models.test_leg_shading import ANKLE, HIP, KNEE, _leg_photo

from .painter_fixtures import write_synthetic_pack


@pytest.fixture(scope="module")
def legs(tmp_path_factory: pytest.TempPathFactory) -> list:
    return measure_legs(training_data(write_synthetic_pack(tmp_path_factory.mktemp("legs") / "pack.pt")))


def test_only_training_photos_skin_legs_are_measured_at_their_width(legs):
    assert legs and not any(is_validation(leg.photo) for leg in legs)
    assert all(int(leg.photo) % 2 == 0 for leg in legs)  # the skirt frames (seed = id - 1 odd) show skin legs
    # the fixture's legs are 5 pack pixels wide; the 256-row frame shows the pack's 64 rows 4x
    lower = np.stack([leg.widths for leg in legs])[:, ROWS // 2 + 6:ROWS - 4]
    assert abs(np.nanmedian(lower) - 5 * 4 / 256) <= 1.5 / 256


def test_the_bank_pairs_each_photos_clean_legs_and_drops_the_rest(legs):
    with pytest.raises(DataError, match="none of the"):
        leg_bank(legs)  # the fixture's legs start at the skirt's edge: a jump no clean leg has
    rgb, on = sample_across_leg(*_leg_photo(0.9), HIP, KNEE, ANKLE)
    maps, colour = leg_map(rgb, on)
    assert is_clean(maps)
    hand = maps.copy()
    hand[:3, 32:36] = np.log(0.4)
    softer = maps.copy()
    softer[:3] *= 0.5  # the other leg: half the light, all of it seen
    made = [MeasuredLeg("0002", 0, maps, colour, run_widths(on)), MeasuredLeg("0002", 1, softer, colour,
                                                                             run_widths(on)),
            MeasuredLeg("0004", 1, maps, colour, run_widths(on)), MeasuredLeg("0006", 0, hand, colour, run_widths(on))]
    shading, colours, summary = leg_bank(made)
    assert summary == {"legs": 4, "clean_legs": 3, "pairs": 2, "both_legs_clean": 1}
    assert shading.shape == (2, 8, ROWS, COLS) and colours.shape == (2, 3)
    assert np.allclose(shading[0, :3], maps[:3]) and np.allclose(shading[0, 4:7], softer[:3])  # "0002": left, right
    assert np.allclose(shading[1, :3], maps[:3]) and np.allclose(shading[1, 4:7], maps[:3])  # "0004": one leg twice
    seen = shading[0, 3].numpy()
    assert seen[:CALF_ROWS.start - KNEE_FADE].max() == 0 and (seen[CALF_ROWS] == maps[3, CALF_ROWS]).all()
    assert 0 < seen[CALF_ROWS.start - 1].max() < 1  # fading in above the checked rows
