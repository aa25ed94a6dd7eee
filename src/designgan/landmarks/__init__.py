"""Landmark attention: body keypoints and garment landmarks from an HRNet heatmap regressor.

Submodules: ``schema`` (names, groups, flip index), ``garment`` (landmarks from garment masks), ``teacher``
(MediaPipe pseudo-labels, optional extra), ``heatmaps`` (targets and decoding), ``model`` (the network),
``loss``, ``regions`` (garment regions drawn from landmarks, for the pipeline and training), ``predict`` (shipped
weights on photos), ``train``, ``cli``. The translator's heatmap stacks are rendered by ``heatmaps``.
"""

from designgan.landmarks.schema import FLIP_INDEX, LANDMARK_NAMES, NUM_LANDMARKS

__all__ = ["FLIP_INDEX", "LANDMARK_NAMES", "NUM_LANDMARKS"]
