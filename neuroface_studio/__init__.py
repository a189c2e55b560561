"""NeuroFace Studio: record, annotate, fine-tune and analyze orofacial movement.

Package ``__init__`` files stay free of side effects and heavy imports; see DESIGN.md.
"""

__version__ = "0.1.0"
