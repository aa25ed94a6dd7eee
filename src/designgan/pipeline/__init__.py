"""Inference: photo in, photo with its garment changed out (diffusers-style ``DesignGANPipeline``).

    pipe = DesignGANPipeline.from_pretrained("runs/jeans2skirt")   # a run, a saved pipeline or model, a bundled name
    out = pipe(load_image("photo.jpg"), to="skirt")                # out.image, out.source_mask, out.people, ...

Modules, in the order one photo meets them (docs/architecture.md has the whole path):

========== ============================================================================================
bundled    the weights shipped in ``designgan/weights`` (:data:`WEIGHTS_DIR`; no torch: the command line lists
           the translators at start-up)
weights    loading a translator (a bundled name / saved model / training run) and saving one
spec       :class:`TranslatorConfig` (what inference reads of a training config) and :class:`TranslatorSpec`
components the pipeline's five parts (:class:`Translator`, landmarks, masker, detector, garment classifier), each
           from its own weights, and a saved pipeline's folder (``pipeline.json`` + a sub-folder per part)
core       :class:`DesignGANPipeline`: check inputs -> find people -> prepare crops -> generate -> refine -> compose
people     the people in a photo (landmark network, strips for wide photos, merging)
presence   whether a person found is a person (a clearly read upper body or legs)
garments   what each person wears (the garment classifier), asked before anything is painted
geometry   person crops at the model's aspect (garment regions: :mod:`designgan.landmarks.regions`)
texture    the fabric as generator input, test-time texture refinement
compose    full-resolution composition inside the feathered edit region
output     :class:`PipelineOutput` and its pictures; ``PhotoWork``, one photo on its way
files      translating files and folders (what ``designgan translate`` runs)
results    one typed result per photo (``PhotoResult``: translated or failed) and per person (``PersonResult``)
========== ============================================================================================

Every public name of these modules is importable from ``designgan.pipeline``; they load on first use, so
``import designgan.pipeline`` (and the command line) does not import torch. Nothing here imports
:mod:`designgan.train`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, for type checkers and readers; at run time they load on first use
    from designgan.landmarks.regions import (
        LANDMARK_CONFIDENCE,
        LOWER_CATEGORIES,
        SHORTS_CATEGORIES,
        SKIRT_CATEGORIES,
        TROUSER_CATEGORIES,
        body_garment_mask,
        garment_family,
        garment_polygon,
        garment_region,
        person_box,
        polygon_mask,
    )
    from designgan.pipeline.bundled import (
        SAVED_STEM,
        TRANSLATOR_FORMAT,
        WEIGHTS_DIR,
        bundled_model_domains,
        bundled_models,
        default_model,
    )
    from designgan.pipeline.components import PIPELINE_FORMAT, Translator, load_component
    from designgan.pipeline.compose import _resample, compose_photo, separable_edit_alpha
    from designgan.pipeline.core import DesignGANPipeline
    from designgan.pipeline.detection import (
        MAX_STRIPS,
        STRIP_ASPECT,
        STRIP_BATCH,
        WIDE_PHOTO,
        detect_people,
        merge_people,
        strip_offsets,
        strips_cover,
    )
    from designgan.pipeline.files import (
        OUTPUT_PNG_LEVEL,
        collect_inputs,
        inference_threads,
        output_paths,
        read_landmark_lines,
        safe_name,
        translate_files,
    )
    from designgan.pipeline.geometry import PERSON_MARGIN, crop_box, crop_padded
    from designgan.pipeline.output import Job, PersonEdit, PipelineOutput
    from designgan.pipeline.people import find_people
    from designgan.pipeline.person import TORSO_NAMES, AlreadyTargetError, NoPersonError, NotSourceError, Person
    from designgan.pipeline.results import PersonResult, PhotoResult
    from designgan.pipeline.spec import PRIOR_FRAME_SIZE, TranslatorConfig, TranslatorSpec, prior_config
    from designgan.pipeline.texture import (
        fabric_patch,
        patch_operator,
        refine_texture,
        source_texture_patch,
        tile_texture,
    )
    from designgan.pipeline.weights import (
        build_generators,
        load_generators,
        load_translator,
        run_config,
        save_translator,
    )

# name -> the module defining it (a bare name is a module of this package)
_EXPORTS = {
    "LANDMARK_CONFIDENCE": "designgan.landmarks.regions",
    "LOWER_CATEGORIES": "designgan.landmarks.regions",
    "MAX_STRIPS": "detection",
    "OUTPUT_PNG_LEVEL": "files",
    "PERSON_MARGIN": "geometry",
    "PRIOR_FRAME_SIZE": "spec",
    "SAVED_STEM": "bundled",
    "SHORTS_CATEGORIES": "designgan.landmarks.regions",
    "SKIRT_CATEGORIES": "designgan.landmarks.regions",
    "STRIP_ASPECT": "detection",
    "STRIP_BATCH": "detection",
    "TORSO_NAMES": "person",
    "TRANSLATOR_FORMAT": "bundled",
    "TROUSER_CATEGORIES": "designgan.landmarks.regions",
    "WIDE_PHOTO": "detection",
    "WEIGHTS_DIR": "bundled",
    "PIPELINE_FORMAT": "components",
    "Translator": "components",
    "load_component": "components",
    "DesignGANPipeline": "core",
    "Job": "output",
    "NoPersonError": "person",
    "AlreadyTargetError": "person",
    "NotSourceError": "person",
    "Person": "person",
    "PersonEdit": "output",
    "PipelineOutput": "output",
    "PhotoResult": "results",
    "PersonResult": "results",
    "TranslatorConfig": "spec",
    "TranslatorSpec": "spec",
    "_resample": "compose",
    "body_garment_mask": "designgan.landmarks.regions",
    "build_generators": "weights",
    "bundled_model_domains": "bundled",
    "bundled_models": "bundled",
    "collect_inputs": "files",
    "compose_photo": "compose",
    "crop_box": "geometry",
    "crop_padded": "geometry",
    "default_model": "bundled",
    "detect_people": "detection",
    "fabric_patch": "texture",
    "find_people": "people",
    "garment_family": "designgan.landmarks.regions",
    "garment_polygon": "designgan.landmarks.regions",
    "garment_region": "designgan.landmarks.regions",
    "inference_threads": "files",
    "load_generators": "weights",
    "load_translator": "weights",
    "merge_people": "detection",
    "output_paths": "files",
    "patch_operator": "texture",
    "person_box": "designgan.landmarks.regions",
    "polygon_mask": "designgan.landmarks.regions",
    "prior_config": "spec",
    "read_landmark_lines": "files",
    "refine_texture": "texture",
    "run_config": "weights",
    "safe_name": "files",
    "save_translator": "weights",
    "separable_edit_alpha": "compose",
    "source_texture_patch": "texture",
    "strip_offsets": "detection",
    "strips_cover": "detection",
    "tile_texture": "texture",
    "translate_files": "files",
}

__all__ = [
    "LANDMARK_CONFIDENCE",
    "LOWER_CATEGORIES",
    "MAX_STRIPS",
    "OUTPUT_PNG_LEVEL",
    "PERSON_MARGIN",
    "PIPELINE_FORMAT",
    "PRIOR_FRAME_SIZE",
    "SAVED_STEM",
    "SHORTS_CATEGORIES",
    "SKIRT_CATEGORIES",
    "STRIP_ASPECT",
    "STRIP_BATCH",
    "TORSO_NAMES",
    "TRANSLATOR_FORMAT",
    "TROUSER_CATEGORIES",
    "WEIGHTS_DIR",
    "WIDE_PHOTO",
    "AlreadyTargetError",
    "DesignGANPipeline",
    "Job",
    "NoPersonError",
    "NotSourceError",
    "Person",
    "PersonEdit",
    "PersonResult",
    "PhotoResult",
    "PipelineOutput",
    "Translator",
    "TranslatorConfig",
    "TranslatorSpec",
    "_resample",
    "body_garment_mask",
    "build_generators",
    "bundled_model_domains",
    "bundled_models",
    "collect_inputs",
    "compose_photo",
    "crop_box",
    "crop_padded",
    "default_model",
    "detect_people",
    "fabric_patch",
    "find_people",
    "garment_family",
    "garment_polygon",
    "garment_region",
    "inference_threads",
    "load_component",
    "load_generators",
    "load_translator",
    "merge_people",
    "output_paths",
    "patch_operator",
    "person_box",
    "polygon_mask",
    "prior_config",
    "read_landmark_lines",
    "refine_texture",
    "run_config",
    "safe_name",
    "save_translator",
    "separable_edit_alpha",
    "source_texture_patch",
    "strip_offsets",
    "strips_cover",
    "tile_texture",
    "translate_files",
]


def __getattr__(name: str) -> Any:
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module 'designgan.pipeline' has no attribute '{name}'")
    module = importlib.import_module(where if "." in where else f"designgan.pipeline.{where}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
