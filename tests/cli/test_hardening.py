"""Issue 19 (hardening): bad output paths, empty domains and bad option values are one line and exit 2."""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from designgan.data.check import check_dataset
from tests.conftest import CCP_MINI

from .test_cli import run


@pytest.fixture
def places(tmp_path):
    """A photo, an existing file, an existing folder and a folder nobody can write into."""
    photo = tmp_path / "p.jpg"
    Image.new("RGB", (64, 96), (90, 90, 200)).save(photo)
    afile = tmp_path / "afile"
    afile.write_text("precious")
    adir = tmp_path / "adir"
    adir.mkdir()
    if os.geteuid() == 0:  # root writes through permission bits; /proc/self refuses new files even to root
        readonly = "/proc/self"
    else:
        readonly = tmp_path / "ro"
        readonly.mkdir()
        readonly.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return {"P": str(photo), "F": str(afile), "D": str(adir), "RO": str(readonly), "T": str(tmp_path)}


CASES = [
    (["translate", "P", "--to", "skirt", "-o", "F", "--model", "T/nomodel"], "exists and is not a folder"),
    (["translate", "P", "--to", "skirt", "-o", "/dev/null", "--model", "T/nomodel"], "exists and is not a folder"),
    (["translate", "P", "--to", "skirt", "-o", "RO", "--model", "T/nomodel"], "cannot write"),
    (["translate", "P", "--to", "skirt", "-o", "F/sub", "--model", "T/nomodel"], "is a file, not a folder"),
    (["data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jeans", "--b", "skirt", "--out", "F"],
     "exists and is not a folder"),
    (["data", "preview", "T/nodata", "-o", "D"], "is a folder; give a file name"),
    (["data", "preview", "T/nodata", "-o", "/dev/null"], "not a regular file"),
    (["landmarks", "predict", "P", "--overlay", "D"], "is a folder; give a file name"),
    (["export", "T/norun", "F"], "exists and is not a folder"),
    (["export", "T/norun", "D/model.safetensors", "--domains", "jeans,jeans"], "the two categories must differ"),
    (["eval", "--model", "T/norun", "--data", "T/nodata", "-o", "F"], "exists and is not a folder"),
    (["eval", "--model", "T/norun", "--data", "T/nodata", "--limit", "-3"], "--limit must be >= 0"),
    (["compare", "--runs", "T/norun", "--data", "T/nodata", "-o", "F"], "exists and is not a folder"),
    (["data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jeans,skirt", "--b", "skirt", "--out", "T/ds"],
     "category 'skirt' is in both domain a"),
    (["data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jeans", "--b", "scarf", "--out", "T/ds"],
     "domain b (scarf) would get no training image"),
]


@pytest.mark.parametrize(("args", "needle"), CASES, ids=[" ".join(a[:2]) + f" {i}" for i, (a, _) in
                                                        enumerate(CASES)])
def test_bad_paths_and_values_are_one_line_exit_2(places, capsys, args, needle):
    def fill(arg: str) -> str:
        for key in ("RO", "P", "F", "D", "T"):  # RO before the one-letter keys
            if arg == key or arg.startswith(f"{key}/"):
                return places[key] + arg[len(key):]
        return arg

    proc = run(*[fill(a) for a in args], check=False, capsys=capsys)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], proc.stderr
    assert Path(places["F"]).read_text() == "precious"
    assert not os.path.exists(places["T"] + "/ds")


def test_preview_per_row_zero_is_one_line(tmp_path, capsys):
    out = tmp_path / "ds"
    run("data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jeans", "--b", "skirt", "--out", str(out),
        "--json", capsys=capsys)
    proc = run("data", "preview", str(out), "-o", str(tmp_path / "p.png"), "--per-row", "0", check=False,
               capsys=capsys)
    assert proc.returncode == 2 and "--per-row must be >= 1" in proc.stderr
    assert not (tmp_path / "p.png").exists()


def test_check_reports_an_empty_domain_and_an_empty_manifest(tmp_path, capsys):
    out = tmp_path / "ds"
    run("data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jeans", "--b", "skirt", "--out", str(out),
        "--json", capsys=capsys)
    manifest = out / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    manifest.write_text("".join(line + "\n" for line in lines if json.loads(line)["domain"] == "a"))
    problems = [str(p) for p in check_dataset(out, progress=False)]
    assert any("domain b (skirt) has no training images" in p for p in problems), problems
    proc = run("data", "check", str(out), capsys=capsys, check=False)
    assert proc.returncode == 1 and "domain b (skirt) has no training images" in proc.stdout
    manifest.write_text("")
    problems = [str(p) for p in check_dataset(out, progress=False)]
    assert any("the manifest lists no images" in p for p in problems), problems


def test_dataset_folder_gets_the_umask_mode(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        run("data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jeans", "--b", "skirt", "--out",
            str(tmp_path / "ds"), "--json", capsys=capsys)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "ds").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "ds" / "manifest.jsonl").stat().st_mode) == 0o644


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_file_size_limit_during_data_build_is_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "ds"
    proc = subprocess.run([sys.executable, "-m", "designgan.cli", "data", "build", "ccp", "--root", str(CCP_MINI),
                           "--a", "jeans", "--b", "skirt", "--out", str(out), "--json"], capture_output=True,
                          text=True, timeout=120, preexec_fn=_limit_file_size(4096))  # the photos are ~8.8 KB
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0] == (f"error: {out}: could not write the dataset (File too large); nothing "
                                            "was written"), lines
    assert list(tmp_path.iterdir()) == []  # neither the dataset nor its temporary folder


def test_eval_reads_a_bad_texture_before_any_work(tmp_path, capsys):
    # 'eval --texture bad.jpg' failed after 45 s: the data folder given here does not exist, so an error about the
    # texture (and none about the data, the judge or the model) shows the texture is read first.
    bad = tmp_path / "bad.jpg"
    bad.write_text("not an image")
    proc = run("eval", "--model", "jeans2skirt", "--data", str(tmp_path / "no_data"), "--texture", str(bad),
               "-o", str(tmp_path / "report"), check=False, capsys=capsys)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {bad}: not a readable image (UnidentifiedImageError: "
                                                f"cannot identify image file '{bad}')"]
