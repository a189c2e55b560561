"""Which landmark models this machine has, and how to open one: the model registry.

* ``dlib68`` is built in (dlib + the 68-point predictor from a PyPI package): always listed,
  never downloaded, cannot be removed.
* Everything else lives in the local model store (:mod:`neuroface_studio.store.model_index`,
  default ``data_home()/models``): the official FAN (``fan2d``) once fetched
  (:func:`fetch_model`) or imported from a file copied by hand (:func:`import_model`), and
  later the fine-tuned FANs. Weight files are stored under their sha256.

:func:`open_predictor` turns a name into a :class:`~neuroface_studio.vision.predictor.LandmarkPredictor`
whose :class:`~neuroface_studio.vision.predictor.ModelInfo` is the provenance stored with
every landmark it produces. The FAN code (and torch) is imported only when a FAN is opened,
imported or fetched.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from neuroface_studio.domain.project import now_iso
from neuroface_studio.store.locations import default_models_dir
from neuroface_studio.store.model_index import FILES_DIR, ModelEntry, ModelIndex
from neuroface_studio.vision.errors import ModelUnavailableError
from neuroface_studio.vision.predictor import LandmarkPredictor, ModelInfo

BUILTIN = "dlib68"
DEMO_FAN = "fan-demo"  #: small FAN (2 x 128 @ 128) trained by the project on simulated faces (scripts/train_demo_fan.py)
DEMO_ORIGIN = "demo: trained by NeuroFace Studio on simulated faces - not for clinical use"
FAN_NAME = "fan2d"
FAN_ARCHITECTURE = "FAN-{n}"  # n hourglass modules (official: 4); other sizes: fan_architecture()
FAN_OFFICIAL_FILE = "2DFAN4-11f355bf06.pth.tar"  # face_alignment 1.5.0 api.py models_urls['2DFAN-4']
FAN_OFFICIAL_URL = f"https://www.adrianbulat.com/downloads/python-fan/{FAN_OFFICIAL_FILE}"
FAN_HOW_TO_GET = (f"get it with `neuroface-studio models fetch` (needs the internet), or copy {FAN_OFFICIAL_FILE} "
                  f"(from {FAN_OFFICIAL_URL}) onto this PC and run `neuroface-studio models import "
                  f"{FAN_OFFICIAL_FILE}`")


def fan_architecture(num_modules: int, width: int = 256, input_size: int = 256) -> str:
    """``"FAN-4"`` for face-alignment's layout (256 channels, 256 px input), else ``"FAN-2x128@128"``
    (stacks x channels @ input px; vision/fan_arch.py)."""
    if int(width) == 256 and int(input_size) == 256:
        return FAN_ARCHITECTURE.format(n=int(num_modules))
    return f"FAN-{int(num_modules)}x{int(width)}@{int(input_size)}"


def fan_size_metadata(num_modules: int, width: int, input_size: int) -> dict:
    """The size of a FAN as stored with it in the registry (``metrics``): the input size cannot be read
    off the weights' shapes, so it is recorded (it is also in the weights as ``input_size``)."""
    return {"num_modules": int(num_modules), "width": int(width), "input_size": int(input_size),
            "heatmap_size": int(input_size) // 4}


class ModelRegistryError(ValueError):
    """A registry request that cannot be done (unknown name, removing the built-in model, ...)."""


@dataclass(frozen=True)
class ModelListing:
    """One row of :func:`list_models`."""

    name: str
    architecture: str
    version: str
    sha256: str
    origin: str
    available: bool
    active: bool
    builtin: bool = False
    file: str = ""  # absolute path of the weights ("" for unknown)
    problem: str = ""  # why it is not available, and what to do
    created: str = ""
    metrics: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _index(store_dir: Path | None) -> ModelIndex:
    return ModelIndex(store_dir)


def fan_supported() -> bool:
    """True when this build has the FAN code and torch (FAN models can be opened)."""
    return (importlib.util.find_spec("neuroface_studio.vision.fan") is not None
            and importlib.util.find_spec("torch") is not None)


def _dlib_listing(active: bool) -> ModelListing:
    from neuroface_studio.vision.dlib68 import INSTALL_HINT, LICENCE_NOTE, file_sha256, predictor_path
    from neuroface_studio.vision.dlib_predictor import ARCHITECTURE, ORIGIN
    version, sha, path, problem = "", "", "", ""
    try:
        import dlib
        version = f"dlib {dlib.__version__}"
        p = predictor_path()
        path = str(p)
        sha = file_sha256(p) if p.is_file() else ""
        if not sha:
            problem = f"the dlib model file {p} is missing; {INSTALL_HINT}"
    except ImportError as exc:
        problem = f"dlib is not installed ({exc}); {INSTALL_HINT}"
    except ModelUnavailableError as exc:
        problem = str(exc)
    return ModelListing(name=BUILTIN, architecture=ARCHITECTURE, version=version, sha256=sha, origin=ORIGIN,
                        available=not problem, active=active, builtin=True, file=path, problem=problem,
                        metrics={"licence": LICENCE_NOTE})


_DEMO_SHA: dict[tuple, str] = {}  # (path, mtime, size) -> sha256: hashing 13 MB on every listing is wasteful


def demo_fan_file() -> Path:
    """The shipped demo FAN weights (``$NEUROFACE_DEMO_FAN`` overrides, for tests)."""
    import os
    env = os.environ.get("NEUROFACE_DEMO_FAN")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "resources" / "models" / "fan-demo.pth"


def _demo_listing(active: bool) -> ModelListing | None:
    """The demo FAN row when its file is shipped (None otherwise). Version = sha256 prefix;
    its training report (``fan-demo.json``) goes into ``metrics``."""
    import json
    path = demo_fan_file()
    if not path.is_file():
        return None
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _DEMO_SHA:
        from neuroface_studio.vision.fan_fetch import sha256_of
        _DEMO_SHA[key] = sha256_of(path)
    sha = _DEMO_SHA[key]
    report = path.with_suffix(".json")
    try:
        metrics = json.loads(report.read_text()) if report.is_file() else {}
    except (OSError, ValueError):
        metrics = {}
    problem = "" if fan_supported() else "FAN models are not supported by this installation (torch is missing)"
    config = metrics.get("config", {}) if isinstance(metrics.get("config"), dict) else {}
    size = [int(metrics.get(k, config.get(k, d))) for k, d in (("num_modules", 1), ("width", 256), ("input_size", 256))]
    metrics = {**metrics, **fan_size_metadata(*size)}
    return ModelListing(name=DEMO_FAN, architecture=fan_architecture(*size), version=sha[:10], sha256=sha,
                        origin=DEMO_ORIGIN, available=not problem,
        active=active and not problem, builtin=True, file=str(path), problem=problem, metrics=metrics)


def _entry_listing(index: ModelIndex, e: ModelEntry) -> ModelListing:
    path = index.file_path(e)
    problem = ""
    if e.architecture.startswith("FAN") and not fan_supported():
        problem = "FAN models are not supported by this installation (torch or the FAN module is missing)"
    elif not path.is_file():
        problem = f"its weights file {path} is missing; remove the model and import or fetch it again"
    return ModelListing(name=e.name, architecture=e.architecture, version=e.version, sha256=e.sha256,
                        origin=e.origin, available=not problem, active=e.active, file=str(path), problem=problem,
                        created=e.created, metrics=dict(e.metrics))


def list_models(store_dir: Path | None = None) -> list[ModelListing]:
    """The built-in dlib68 first, then the store's models (in the order they were added).

    When no FAN is in the store, a placeholder row ``fan2d`` (available False) says how to get it.
    """
    index = _index(store_dir)
    entries = index.list()
    builtin = None if any(e.active for e in entries) else (index.active_builtin() or BUILTIN)
    demo = _demo_listing(active=builtin == DEMO_FAN)
    rows = [_dlib_listing(active=builtin == BUILTIN or (builtin == DEMO_FAN and demo is None))]
    rows += [demo] if demo is not None else []
    rows += [_entry_listing(index, e) for e in entries]
    if not any(e.name == FAN_NAME for e in entries):
        rows.append(ModelListing(name=FAN_NAME, architecture=FAN_ARCHITECTURE.format(n=4), version="", sha256="",
                                 origin="official (face-alignment 1.5.0)", available=False, active=False,
                                 problem=f"not installed: {FAN_HOW_TO_GET}"))
    return rows


def get_model(name: str, store_dir: Path | None = None) -> ModelListing:
    for row in list_models(store_dir):
        if row.name == name:
            return row
    known = ", ".join(r.name for r in list_models(store_dir))
    raise ModelRegistryError(f"unknown model {name!r}; the models are: {known}")


def active_model(store_dir: Path | None = None) -> str:
    """Name of the model used when none is named (dlib68 unless another was activated)."""
    index = _index(store_dir)
    entry = index.active()
    if entry is not None:
        return entry.name
    builtin = index.active_builtin()
    return builtin if builtin == DEMO_FAN and demo_fan_file().is_file() else BUILTIN


def set_active(name: str, store_dir: Path | None = None) -> None:
    """Make ``name`` the default model (it must be available)."""
    row = get_model(name, store_dir)
    if not row.available:
        raise ModelRegistryError(f"model {name} cannot be activated: {row.problem}")
    if row.builtin:
        _index(store_dir).set_active(None, builtin=None if name == BUILTIN else name)
    else:
        _index(store_dir).set_active(name)


def model_info(row: ModelListing) -> ModelInfo:
    return ModelInfo(name=row.name, version=row.version, sha256=row.sha256, architecture=row.architecture,
                     origin=row.origin, licence=str(row.metrics.get("licence", "")))


INT8_SUFFIX = "-int8"  #: ``<FAN model>-int8``: that model's opt-in int8 variant (not stored; made on first use)


def open_predictor(name: str | None = None, store_dir: Path | None = None, **kw) -> LandmarkPredictor:
    """A predictor for model ``name`` (None: the active model). ``kw`` go to the model's class
    (FAN: device, backend, flip_tta, precision, ...). Raises ModelRegistryError / ModelUnavailableError.

    ``precision="int8"`` (or the name ``<FAN model>-int8``) opens the FAN's int8 variant (CPU,
    ONNX Runtime; lossy, 2-2.5x the fp32 speed): its predictions carry the name ``<model>-int8``, so
    its landmark tracks never mix with the fp32 model's and can be compared with them."""
    name = name or active_model(store_dir)
    if name.endswith(INT8_SUFFIX) and name not in {r.name for r in list_models(store_dir)}:
        name, kw["precision"] = name.removesuffix(INT8_SUFFIX), "int8"
    int8 = kw.get("precision", "fp32") == "int8"
    if int8 and not get_model(name, store_dir).architecture.startswith("FAN"):
        raise ModelRegistryError(f"int8 is available for FAN models only, not {name}")
    if name == BUILTIN:
        from neuroface_studio.vision.dlib_predictor import Dlib68Predictor
        return Dlib68Predictor(**kw)
    row = get_model(name, store_dir)
    if not row.available:
        raise ModelUnavailableError(f"model {name} is not available: {row.problem}")
    if row.architecture.startswith("FAN"):
        from neuroface_studio.vision.fan import FanPredictor
        kw.setdefault("backend", "auto")  # CUDA, else ONNX Runtime, else torch on the CPU
        if Path(row.file).resolve().parent == demo_fan_file().resolve().parent:
            # the shipped model's folder is part of the installation (read-only in a package):
            # its ONNX cache goes to the user's model store instead
            kw.setdefault("onnx_cache_dir", default_models_dir() / "onnx-cache")
        info = model_info(row)
        if int8:
            info = ModelInfo(row.name + INT8_SUFFIX, info.version, info.sha256, info.architecture,
                             f"{info.origin}; int8 (ONNX Runtime static quantisation, calibrated on simulated faces)",
                             info.licence, {"precision": "int8", "base_model": row.name})
        return FanPredictor(row.file, info, **kw)
    raise ModelRegistryError(f"model {name} has architecture {row.architecture}, which this version cannot open")


def _store_file(index: ModelIndex, source: Path, sha256: str) -> str:
    """Copy ``source`` into ``files/<sha256><suffixes>`` (atomically); the relative name."""
    suffix = "".join(source.suffixes[-2:]) if source.name.endswith(".pth.tar") else source.suffix
    rel = f"{FILES_DIR}/{sha256}{suffix}"
    dest = index.folder / rel
    if not dest.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.part")
        shutil.copyfile(source, tmp)
        tmp.replace(dest)
    return rel


def _register_fan(file: Path, name: str, origin: str, version: str, store_dir: Path | None,
                  metrics: dict | None = None) -> ModelListing:
    from neuroface_studio.vision.fan import fan_spec, load_fan_state
    from neuroface_studio.vision.fan_fetch import sha256_of
    state, num_modules = load_fan_state(file)  # NotAModelError: nothing is copied or registered
    spec = fan_spec(state)
    sha = sha256_of(file)
    index = _index(store_dir)
    old = index.find(name)
    rel = _store_file(index, file, sha)
    index.add(ModelEntry(name=name, architecture=fan_architecture(spec.num_modules, spec.width, spec.input_size),
                         version=version or sha[:10], sha256=sha, file=rel, origin=origin, created=now_iso(),
                         metrics={**(metrics or {}), **fan_size_metadata(spec.num_modules, spec.width,
                                                                         spec.input_size)}),
              replace_existing=True)
    if old is not None and old.file != rel:
        _delete_unused(index, old.file)
    return get_model(name, store_dir)


def register_weights(state_dict: dict, name: str, origin: str, metrics: dict | None = None,
                     store_dir: Path | None = None) -> ModelListing:
    """Register FAN weights made here (fine-tuning) as ``name`` with ``origin`` ("fine-tuned from X on
    data Y") and ``metrics`` (provenance: frames, split, hyperparameters, NRMSE before/after).
    The weights are validated like an import; the previous entry of that name is replaced."""
    import tempfile

    import torch
    _check_name(name)
    index = _index(store_dir)
    index.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=index.folder) as tmp:
        path = Path(tmp) / f"{name}.pth"
        torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, path)
        return _register_fan(path, name, origin, "", store_dir, metrics)


