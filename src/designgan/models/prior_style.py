"""What the rendered prior draws: :class:`PriorStyle` (the design controls: hem length, cut, flare, waist height,
trouser fit) and the tuning numbers of its shapes, fill and shading, each named once here.

Lengths are positions on the leg, measured down the rows from the hip joints (0) through the knees (0.5) to the
ankles (1), each half linear between its landmarks; every hem hangs :data:`HEM_DROP` of the frame's height below
its mark (a knee-length hem covers the knee cap). A skirt's hem curves :data:`HEM_CURVE` lower in the middle, and
the mark is where its sides end. The defaults are the shapes the prior always drew: a knee-length A-line skirt
(hem width 1.35x the waist's) and straight full-length trousers. Distances are fractions of the frame's height
``h`` unless said otherwise; widths of trousers are fractions of the body's half width at the hips.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from designgan.errors import ConfigError

# --- lengths (fractions of the leg: hip joints 0, knees 0.5, ankles 1) ---
SKIRT_LENGTHS = {"mini": 0.3, "knee": 0.5, "midi": 0.75, "maxi": 0.92}
TROUSER_LENGTHS = {"shorts": 0.24, "cropped": 0.85, "full": 1.0}
DEFAULT_LENGTH = {"skirt": "knee", "trousers": "full", "shorts": "shorts"}  # per family, when none is asked
HEM_DROP = 0.03  # a hem hangs this far (h) below its mark
HEM_CURVE = 0.025  # a skirt's hem is this much (h) lower in the middle than at its sides
MIN_LENGTH = 0.15  # shorter than this (of the leg) is not a garment
# --- skirt cuts: hem half width / waist half width, and pleats (folds shaded across the hem) ---
CUTS = {"a-line": 1.35, "pencil": 0.95, "flared": 1.8}
PLEATS = {"a-line": 0, "pencil": 0, "flared": 10}  # folds across the hem's width
PLEAT_DEPTH = 0.35  # how dark a fold gets at the hem (added to the shading's squared across-coordinate)
# --- trouser fits: half widths at the hip, knee and ankle (of the body's half width) ---
FITS = {"slim": (0.5, 0.34, 0.27), "straight": (0.6, 0.45, 0.36), "wide": (0.7, 0.66, 0.66)}
LEG_HIP_END = 0.5  # a leg's top sits this far (of the body's half width) out from the centre line
INSEAM_OPENING = 0.5  # legs cut above the knee: their gap widens this much (each side) per row below the crotch
# --- the body read off the landmarks (_pose) ---
WAIST = 0.06  # the usual waist: this far (h) above the hip joints
WAIST_RANGE = (0.04, 0.02)  # the measured waist (the source garment's top) kept within this far above / below it
MIN_JOINT_HALF = 0.08  # the hip joints' half distance is at least this (of the frame's width)
KNEE_FALLBACK = 0.35  # knees not seen: this far (h) below the hips
HIP_BAND = 0.02  # the garment's width is measured over the rows this close (h) to the hip joints
HALF_FALLBACK = 1.25  # no garment on those rows: the body's half width is this times the joints'
HALF_RANGE = (1.0, 1.6)  # the body's half width: within these multiples of the hip joints' half distance
CROTCH = 0.3  # the crotch row: this far from the hips to the knees
# --- skin legs below a hem: radius (h) at the top of the thigh; the lower leg's profile ---
THIGH_RADIUS = 0.09
# (fraction of knee -> ankle, half width in h): the median bare lower leg of CCP's pixel-labelled training photos
# (509 legs of 886 photos, skin runs across the knee -> ankle axis; scripts/measure_legs.py), so the calf
# keeps its width to mid-shin and narrows to a thin ankle instead of tapering evenly
LOWER_LEG = ((-0.1, 0.05), (0.3, 0.0475), (0.55, 0.0425), (0.65, 0.035), (0.8, 0.03), (1.0, 0.0275))
# the skin below a hem, over its brightness further down, 1, 2, ... px below it at 256 rows (the step): the shadow
# a garment casts on the legs, measured like LOWER_LEG over 10,613 columns where a garment ends on skin
HEM_SHADOW = (0.728, 0.779, 0.819, 0.852, 0.880, 0.902, 0.918, 0.934, 0.943, 0.953, 0.959, 0.966, 0.973, 0.978, 0.983,
              0.987, 0.990, 0.994, 0.996, 0.998, 1.0)
HEM_SHADOW_STEP = 1 / 256  # (h)
# bare legs' skin over the face-and-hands colour the pipeline reads (RGB, linear in [0, 1]): the median over 436 CCP
# training photos (legs: CCP skin below the knees; scripts/measure_legs.py); quartiles 0.75-1.08, so a person's own
# legs may differ more
LEG_OVER_FACE = (0.939, 0.949, 0.923)
CALF_START = -LOWER_LEG[0][0]  # the lower legs start this far (of knee -> ankle) above the knees
CALF_RADIUS = LOWER_LEG[0][1]  # where the thigh meets the lower leg
SKIN_OVERLAP = 0.05  # skin legs start this far (of the leg) above the hem, under the garment
# the bare leg goes on past the ankle joint into the shoe, this far (of knee -> ankle): the ankle joint stands
# 0.039 of the body's height above the sole, the knee 0.285 (Drillis and Contini's segment proportions), so
# 0.039 / 0.246 of the shin. A leg that stopped at the joint left the old hem's place above the shoe to the
# background fill: a grey smear between the new skin and the shoe
ANKLE_TO_SOLE = 0.16
# --- the bare legs new trousers hide: how far (of the body's half width) from the legs' axes, the hands ---
BARE_REACH = (0.9, 0.75, 0.65)
HAND_RADIUS = 0.07
IN_FRONT_HEIGHT = 128  # the in-front segmenter runs on the frame at this many rows (as it was trained)
BARE_CLOSING = 0.01
# --- the background fill where the old garment was ---
GROW = 0.015  # the hole reaches this far (h) past the garment's mask
EDGE_WINDOW = 0.015  # the colour beside the hole: a mean over this many pixels (h) along the row
COLUMN_SMOOTH = 0.03  # the row fill smoothed down the columns over this (h)
DETAIL_BLUR = 0.02  # the fill's detail: what differs from a blur this wide (h)
DETAIL_FADE = 0.08  # the mirrored detail fades out over this (of the frame's width)
FILL_LEVELS = 8  # pull-push pyramid levels
# --- fabric and shading ---
LIGHT_AXIS, LIGHT_SIDE = 1.06, 0.3  # cylinder shading: light = LIGHT_AXIS - LIGHT_SIDE * u^2
SWATCH = 0.08  # the fabric swatch's side (h)
SWATCH_SPOTS = (1 / 3, 2 / 3)  # where along hip -> knee and knee -> ankle swatches are tried
SWATCH_CLOTH = 0.85  # a swatch is at least this much garment
FLATTEN = 6  # a swatch's broad light and shade: a blur a this-th of its side wide
KEEP_BLEND = 0.03  # the old garment's own pixels blend out over this (h) at the crotch
# --- skin colour ---
SKIN_SWATCH = (0.78, 0.60, 0.50)  # RGB in [0, 1]: used when no skin is visible
MIN_SKIN_PIXELS = 12  # fewer skin-coloured pixels near the wrists than this: the swatch
WRIST_RADIUS = 0.04  # skin is read this close (h) to the wrists
SKIN_Y_MIN, SKIN_CR, SKIN_CB = 40, (133, 180), (77, 130)  # the YCrCb box of skin


@dataclass(frozen=True)
class PriorStyle:
    """The shape a prior draws. ``length``: a name (skirts: mini, knee, midi, maxi; trousers: full, cropped,
    shorts) or a fraction of the leg (module docstring); None: the family's own (:data:`DEFAULT_LENGTH`).
    ``cut``: a skirt's (:data:`CUTS`); ``flare``: its hem width over its waist width, None: the cut's.
    ``fit``: trousers' and shorts' (:data:`FITS`). ``waist``: the usual waist height above the hip joints (h)."""

    length: str | float | None = None
    cut: str = "a-line"
    flare: float | None = None
    fit: str = "straight"
    waist: float = WAIST

    def validate(self, where: str = "style") -> PriorStyle:
        """Check names and ranges; an error is one line naming the key (``where.key``, or ``--key`` when
        ``where`` is empty: the command line's options)."""
        def key(name: str) -> str:
            return f"'{where}.{name}'" if where else f"--{name}"

        names = ", ".join({**SKIRT_LENGTHS, **TROUSER_LENGTHS})
        if isinstance(self.length, str) and self.length not in {**SKIRT_LENGTHS, **TROUSER_LENGTHS}:
            raise ConfigError(f"{key('length')} must be one of {names} or a fraction of the leg, got {self.length!r}")
        if isinstance(self.length, bool) or (self.length is not None and not isinstance(self.length, str) and not (
                isinstance(self.length, int | float) and MIN_LENGTH <= self.length <= 1)):
            raise ConfigError(f"{key('length')} as a fraction of the leg must be in [{MIN_LENGTH}, 1], "
                              f"got {self.length!r}")
        if self.cut not in CUTS:
            raise ConfigError(f"{key('cut')} must be one of {', '.join(CUTS)}, got {self.cut!r}")
        if self.fit not in FITS:
            raise ConfigError(f"{key('fit')} must be one of {', '.join(FITS)}, got {self.fit!r}")
        if self.flare is not None and not 0.7 <= self.flare <= 3:
            raise ConfigError(f"{key('flare')} must be in [0.7, 3], got {self.flare!r}")
        if not 0 <= self.waist <= 0.2:
            raise ConfigError(f"{key('waist')} must be in [0, 0.2] (of the frame's height), got {self.waist!r}")
        return self

    def length_for(self, family: str) -> float:
        """The hem's mark as a fraction of the leg for a garment of ``family`` (skirt, trousers, shorts); a name of
        the other kind (a midi pair of trousers) is refused in one line."""
        length = DEFAULT_LENGTH[family] if self.length is None else self.length
        if isinstance(length, str):
            names = SKIRT_LENGTHS if family == "skirt" else TROUSER_LENGTHS
            if length not in names:
                raise ConfigError(f"{garment(family)} cannot be drawn '{length}' long (lengths: {', '.join(names)}, "
                                  "or a fraction of the leg)")
            return names[length]
        return float(length)

    def replaced(self, **changes: Any) -> PriorStyle:
        """This style with ``changes`` (field: value; None values keep this style's), checked."""
        unknown = sorted(set(changes) - set(self.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"'style': unknown key '{unknown[0]}' (keys: {', '.join(self.__dataclass_fields__)})")
        return replace(self, **{k: v for k, v in changes.items() if v is not None}).validate()

    @property
    def hem_flare(self) -> float:
        return CUTS[self.cut] if self.flare is None else float(self.flare)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, where: str = "style") -> PriorStyle:
        """From a mapping of the fields above (a saved model's ``model.prior_style``); unknown keys are refused."""
        if not isinstance(data, dict):
            raise ConfigError(f"'{where}' must be a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"'{where}': unknown key '{unknown[0]}' (keys: {', '.join(cls.__dataclass_fields__)})")
        return cls(**data).validate(where)

    def garment(self, family: str) -> str:
        """The garment this style draws for ``family``, in words: "a midi skirt", "cropped trousers"."""
        length = DEFAULT_LENGTH[family] if self.length is None else self.length
        if not isinstance(length, str):
            return f"{garment(family)} {length:g} of the leg long"
        if length == "shorts":
            return "shorts"
        return f"a {length} skirt" if family == "skirt" else f"{length} trousers"

    def describe(self, family: str) -> dict[str, Any]:
        """What was drawn, for a result's metadata: the length (name or fraction) and the cut or fit."""
        length = DEFAULT_LENGTH[family] if self.length is None else self.length
        shape = {"cut": self.cut, "flare": self.hem_flare} if family == "skirt" else {"fit": self.fit}
        return {"family": family, "length": length, **shape}


def parse_length(text: str | float | None) -> str | float | None:
    """A length as a user writes it (``--length midi``, ``--length 0.6``): a name, or a number read as a fraction
    of the leg; None stays None. Checked by :meth:`PriorStyle.validate`."""
    if text is None or isinstance(text, float | int):
        return text
    try:
        return float(text)
    except ValueError:
        return text.strip().lower()


def asked_style(generator: object, style: PriorStyle | dict[str, Any] | None) -> PriorStyle | None:
    """The shape ``generator`` (a rendered prior: it has a ``style`` and a ``target_family``) is asked to draw:
    ``style``, or its own style with a dict's changes; checked for its family. None when none is asked."""
    if style is None:
        return None
    own = getattr(generator, "style", None)
    if not isinstance(own, PriorStyle):
        raise ConfigError("this model draws no adjustable shape: length, cut and fit need a rendered-prior model "
                          "(the bundled ones)")
    drawn = style.validate() if isinstance(style, PriorStyle) else own.replaced(**style)
    drawn.length_for(str(generator.target_family))  # a midi pair of trousers: refused here
    return drawn


def garment(family: str) -> str:
    """"a skirt", "trousers", "shorts"."""
    return "a skirt" if family == "skirt" else family


def style_options(length: str | None = None, cut: str | None = None, fit: str | None = None) -> dict[str, Any] | None:
    """The changes the command line's ``--length``, ``--cut`` and ``--fit`` (None: not given) ask of a model's
    style, checked (an error names the option); None when none is given."""
    changes = {k: v for k, v in (("length", parse_length(length)), ("cut", cut), ("fit", fit)) if v is not None}
    if changes:
        PriorStyle(**changes).validate("")
    return changes or None
