"""Sphinx configuration of the affect_sklearn documentation.

Build with ``make docs`` (offline; warnings are errors). The API pages are
generated here from each subpackage's ``__all__``, the benchmarks table from
``benchmarks/results/*.json``, and the gallery by running ``examples/``.
"""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(DOCS))

import make_readme  # noqa: E402  (benchmarks/make_readme.py)
import torch  # noqa: E402
from _api import write_api_pages  # noqa: E402

import affect_sklearn  # noqa: E402

project = "affect_sklearn"
author = "affect_sklearn developers"
copyright = "2026, affect_sklearn developers"  # noqa: A001
release = affect_sklearn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_generated",
    "Thumbs.db",
    ".DS_Store",
    "**/*.ipynb",
    "**/*.zip",
]
root_doc = "index"
default_role = "literal"

# -- API reference -----------------------------------------------------------
# One page per public subpackage, listing the names in its ``__all__``.
write_api_pages(DOCS / "api" / "generated")
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Benchmarks table --------------------------------------------------------
# The same table as benchmarks/README.md, generated from the results JSONs.
(DOCS / "_generated").mkdir(exist_ok=True)
make_readme.write_rst(DOCS / "_generated" / "benchmarks_table.rst")

# -- Gallery -----------------------------------------------------------------
# Every example runs at build time in its fast (synthetic-data) mode; a
# failing example fails the build.
# One torch thread by default: the examples train small nets on small batches,
# where a second thread gains little and, on a machine shared with other
# jobs, oversubscribed threads make them several times slower. Set
# AFFECT_DOCS_THREADS to change it.
torch.set_num_threads(int(os.environ.get("AFFECT_DOCS_THREADS", "1")))
EXAMPLE_ORDER = [
    "quickstart",
    "model_selection",
    "regression",
    "multitask",
    "imbalance",
    "tuning",
    "landmarks",
    "persistence",
    "temporal",
]
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "download_all_examples": False,
    "subsection_order": [f"../examples/{name}" for name in EXAMPLE_ORDER] + ["*"],
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("affect_sklearn",),
    "backreferences_dir": "gen_modules/backreferences",
    "show_memory": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"affect_sklearn {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
}
html_show_sourcelink = False
