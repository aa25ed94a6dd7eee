import numpy as np
import pytest

from designgan.landmarks.garment import (
    CCP_LABEL_IDS,
    garment_landmarks_from_label_map,
    lower_garment_landmarks,
    upper_garment_landmarks,
)
from designgan.landmarks.schema import GARMENT_NAMES, LOWER_GARMENT_NAMES, UPPER_GARMENT_NAMES
from tests.conftest import CCP_MINI


def skirt_mask(h=300, w=200):
    """A trapezoid: waist x 80..120 at y 100, hem x 60..140 at y 200."""
    mask = np.zeros((h, w), bool)
    for y in range(100, 201):
        t = (y - 100) / 100
        mask[y, round(80 - 20 * t):round(120 + 20 * t) + 1] = True
    return mask


def trousers_mask(h=340, w=240):
    mask = np.zeros((h, w), bool)
    mask[100:141, 80:161] = True  # seat
    mask[141:301, 80:116] = True  # image-left leg
    mask[141:301, 125:161] = True  # image-right leg
    return mask


def close(p, xy, tol=3.0):
    return np.linalg.norm(np.asarray(p) - np.asarray(xy)) <= tol


def test_skirt_corners_follow_the_person_sides():
    pts = lower_garment_landmarks(skirt_mask(), "skirt")
    assert set(pts) == {"left_waistline", "right_waistline", "left_hem", "right_hem"}
    # frontal photo: the person's left is the image's right
    assert close(pts["left_waistline"], (120, 101)) and close(pts["right_waistline"], (80, 101))
    assert close(pts["left_hem"], (140, 199)) and close(pts["right_hem"], (60, 199))
    back = lower_garment_landmarks(skirt_mask(), "skirt", left_on_image_right=False)
    assert close(back["left_hem"], (60, 199))


def test_trousers_crotch_and_leg_hems():
    pts = lower_garment_landmarks(trousers_mask(), "trousers")
    assert set(pts) == set(LOWER_GARMENT_NAMES)
    assert close(pts["crotch"], (120, 141), tol=2)
    assert close(pts["left_hem"], (160, 299)) and close(pts["left_inner_hem"], (125, 299))
    assert close(pts["right_hem"], (80, 299)) and close(pts["right_inner_hem"], (115, 299))


def test_trousers_with_legs_together_have_no_crotch():
    mask = np.zeros((300, 200), bool)
    mask[50:250, 60:140] = True
    pts = lower_garment_landmarks(mask, "trousers")
    assert "crotch" not in pts and "left_inner_hem" not in pts
    assert close(pts["left_hem"], (139, 248))


def test_empty_mask_and_bad_family():
    assert lower_garment_landmarks(np.zeros((10, 10), bool), "skirt") == {}
    with pytest.raises(ValueError):
        lower_garment_landmarks(np.ones((10, 10), bool), "dress")


def tshirt_and_body():
    mask = np.zeros((260, 240), bool)
    mask[50:201, 80:161] = True
    mask[50:61, 110:131] = False  # neck opening
    # the person's left sleeve (image right) runs from the shoulder to the elbow
    for t in np.linspace(0, 1, 200):
        x, y = 155 + 20 * t, 60 + 60 * t
        mask[int(y) - 6:int(y) + 7, int(x) - 6:int(x) + 7] = True
    body = {
        "left_shoulder": np.array([155.0, 60, 1]), "left_elbow": np.array([175.0, 120, 1]),
        "left_wrist": np.array([185.0, 180, 1]),
        "right_shoulder": np.array([85.0, 60, 1]), "right_elbow": np.array([40.0, 100, 1]),
        "right_wrist": np.array([30.0, 160, 1]),
        "left_hip": np.array([150.0, 190, 1]), "right_hip": np.array([90.0, 190, 1]),
    }
    return mask, body


def test_upper_garment_collar_hem_and_sleeves():
    mask, body = tshirt_and_body()
    pts = upper_garment_landmarks(mask, body)
    assert 130 <= pts["left_collar"][0] <= 150 and 90 <= pts["right_collar"][0] <= 110
    assert pts["left_collar"][1] == pts["right_collar"][1] == 50
    assert close(pts["left_upper_hem"], (160, 199)) and close(pts["right_upper_hem"], (80, 199))
    # the sleeve ends a little past the elbow (the dilation), the bare right arm has none
    assert close(pts["left_sleeve_end"], (177, 126), tol=6)
    assert "right_sleeve_end" not in pts
    assert "left_sleeve_end" not in upper_garment_landmarks(mask, None)


