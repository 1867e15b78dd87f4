"""Packaging: provmix installs under one namespace, and ``import provmix`` gives the version and the public API."""
from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("pipeline", "detectors", "schemas")


def _packages_on_disk() -> set[str]:
    found = {"provmix"}
    for top in TOP_LEVEL:
        for init in (ROOT / top).rglob("__init__.py"):
            found.add(".".join(("provmix", *init.parent.relative_to(ROOT).parts)))
    return found


def test_pyproject_lists_every_package_under_the_namespace() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(config["packages"]) == _packages_on_disk()


def test_import_provmix_is_cheap_and_gives_the_api() -> None:
    code = ("import sys, provmix; assert 'apache_beam' not in sys.modules; "
            "print(provmix.__version__); print(provmix.run.__module__, provmix.Detect.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    version, api = out.stdout.splitlines()
    assert version and api == "provmix.pipeline.runner Detect"
    with pytest.raises(AttributeError):
        import provmix

        provmix.no_such_thing  # noqa: B018


def test_wheel_holds_only_the_provmix_namespace(tmp_path: Path) -> None:
    """A real (non-editable) build: every file of the wheel lies under provmix/ or its dist-info."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("provmix-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"provmix"}
    assert "provmix/pipeline/cli.py" in names and "provmix/detectors/models/mt-default/config.json" in names


def test_runtime_detector_code_imports_no_training_or_evaluation_code() -> None:
    import ast

    detectors = ROOT / "detectors"
    runtime = [path for path in detectors.rglob("*.py")
               if path.relative_to(detectors).parts[0] not in ("training", "evaluation")]
    offenders = []
    for path in runtime:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            offenders += [f"{path.relative_to(ROOT)} imports {name}" for name in names
                          if name.startswith(("provmix.detectors.training", "provmix.detectors.evaluation"))]
    assert len(runtime) > 20 and not offenders
