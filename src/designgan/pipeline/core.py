"""The pipeline: photo in, photo with its garment changed out (diffusers-style ``DesignGANPipeline``).

    pipe = DesignGANPipeline.from_pretrained("runs/jeans2skirt")   # a run, a saved pipeline or model, a bundled name
    out = pipe(load_image("photo.jpg"), to="skirt")                # out.image, out.source_mask, out.people, ...

Its parts are explicit components (:mod:`designgan.pipeline.components`), saved and loaded together.
:meth:`DesignGANPipeline.translate_batch` runs six steps on one :class:`~.output.PhotoWork` per photo: (1) check
the inputs, (2) find the people (the landmark network, or landmarks the caller gives), (3) prepare one crop per
person (garment region and landmark heatmaps as the attention, cropped at the model's aspect and resized to its
resolution), (4) generate, (5) refine the new garment's texture (test-time style loss), (6) compose at FULL
resolution, only inside the feathered edit region, so every pixel outside it is bit-identical to the input.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from designgan.errors import DesignGANError
from designgan.hardware import describe, resolve_device, resolve_precision
from designgan.io import load_image, to_rgb
from designgan.landmarks.garment_classifier import garment_verdict
from designgan.landmarks.regions import garment_family, garment_region, person_box
from designgan.landmarks.skin import photo_skin_colour
from designgan.losses.style import inverse_centre_weight
from designgan.models.prior_style import PriorStyle, asked_style
from designgan.models.registry import model_card
from designgan.models.texture import garment_texture
from designgan.pipeline.bundled import WEIGHTS_DIR, default_model
from designgan.pipeline.components import (
    Translator,
    bundled_files,
    is_pipeline_folder,
    load_component,
    read_pipeline,
    save_components,
)
from designgan.pipeline.compose import compose_photo
from designgan.pipeline.detection import DEFAULT_DETECTOR, DETECTORS, detect_people
from designgan.pipeline.garments import classify_people, family_probabilities, garment_skip, not_edited
from designgan.pipeline.geometry import box_matrix, frame_crop, heatmap_channels, person_crop
from designgan.pipeline.output import Job, MaskCrop, PersonEdit, PhotoWork, PipelineOutput
from designgan.pipeline.people import find_people
from designgan.pipeline.person import NoPersonError, Person
from designgan.pipeline.spec import direction_for
from designgan.pipeline.texture import fabric_patch, refine_texture, source_texture_patch, tile_texture

SOURCE_MASKS = ("segmenter", "polygon")  # how the source garment is found without a given mask


class DesignGANPipeline:
    """Garment translation of photos from five explicit components (:mod:`designgan.pipeline.components`); build it
    with :meth:`from_pretrained` (a bundled name, a saved pipeline or model, a training run) or from its parts."""

    def __init__(self, translator: Translator, landmarks: Any = None, masker: Any = None,
                 detector: str = DEFAULT_DETECTOR, garment_classifier: Any = None, *, precision: str = "auto",
                 channels_last: bool = True, compile: bool = False, device: str | torch.device = "auto",
                 source_mask: str = "segmenter", weights_dir: Path = WEIGHTS_DIR,
                 flip_test: dict[str, bool] | None = None, match_grain: bool = True) -> None:
        """The components: ``translator`` (:class:`~.components.Translator`); ``landmarks`` (a
        :class:`~designgan.landmarks.predict.LandmarkPredictor`), ``masker`` (the source-garment segmenter, a
        :class:`~designgan.landmarks.segment.GarmentMasker`) and ``garment_classifier`` (a
        :class:`~designgan.landmarks.garment_classifier.GarmentJudge`, asked before anything is painted what each
        person wears: only people in the model's source family are edited), each an object, a path to its weights,
        or None for the bundled file in ``weights_dir``, a path loaded on first use; ``detector``: how people are
        found (:func:`detection.detect_people`: "windows", the default: person-wide windows, chimeras dropped;
        "landmarks": whole photo and strips; "hog": that plus OpenCV's HOG people detector). ``flip_test``:
        per loaded component ("landmarks", "garment_classifier"), whether it averages with the mirrored photo.

        ``precision``: "auto" (the default) is bf16 where the hardware has native bf16 (a CUDA GPU, a CPU with
        AMX or AVX512_BF16) and fp32 elsewhere (:func:`designgan.hardware.resolve_precision`; on a CPU without
        native bf16, bf16 was measured 2.4x slower). "bf16" runs the generator with bf16 weights and activations
        and the landmark network under bf16 autocast, "autocast" the generator with fp32 weights under bf16
        autocast, "fp32" both plainly. ``device``: "auto" (CUDA when available), "cpu", "cuda"; the networks run
        there, landmark-to-mask geometry, texture refinement and composition on the CPU. ``compile``
        (torch.compile: about a minute once per batch shape, cached on disk) fuses the norm/pad/activation chains.
        ``bench translate`` measures the choices. ``source_mask``: how the source garment is found when no garment
        mask is given: "segmenter" (the masker, kept near the landmark region; :mod:`designgan.landmarks.segment`)
        or "polygon" (the landmark region alone: lines through the garment landmarks, or capsules around the legs).
        ``match_grain``: give the painted pixels the photo's own grain (:func:`~.compose.compose_photo`).
        """
        if precision not in ("auto", "bf16", "autocast", "fp32"):
            raise DesignGANError(f"precision must be 'auto', 'bf16', 'autocast' or 'fp32', got {precision!r}")
        if source_mask not in SOURCE_MASKS:
            raise DesignGANError(f"source_mask must be one of {', '.join(SOURCE_MASKS)}, got {source_mask!r}")
        if detector not in DETECTORS:
            raise DesignGANError(f"unknown person detector '{detector}' (choose {' or '.join(DETECTORS)})")
        self.source_mask, self.detector, self.weights_dir = source_mask, detector, Path(weights_dir)
        self._parts = {"landmarks": landmarks, "masker": masker, "garment_classifier": garment_classifier}
        self._loading = threading.Lock()  # batches may run on several threads (translate_files' workers)
        self._flip_test = {"landmarks": True, "garment_classifier": True, **(flip_test or {})}
        self._options = {"precision": precision, "channels_last": channels_last, "compile": compile,
                         "device": device, "source_mask": source_mask, "weights_dir": self.weights_dir,
                         "match_grain": match_grain}
        self.match_grain = match_grain
        self.spec = translator.spec
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.precision_choice = precision
        self.precision = precision if precision == "autocast" else resolve_precision(precision, self.device)
        self.dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.generators = {k: g.eval().requires_grad_(False).to(self.device, self.dtype)
                           .to(memory_format=self.memory_format) for k, g in translator.generators.items()}
        self.translator = Translator(self.spec, self.generators)
        # a generator that learns nothing (the rendered prior: fp32 arithmetic, a small frozen segmenter at most)
        # gains no speed from bf16 inputs, only rounding
        self.input_dtype = self.dtype if model_card(self.spec.config.model.generator).learns else torch.float32
        self._run = {k: torch.compile(g, dynamic=False) if compile else g for k, g in self.generators.items()}

    def describe(self) -> str:
        """One line for logs: device, threads, the precision chosen and why (``precision auto -> bf16``)."""
        line = describe(self.device, self.precision)
        if self.precision_choice == "auto":
            line = line.replace(f"precision {self.precision}", f"precision auto -> {self.precision}")
            forced = os.environ.get("DESIGNGAN_CPU_BF16")
            if self.device.type == "cpu" and forced in ("0", "1"):
                line += f" (forced by DESIGNGAN_CPU_BF16={forced})"
        return line

    # -- construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, name_or_dir: str | Path, landmarks: Any = None, domains: Sequence[str] | None = None,
                        **kwargs: Any) -> DesignGANPipeline:
        """Load a saved pipeline (:meth:`save_pretrained`: every component from its folder), or a bundled model by
        name, a saved translator or a training run's folder (the other components: the bundled ones).

        ``landmarks``, ``masker=``, ``garment_classifier=`` and the other keywords of the constructor replace the
        loaded choice; ``domains`` overrides the category names; ``weights_dir=`` is where bundled names and
        components are looked up.
        """
        if is_pipeline_folder(name_or_dir):
            saved = read_pipeline(name_or_dir, domains)
            parts = {"landmarks": saved.landmarks, "masker": saved.masker, "garment_classifier":
                     saved.garment_classifier, "detector": saved.detector, **saved.options,
                     "flip_test": {"landmarks": saved.landmarks_flip_test,
                                   "garment_classifier": saved.classifier_flip_test}}
            return cls(saved.translator, **{**parts, **({} if landmarks is None else {"landmarks": landmarks}),
                                            **kwargs})
        translator = Translator.load(name_or_dir, domains, kwargs.get("weights_dir", WEIGHTS_DIR))
        return cls(translator, landmarks=landmarks, **kwargs)

    @classmethod
    def from_bundled(cls, name: str | None = None, to: str | None = None, weights_dir: Path = WEIGHTS_DIR,
                     **kwargs: Any) -> DesignGANPipeline:
        """The bundled model ``name`` (default: the first that translates into ``to``) with the bundled landmark
        network, segmenter and garment classifier of ``weights_dir``, named explicitly."""
        name = name or default_model(to, weights_dir)
        return cls(Translator.load(name, weights_dir=weights_dir), **{**bundled_files(weights_dir), **kwargs},
                   weights_dir=weights_dir)

    def replace(self, **changes: Any) -> DesignGANPipeline:
        """A pipeline of the same translator and options with some components (or options) changed, e.g.
        ``pipe.replace(landmarks=predictor)``; the components not named are shared."""
        parts = {key: changes.pop(key, part) for key, part in self._parts.items()}
        return type(self)(self.translator, **parts, **{"detector": self.detector, "flip_test": self._flip_test,
                                                        **self._options, **changes})

    def save_pretrained(self, path: str | Path) -> Path:
        """Write the whole pipeline into folder ``path`` (one sub-folder per component and ``pipeline.json``:
        :func:`~.components.save_components`; :meth:`from_pretrained` loads it on its own) and return the folder;
        a ``path`` ending in ``.safetensors`` gets the translator alone (a bundled model's file)."""
        # fp16 halves the file; a bf16 pipeline keeps bf16 (fp16 could overflow what bf16 holds).
        half = torch.bfloat16 if self.dtype == torch.bfloat16 else torch.float16
        if Path(path).suffix == ".safetensors":
            return self.translator.save(path, half)
        save_components(Path(path), self.translator, self.landmarks, self.masker, self.detector,
                        self.garment_classifier, {"source_mask": self.source_mask, "match_grain": self.match_grain},
                        half)
        return Path(path)

    @property
    def categories(self) -> tuple[str, str]:
        return self.spec.domains

    @property
    def model_size(self) -> tuple[int, int]:
        return self.spec.size

    @property
    def frame_size(self) -> tuple[int, int]:
        """The lower-body frame the generator is run on: the training frame's height (so the same scale) and as
        wide as it is high (a multiple of 8), wider than the training frames so that a full skirt or wide trousers
        fit; the networks are convolutional, and the extra columns are background."""
        mh, mw = self.spec.size
        return mh, max(mw, 8 * round(mh / 8))

    @property
    def texture_channels(self) -> int:
        """Fabric channels the generator takes as input (its model card says whether it can; the config how many)."""
        return self.spec.config.model.texture_channels if model_card(self.spec.config.model.generator).texture else 0

    @property
    def paints_prior(self) -> bool:
        """Whether the generators render the prior (their model card's ``prior``: the rendered prior, the refiner,
        the painter): they take the photo's skin colour and the user's fabric, and paint the fabric themselves."""
        return model_card(self.spec.config.model.generator).prior

    def _component(self, key: str) -> Any:
        """Component ``key``; a path (or None: the bundled file) is loaded on first use, on the pipeline's device and
        precision (:func:`~.components.load_component`)."""
        with self._loading:
            if self._parts[key] is None or isinstance(self._parts[key], str | Path):
                self._parts[key] = load_component(key, self._parts[key], self.weights_dir, self.precision,
                                                  self.device, self._flip_test.get(key, True))
        return self._parts[key]

    @property
    def landmarks(self) -> Any:
        """The landmark predictor (loaded on first use)."""
        return self._component("landmarks")

    @property
    def masker(self) -> Any:
        """The source-garment segmenter (loaded on first use; it runs on the CPU, with the geometry)."""
        return self._component("masker")

    @property
    def garment_classifier(self) -> Any:
        """The garment classifier (what each person wears below the waist; loaded on first use)."""
        return self._component("garment_classifier")

    def garments(self, photo: Image.Image | np.ndarray, people: Sequence[Person]) -> list[np.ndarray | None]:
        """Per person, the garment classifier's family probabilities (trousers, skirt, shorts), or None where no
        lower-body frame can be placed (:func:`garments.classify_people`)."""
        return classify_people(self.garment_classifier, photo, people)

    def direction(self, to: str) -> tuple[str, str, str]:
        """(generator key, source category, target category) for translating into ``to``."""
        return direction_for(self.spec.domains, to)


    # -- running ------------------------------------------------------------------------------------------------
    def __call__(self, image: Image.Image | str | Path, to: str, texture: Image.Image | str | Path | None = None,
                 **kwargs: Any) -> PipelineOutput:
        """Translate one photo's garment into category ``to`` (see :meth:`translate_batch` for the options)."""
        out = self.translate_batch([image], to, texture, **{**kwargs, "return_errors": False})[0]
        assert isinstance(out, PipelineOutput)
        return out

    def translate_batch(
        self,
        images: Sequence[Image.Image | str | Path],
        to: str,
        texture: Image.Image | str | Path | None = None,
        *,
        landmarks: Sequence[Any] | None = None,
        garment_masks: Sequence[np.ndarray | None] | None = None,
        people: str | int = "visible",
        refine_steps: int | None = None,
        refine_lr: float = 0.05,
        keep_texture: bool = True,
        seed: int = 0,
        return_errors: bool = False,
        style: PriorStyle | dict[str, Any] | None = None,
    ) -> list[PipelineOutput | DesignGANError]:
        """Translate several photos at once (one generator batch).

        Args:
            images: PIL images or paths (paths go through :func:`designgan.io.load_image`).
            to: target category (one of :attr:`categories`).
            texture: fabric image for the new garment (texture customisation); None keeps the source texture.
            landmarks: per photo, landmarks to use instead of running the landmark network: a ``LandmarkResult``,
                a ``{name: (x, y, conf)}`` dict, or a list of those (several people).
            garment_masks: per photo, a bool (H, W) source garment mask to use instead of the landmark outline.
            people: who to edit: ``"visible"`` (default) every clearly visible person in the source garment,
                ``"all"`` everyone found, ``"prominent"`` the most prominent person, or a number (1 = the most
                prominent) for that person only. Who was left out, and why, is in each output's ``skipped``.
            refine_steps: test-time refinement steps with the style loss against the fabric, or without one
                against the source garment's own texture (default: 0 for a rendered prior, which paints the fabric
                itself, and for a texture-conditioned generator, which takes it as an input; 30 otherwise).
            keep_texture: without ``texture``, refine the new garment towards the source garment's texture (the
                paper's style loss at test time); False gives the generator's raw output.
            return_errors: put a photo's :class:`DesignGANError` (unreadable, no person...) in its place in the
                returned list instead of raising, so one bad photo does not stop a batch.
            style: a rendered prior's shape (:class:`~designgan.models.prior_style.PriorStyle`, or a dict of changes
                to the model's own); a photo whose legs are cut off above its hem fails. In each output's ``style``.
        Returns:
            One :class:`PipelineOutput` per photo (or, with ``return_errors``, the error of a photo that failed).
        Raises:
            NoPersonError: no person or no garment region was found in a photo.
        """
        timings: dict[str, float] = {}
        tic = time.perf_counter()

        def step_done(name: str) -> None:
            nonlocal tic
            first = next((w.error for w in work if w.error is not None), None)
            if first is not None and not return_errors:
                raise first
            timings[name] = time.perf_counter() - tic
            tic = time.perf_counter()

        # 1. Check the inputs: the direction, the fabric, every photo decoded (a bad one fails alone).
        key, source_cat, target_cat = self.direction(to)
        drawn = asked_style(self.generators[key], style)
        fabric = self._as_image(texture) if texture is not None else None
        work = [self._decode(x) for x in images]  # one PhotoWork per photo: later steps pass a failed one by
        step_done("decode")
        # 2. Find the people to edit in each photo.
        has_mask = [garment_masks is not None and garment_masks[i] is not None for i in range(len(work))]
        find_people(work, landmarks, self.detect_people, people, has_mask)
        step_done("landmarks")
        # 3. Prepare one crop per person: image, attention (garment region + heatmaps), texture input.
        jobs = self._prepare_all(work, (source_cat, target_cat), garment_masks, fabric)
        step_done("prepare")
        # 4. Generate, in batches. 5. Refine the new garment's texture.
        self._generate(key, jobs, drawn, work)
        if fabric is not None or keep_texture:
            # A prior pastes the fabric itself: refinement only adds blotches there (README, "Comparison").
            steps = refine_steps if refine_steps is not None else (
                0 if self.texture_channels or self.paints_prior else 30)
            if steps > 0:
                self._refine([j for j in jobs if j.output is not None], fabric, steps, refine_lr, seed)
        step_done("generator")
        # 6. Compose each photo at full resolution, only inside the edit region.
        outputs: list[PipelineOutput | DesignGANError] = []
        for i, photo in enumerate(work):
            if photo.error is not None or photo.photo is None or photo.source_mask is None:
                assert photo.error is not None
                outputs.append(photo.error)
                continue
            mine = [j for j in jobs if j.photo == i]
            result, target_mask, alpha, in_front = compose_photo(
                photo.photo, photo.source_mask, mine, self.model_size[0], self._compose_margin(key),
                self.spec.config.loss.feather, self.match_grain)
            outputs.append(PipelineOutput(
                image=result, source=photo.photo, source_category=source_cat, target_category=target_cat,
                source_mask=photo.source_mask, target_mask=target_mask, alpha=alpha, in_front=in_front,
                people=[j.edit for j in mine],
                model=self.spec.name, warnings=photo.warnings, people_found=photo.found,
                style=None if drawn is None else drawn.describe(self.generators[key].target_family),
                skipped=sorted(photo.skipped, key=lambda s: s["person"])))
        step_done("compose")
        for out in outputs:
            if isinstance(out, PipelineOutput):
                out.timings = {name: seconds / len(work) for name, seconds in timings.items()}
        return outputs

    # -- steps --------------------------------------------------------------------------------------------------
    def _compose_margin(self, key: str) -> int:
        """How far past the source garment's mask (model pixels) the output is shown whole before it is feathered
        into the photo: the config's ``loss.dilate``, or the band a generator repaints past the mask
        (``repaints_past_mask``, of the model's height, which the lower-body frame shares) where that is wider."""
        past = getattr(self.generators[key], "repaints_past_mask", 0.0)
        return max(self.spec.config.loss.dilate, round(past * self.model_size[0]))

    @staticmethod
    def _as_image(x: Image.Image | str | Path | np.ndarray) -> Image.Image:
        if isinstance(x, str | Path):
            return load_image(x)
        if isinstance(x, np.ndarray):
            x = Image.fromarray(x)
        if not isinstance(x, Image.Image):
            raise DesignGANError(f"expected an image or a path, got {type(x).__name__}")
        return x if x.mode == "RGB" else to_rgb(x)

    def _decode(self, image: Any) -> PhotoWork:
        try:
            return PhotoWork(self._as_image(image))
        except DesignGANError as exc:
            return PhotoWork(None, exc)

    def detect_people(self, photo: Image.Image) -> list[Person]:
        """Every person the landmark network can find, most confident first (:func:`detection.detect_people`:
        a wide photo is also read in overlapping person-shaped strips)."""
        return detect_people(self.landmarks, photo, self.detector)

    def _prepare_all(self, work: list[PhotoWork], cats: tuple[str, str],
                     garment_masks: Sequence[np.ndarray | None] | None, fabric: Image.Image | None) -> list[Job]:
        jobs: list[Job] = []
        for i, photo in enumerate(work):
            if not photo.running or photo.photo is None:
                continue
            given = garment_masks[i] if garment_masks is not None else None
            try:
                photo_jobs, photo.source_mask = self._prepare(i, photo.photo, photo.people, cats, given, fabric,
                                                              photo.skipped)
            except NoPersonError as exc:
                exc.people_found, exc.skipped = photo.found, sorted(photo.skipped, key=lambda s: s["person"])
                photo.fail(exc)
                continue
            except DesignGANError as exc:
                photo.fail(exc)
                continue
            jobs += photo_jobs
        return jobs

    def _prepare(self, index: int, photo: Image.Image, people: list[Person], cats: tuple[str, str],
                 given_mask: np.ndarray | None, fabric: Image.Image | None,
                 skipped: list[dict[str, Any]]) -> tuple[list[Job], np.ndarray]:
        """One model input per person to edit; a person left alone is added to ``skipped`` with the reason."""
        cfg = self.spec.config
        source_cat, target_cat = cats
        w, h = photo.size
        rgb = np.asarray(photo)
        if given_mask is not None:
            given_mask = np.asarray(given_mask).astype(bool)
            if given_mask.shape != (h, w):
                raise DesignGANError(f"garment mask is {given_mask.shape[1]}x{given_mask.shape[0]}, photo is {w}x{h}")
        source_mask = np.zeros((h, w), dtype=bool)
        jobs = []
        source_family = garment_family(source_cat)
        # what each person wears, before anything is painted; a given mask says where the source garment is
        garments = self.garments(rgb, people) if given_mask is None else [None] * len(people)
        refused: list[tuple[str, np.ndarray | None]] = []  # (reason, probabilities) of people not edited
        for person, probs in zip(people, garments, strict=True):
            if given_mask is None:
                reason = "garment unclear" if probs is None else garment_verdict(probs, source_family)
                if reason is not None:
                    refused.append((reason, probs))
                    skipped.append(garment_skip(person, reason, probs))
                    continue
            worn = source_family  # what the classifier judged them to wear (a given mask: the caller's word)
            if given_mask is not None:
                mask, polygon = given_mask, None
            else:
                mask, polygon = garment_region(person.points, source_cat, (w, h))
                if mask is not None and mask.any() and self.source_mask == "segmenter":
                    mask = self.masker.photo_mask(rgb, person.points, source_cat, mask)
            if mask is None or not mask.any():
                skipped.append(person.skip(f"no {source_cat} region found"))
                continue
            frame = None
            mh, mw = self.frame_size if cfg.data.frame == "lower" else self.model_size
            if cfg.data.frame == "lower":
                framed = frame_crop(rgb, mask, person.points, (mh, mw))
                if framed is None:
                    skipped.append(person.skip("no garment frame (legs not found, or not standing)"))
                    continue
                image, garment, frame, box = framed
                to_model = frame
            else:
                image, garment, box = person_crop(rgb, mask, person_box(person.points), (mh, mw))
                to_model = box_matrix(box, (mh, mw))
            source_mask |= mask
            channels = [garment]
            if cfg.data.landmarks != "none":
                channels.append(heatmap_channels(person.points, cfg.data, to_model, (mh, mw)))
            texture = None
            if self.texture_channels or (self.paints_prior and fabric is not None):
                # no user fabric: a texture-conditioned generator gets the source garment's own fabric (as in
                # training), so the new garment keeps the old texture
                texture = (tile_texture(fabric, (mh, mw)) if fabric is not None
                           else garment_texture(image.clamp(-1, 1)[None], garment[None])[0][0])
            skin = None
            if self.paints_prior:  # only a prior paints skin: read it off the photo (NaN: none seen)
                colour = photo_skin_colour(rgb, person.points)
                skin = torch.full((3,), torch.nan) if colour is None else torch.from_numpy(colour)
            edit = PersonEdit(person, box, polygon, frame, worn=worn,
                              garment=None if probs is None else family_probabilities(probs))
            jobs.append(Job(index, edit, image.clamp(-1, 1), torch.cat(channels),
                            texture, skin, source_mask=MaskCrop.of(mask)))
            if given_mask is not None:
                break  # one given mask describes the photo's garment; it is edited once
        if not jobs:
            raise not_edited(refused, source_cat, target_cat)
        return jobs, source_mask

    @torch.no_grad()
    def _generate(self, key: str, jobs: list[Job], style: PriorStyle | None, work: list[PhotoWork],
                  batch_size: int = 8) -> None:
        g = self._run[key]

        def batch(tensors: list[torch.Tensor]) -> torch.Tensor:
            return torch.stack(tensors).to(self.device, self.input_dtype).contiguous(
                memory_format=self.memory_format)

        batch_size = batch_size if style is None else 1  # with a style, a photo can fail alone
        for start in range(0, len(jobs), batch_size):
            chunk = jobs[start:start + batch_size]
            image, attention = batch([j.image for j in chunk]), batch([j.attention for j in chunk])
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "autocast"):
                textures = batch([j.texture for j in chunk]) if chunk[0].texture is not None else None
                if self.paints_prior:  # the skin colour read off the photo, the user's fabric if any
                    try:  # a style's hem the photo's legs cannot show is refused for that photo
                        out = g(image, attention, skin=torch.stack([j.skin for j in chunk]).to(self.device),
                                fabric=textures, **({} if style is None else {"style": style}))
                    except DesignGANError as exc:
                        work[chunk[0].photo].fail(exc)
                        continue
                elif textures is not None:
                    out = g(image, attention, textures)  # type: ignore[misc]
                else:
                    out = g(image, attention)
            mask = out.mask if out.mask is not None else attention[:, :1]
            for k, (j, img, m) in enumerate(zip(chunk, out.image.float().cpu(), mask.float().cpu(), strict=True)):
                j.output, j.mask = img.clamp(-1, 1), m
                j.untouched = None if out.untouched is None else out.untouched[k].float().cpu()
                j.in_front = None if out.in_front is None else out.in_front[k].float().cpu()

    def _refine(self, jobs: list[Job], fabric: Image.Image | None, steps: int, lr: float, seed: int) -> None:
        """Few-step test-time refinement: a residual on the garment pixels, fitted with the style loss against the
        fabric, or (no fabric) against each person's own source garment (see :func:`refine_texture`)."""
        size = tuple(self.spec.config.loss.style_size)
        shared = fabric_patch(fabric, size) if fabric is not None else None  # type: ignore[arg-type]
        weight = inverse_centre_weight(size, self.spec.config.loss.style_floor, self.spec.config.loss.style_power)
        generator = torch.Generator().manual_seed(seed)
        for job in jobs:
            assert job.output is not None and job.mask is not None
            base, mask = job.output[None].float(), (job.mask[None] > 0.5).float()
            reference = shared if shared is not None else source_texture_patch(job.image, job.attention[:1], size)
            if reference is None or not mask.any():
                continue
            noise = torch.randn(base.shape, generator=generator) * 1e-3
            job.output = refine_texture(base, mask, reference, weight, steps, lr, noise)[0]