def test_label_map_families_and_unknowns():
    mask, body = tshirt_and_body()
    label_map = np.zeros((260, 240), np.uint8)
    label_map[mask] = CCP_LABEL_IDS["t-shirt"]
    label_map[205:255, 90:151] = CCP_LABEL_IDS["skirt"]
    result = garment_landmarks_from_label_map(label_map, body)
    assert result.lower_family == "skirt" and result.upper_present
    vis = dict(zip(GARMENT_NAMES, result.points[:, 2], strict=True))
    assert vis["left_hem"] == 1 and vis["crotch"] == 0 and vis["left_collar"] == 1
    assert result.labelled.all()  # the skirt's missing crotch is known-absent, not unknown

    dress = np.zeros((260, 240), np.uint8)
    dress[50:250, 80:160] = CCP_LABEL_IDS["dress"]
    result = garment_landmarks_from_label_map(dress, body)
    assert result.lower_family is None and not result.labelled.any()
    assert (result.points[:, 2] == 0).all()

    nothing = garment_landmarks_from_label_map(np.zeros((100, 80), np.uint8), None)
    assert nothing.labelled[[GARMENT_NAMES.index(n) for n in LOWER_GARMENT_NAMES]].all()
    # without an arm seen, sleeve ends are unknown only when an upper garment exists
    shirt = np.zeros((260, 240), np.uint8)
    shirt[mask] = CCP_LABEL_IDS["shirt"]
    no_arms = garment_landmarks_from_label_map(shirt, None)
    assert not no_arms.labelled[GARMENT_NAMES.index("left_sleeve_end")]
    assert no_arms.labelled[[GARMENT_NAMES.index(n) for n in UPPER_GARMENT_NAMES if "sleeve" not in n]].all()


def test_tights_count_as_trousers_only_without_a_skirt():
    base = trousers_mask()
    label_map = np.zeros(base.shape, np.uint8)
    label_map[base] = CCP_LABEL_IDS["tights"]
    assert garment_landmarks_from_label_map(label_map).lower_family == "trousers"
    label_map[100:160, 70:170] = CCP_LABEL_IDS["skirt"]
    assert garment_landmarks_from_label_map(label_map).lower_family == "skirt"


def test_label_ids_match_ccp_label_list():
    scipy_io = pytest.importorskip("scipy.io")
    cells = scipy_io.loadmat(str(CCP_MINI / "label_list.mat"))["label_list"].ravel()
    names = [str(np.asarray(c).ravel()[0]) if np.asarray(c).size else "" for c in cells]
    for name, idx in CCP_LABEL_IDS.items():
        assert names[idx] == name


def test_real_ccp_label_maps_give_plausible_landmarks():
    """On the committed CCP slice: families match the labels and the geometry is ordered top to bottom."""
    from designgan.data.ccp import CCP

    ccp = CCP(CCP_MINI)
    families = {}
    for image_id in ccp.pixel_level_ids():
        label_map = ccp.load_label_map(image_id)
        result = garment_landmarks_from_label_map(label_map)
        families[image_id] = result.lower_family
        p = dict(zip(GARMENT_NAMES, result.points, strict=True))
        if result.lower_family is not None:
            assert p["left_waistline"][2] == p["left_hem"][2] == 1
            assert p["left_waistline"][1] < p["left_hem"][1] and p["right_waistline"][1] < p["right_hem"][1]
            assert p["left_waistline"][0] > p["right_waistline"][0]  # frontal: person's left on image right
            if p["crotch"][2]:
                assert p["left_waistline"][1] < p["crotch"][1] < p["left_hem"][1]
        if result.upper_present:
            assert p["left_collar"][2] == 1 and p["left_collar"][1] < p["left_upper_hem"][1]
    skirt_id = CCP_LABEL_IDS["skirt"]
    trouser_ids = {CCP_LABEL_IDS[n] for n in ("jeans", "pants", "shorts")}
    checked = 0
    for image_id, family in families.items():
        ids = set(np.unique(ccp.load_label_map(image_id)).tolist())
        if skirt_id in ids and not ids & trouser_ids:
            assert family == "skirt"
            checked += 1
        elif ids & trouser_ids and skirt_id not in ids:
            assert family == "trousers"
            checked += 1
    assert checked >= 2
