"""numpy/scipy/sklearn analysis: filtering, 3D, kinematics, features, evaluation (see DESIGN.md)."""
