import numpy as np
import pytest

from designgan.landmarks.metrics import pck_by_group, person_heights
from designgan.landmarks.schema import INDEX, NUM_LANDMARKS


def labels(n=3):
    gt = np.zeros((n, NUM_LANDMARKS, 3))
    gt[:, INDEX["nose"]] = (50, 10, 1)
    gt[:, INDEX["left_ankle"]] = (55, 110, 1)  # person height 100
    gt[:, INDEX["left_hem"]] = (60, 80, 1)
    return gt


def test_person_height_from_visible_body_points():
    gt = labels()
    gt[2, INDEX["left_ankle"], 2] = 0
    h = person_heights(gt)
    assert h[:2].tolist() == [100, 100] and np.isnan(h[2])


def test_pck_thresholds_by_height():
    gt = labels()
    weights = np.ones(gt.shape[:2])
    pred = gt.copy()
    pred[0, INDEX["left_hem"], 0] += 7  # within 0.1 * 100, outside 0.05
    pred[1, INDEX["left_hem"], 0] += 12  # outside both
    m = pck_by_group(pred, gt, weights)
    assert m["body"]["pck@0.1"] == 1.0 and m["body"]["count"] == 6
    assert m["lower_garment"]["count"] == 3
    assert m["lower_garment"]["pck@0.1"] == pytest.approx(2 / 3)
    assert m["lower_garment"]["pck@0.05"] == pytest.approx(1 / 3)
    weights[:, INDEX["left_hem"]] = 0  # unlabelled: not counted
    assert pck_by_group(pred, gt, weights)["lower_garment"]["count"] == 0


def test_absent_landmarks_rejected_when_low_confidence():
    gt = labels(2)
    weights = np.ones(gt.shape[:2])
    pred = gt.copy()
    pred[0, INDEX["crotch"], 2] = 0.9  # confident about a landmark that does not exist
    m = pck_by_group(pred, gt, weights)
    assert m["lower_garment"]["absent_count"] == 12  # 6 absent lower landmarks x 2 photos
    assert m["lower_garment"]["absent_rejected"] == pytest.approx(11 / 12)
