"""DesignGAN: cross-category garment translation driven by landmark attention."""

__version__ = "0.1.0"
