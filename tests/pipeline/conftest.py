"""The pipeline tests' helpers live in :mod:`tests.parts` (tiny untrained parts) and their fixtures (``run_dir``,
``pipeline_dir``, ``jeans_photo``) in ``tests/conftest.py``, shared with the other folders' tests; re-exported here
for the pipeline tests that import them from this module."""

from tests.parts import landmarks_from_mask, tiny_parts, tiny_translator_config, write_run

__all__ = ["landmarks_from_mask", "tiny_parts", "tiny_translator_config", "write_run"]
