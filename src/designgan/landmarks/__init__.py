"""Landmark attention: body keypoints and garment landmarks from an HRNet heatmap regressor.

Submodules: ``schema`` (names, groups, flip index), ``garment`` (landmarks from garment masks), ``teacher``
(MediaPipe pseudo-labels, optional extra), ``heatmaps`` (targets and decoding), ``model`` (the network),
``loss``, ``attention`` (masks and heatmap stacks for the translator, body-part regions for the skin loss),
``predict`` (shipped weights on photos), ``train``, ``cli``.
"""

from designgan.landmarks.schema import FLIP_INDEX, LANDMARK_NAMES, NUM_LANDMARKS

__all__ = ["FLIP_INDEX", "LANDMARK_NAMES", "NUM_LANDMARKS"]
