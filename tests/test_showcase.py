from PIL import Image

from designgan.landmarks.garment_family import family_of
from designgan.landmarks.predict import DEFAULT_WEIGHTS
from designgan.pipeline import bundled_model_domains, bundled_models
from designgan.showcase import EXAMPLE_GARMENTS, example_photos, run_showcase


def test_showcase_runs_every_shipped_part(tmp_path):
    # The package ships these; a checkout or wheel that lost them must fail here, not show an empty demo.
    assert DEFAULT_WEIGHTS.is_file(), f"{DEFAULT_WEIGHTS}: the shipped landmark network is missing"
    assert set(bundled_models()) >= {"jeans2skirt", "pants2skirt"}, "the shipped translators are missing"
    run_showcase(tmp_path)
    assert (tmp_path / "showcase.png").stat().st_size > 10_000
    stems = [p.stem for p in example_photos()]
    assert len(stems) == 4
    assert all((tmp_path / f"{s}_landmarks.png").is_file() for s in stems) == DEFAULT_WEIGHTS.is_file()
    translated = list(tmp_path.glob("*_to_*.png"))
    assert bool(translated) == bool(bundled_models())
    with Image.open(tmp_path / "showcase.png") as sheet:
        assert (sheet.text.get("AI-Edit") == "true") == bool(bundled_models())
    domains = bundled_model_domains()
    for name in bundled_models():  # every example wearing one of the model's garment families (issue 27: no others)
        families = {family_of(c) for c in domains[name]}
        wearing = [s for s in stems if family_of(EXAMPLE_GARMENTS[s]) in families]
        assert wearing and len(list(tmp_path.glob(f"*_{name}_to_*.png"))) >= len(wearing), name
