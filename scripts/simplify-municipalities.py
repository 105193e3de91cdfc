#!/usr/bin/env python3
"""Writes Sources/KnooppuntWeb/Resources/municipalities.geojson: the outlines of the 342
municipalities (municipal division of 1 January 2023, the same as config/reference/
municipalities.csv), made small enough to carry in the binary.

Input: a CBS / PDOK generalised municipality GeoJSON in WGS84 (gemeente_2023.geojson in the
layout cartomap/nl publishes, 3 decimals, ~190 KB; ~130 KB after this script). Usage:
    scripts/simplify-municipalities.py gemeente_2023.geojson

How it is made smaller, and why that is enough: the desk draws an outline only to show
which municipality an incident is in, on a map about 600 px wide for a country 3 degrees
tall (~0.005 degrees per pixel). So
- each ring is simplified with Douglas-Peucker at TOLERANCE degrees (~300 m, under one
  pixel), keeping at least a triangle;
- parts (islands) smaller than MIN_PART_AREA square degrees are dropped unless they are
  the municipality's only part, and holes are dropped (none is visible at this size);
- only `statcode` and `statnaam` are kept, coordinates at 3 decimals (~100 m).
"""
import json
import sys

TOLERANCE = 0.004
MIN_PART_AREA = 0.00002


def perpendicular(p, a, b):
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0, min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def douglas_peucker(points, tolerance):
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, None
        for i in range(first + 1, last):
            d = perpendicular(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep) if k]


def area(ring):
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:]))) / 2


def simplify_ring(ring):
    # The ring is closed (first == last); split it in two so the endpoints stay fixed.
    open_ring = ring[:-1]
    half = len(open_ring) // 2
    first = douglas_peucker(open_ring[: half + 1], TOLERANCE)
    second = douglas_peucker(open_ring[half:] + [open_ring[0]], TOLERANCE)
    points = [[round(x, 3), round(y, 3)] for x, y in first[:-1] + second]
    deduplicated = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    return deduplicated if len(deduplicated) >= 4 else None


def main(path):
    source = json.load(open(path, encoding="utf-8"))
    features = []
    for feature in sorted(source["features"], key=lambda f: f["properties"]["statcode"]):
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        polygons = sorted(polygons, key=lambda p: -area(p[0]))
        parts = []
        for index, polygon in enumerate(polygons):
            if index > 0 and area(polygon[0]) < MIN_PART_AREA:
                continue
            outer = simplify_ring(polygon[0])
            if outer:
                parts.append([outer])
        if not parts:
            sys.exit("no outline left for " + feature["properties"]["statcode"])
        features.append({
            "type": "Feature",
            "properties": {"statcode": feature["properties"]["statcode"], "statnaam": feature["properties"]["statnaam"]},
            "geometry": {"type": "MultiPolygon", "coordinates": parts},
        })
    out = "Sources/KnooppuntWeb/Resources/municipalities.geojson"
    with open(out, "w", encoding="utf-8") as handle:
        handle.write('{"type":"FeatureCollection","features":[\n')
        handle.write(",\n".join(json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features))
        handle.write("\n]}\n")
    print("wrote", out, len(features), "municipalities")


if __name__ == "__main__":
    main(sys.argv[1])
