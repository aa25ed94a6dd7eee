from designgan.landmarks.schema import (
    BODY_NAMES,
    FLIP_INDEX,
    GARMENT_NAMES,
    GROUPS,
    LANDMARK_NAMES,
    MEDIAPIPE_INDEX,
    flip_index,
    mirror_name,
)


def test_names_unique_and_grouped():
    assert len(set(LANDMARK_NAMES)) == len(LANDMARK_NAMES)
    assert LANDMARK_NAMES == BODY_NAMES + GARMENT_NAMES
    grouped = [n for names in GROUPS.values() for n in names]
    assert sorted(grouped) == sorted(LANDMARK_NAMES)


def test_flip_index_is_an_involution_that_swaps_sides():
    assert len(FLIP_INDEX) == len(LANDMARK_NAMES)
    for i, j in enumerate(FLIP_INDEX):
        assert FLIP_INDEX[j] == i
        a, b = LANDMARK_NAMES[i], LANDMARK_NAMES[j]
        if a.startswith("left_"):
            assert b == "right_" + a[5:]
        elif a.startswith("right_"):
            assert b == "left_" + a[6:]
        else:
            assert i == j


def test_mirror_name_and_custom_list():
    assert mirror_name("left_knee") == "right_knee"
    assert mirror_name("crotch") == "crotch"
    assert flip_index(("left_a", "nose", "right_a")) == [2, 1, 0]


def test_mediapipe_indices_cover_body_and_keep_sides():
    assert set(MEDIAPIPE_INDEX) == set(BODY_NAMES)
    for name, idx in MEDIAPIPE_INDEX.items():
        if name.startswith("left_"):
            assert idx % 2 == 1 and MEDIAPIPE_INDEX[mirror_name(name)] == idx + 1  # BlazePose: left odd, right even