def _check_name(name: str) -> None:
    from neuroface_studio.store.tracks_file import SAFE_NAME
    if name in (BUILTIN, DEMO_FAN):
        raise ModelRegistryError(f"{BUILTIN} is the built-in model; choose another name")
    if not SAFE_NAME.fullmatch(name):
        raise ModelRegistryError(f"model name {name!r}: use letters, digits, '_', '.', '-'")


def import_model(file: str | Path, name: str = FAN_NAME, store_dir: Path | None = None) -> ModelListing:
    """Validate FAN weights at ``file`` and copy them into the store as ``name``.

    Raises NotAModelError (with what was expected) when the file is not FAN weights; nothing
    is copied or registered then. Importing a name again replaces that entry.
    """
    file = Path(file)
    _check_name(name)
    if not file.is_file():
        raise ModelRegistryError(f"{file} does not exist or is not a file")
    if not fan_supported():
        raise ModelUnavailableError("FAN models are not supported by this installation (torch or the FAN module "
                                    "is missing)")
    version = file.name.split(".")[0] if file.name.startswith("2DFAN") else ""
    return _register_fan(file, name, f"imported from {file.name}", version, store_dir)


def fetch_model(name: str = FAN_NAME, downloader=None, store_dir: Path | None = None, progress=None,
                url: str | None = None, sha256_prefix: str | None = "published") -> ModelListing:
    """Download the official weights of ``name`` (only ``fan2d``) and register them (origin "official").

    ``downloader(url, dest, progress)`` replaces the network (tests); ``progress(done_bytes,
    total_bytes or None)``; ``url`` (default the official address or ``$NEUROFACE_FAN_URL``) and
    ``sha256_prefix`` as in :func:`~neuroface_studio.vision.fan_fetch.fetch_fan` (tests with a
    local server). Offline: ModelUnavailableError saying how to import the file instead.
    """
    if name != FAN_NAME:
        raise ModelRegistryError(f"only {FAN_NAME} can be fetched (the official FAN weights); {name} cannot")
    if not fan_supported():
        raise ModelUnavailableError("FAN models are not supported by this installation (torch or the FAN module "
                                    "is missing)")
    from neuroface_studio.vision.fan_fetch import fetch_fan
    index = _index(store_dir)
    downloads = index.folder / "downloads"
    path = fetch_fan(downloads, downloader, progress=progress, url=url, sha256_prefix=sha256_prefix)
    try:
        listing = _register_fan(path, name, "official", path.name.split(".")[0], store_dir)
    finally:
        path.unlink(missing_ok=True)  # the store keeps its sha256-named copy
    return listing


def remove_model(name: str, store_dir: Path | None = None) -> None:
    """Remove ``name`` from the store and delete its weights file (unless another entry uses it)."""
    if name in (BUILTIN, DEMO_FAN):
        raise ModelRegistryError(f"{name} is built in and cannot be removed (it needs no download and is "
                                 "always available)")
    index = _index(store_dir)
    if index.find(name) is None:
        raise ModelRegistryError(f"no model named {name!r} in the model store {index.folder}")
    entry = index.remove(name)
    _delete_unused(index, entry.file)


def _delete_unused(index: ModelIndex, rel: str) -> None:
    if any(e.file == rel for e in index.list()):
        return
    path = index.folder / rel
    path.unlink(missing_ok=True)
    for derived in path.parent.glob(f"{path.name}.*.onnx"):  # ONNX Runtime export cache (fan_onnx)
        derived.unlink(missing_ok=True)
