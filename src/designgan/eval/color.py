"""Colour science in numpy: the CIEDE2000 colour difference, and sRGB -> CIELAB (D65; defined in
:mod:`designgan.imaging`, which the layers below the evaluation share).

CIEDE2000 follows Sharma, Wu & Dalal, "The CIEDE2000 color-difference formula: implementation notes,
supplementary test data, and mathematical observations", Color Research & Application 30(1), 2005; the tests
check it against that paper's 34 reference pairs.
"""

from __future__ import annotations

import numpy as np

from designgan.imaging import srgb_to_lab

__all__ = ["ciede2000", "srgb_to_lab"]


def ciede2000(lab1: np.ndarray, lab2: np.ndarray, kl: float = 1.0, kc: float = 1.0, kh: float = 1.0) -> np.ndarray:
    """CIEDE2000 difference between (..., 3) Lab arrays (broadcast against each other); returns (...)."""
    lab1, lab2 = np.broadcast_arrays(np.asarray(lab1, np.float64), np.asarray(lab2, np.float64))
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = 0.5 * (np.hypot(a1, b1) + np.hypot(a2, b2))
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    # hue angles in degrees in [0, 360); defined as 0 where the chroma is 0
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360)

    dl = l2 - l1
    dc = c2p - c1p
    chroma_product = c1p * c2p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(chroma_product == 0, 0.0, dh)
    dH = 2 * np.sqrt(chroma_product) * np.sin(np.radians(dh / 2))

    l_bar = 0.5 * (l1 + l2)
    c_bar_p = 0.5 * (c1p + c2p)
    h_sum = h1p + h2p
    h_bar = np.where(np.abs(h1p - h2p) <= 180, 0.5 * h_sum,
                     np.where(h_sum < 360, 0.5 * (h_sum + 360), 0.5 * (h_sum - 360)))
    h_bar = np.where(chroma_product == 0, h_sum, h_bar)

    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    rc = 2 * np.sqrt(c_bar_p**7 / (c_bar_p**7 + 25.0**7))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    sc = 1 + 0.045 * c_bar_p
    sh = 1 + 0.015 * c_bar_p * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    tl, tc, th = dl / (kl * sl), dc / (kc * sc), dH / (kh * sh)
    return np.sqrt(tl**2 + tc**2 + th**2 + rt * tc * th)
