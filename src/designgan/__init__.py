"""DesignGAN: cross-category garment translation driven by landmark attention."""

from pathlib import Path

__version__ = "0.1.0"
# The networks shipped inside the package (fp16 safetensors + JSON sidecars): every module's default weights file
# lies here, and every loader takes another path as an argument (nothing patches this).
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
