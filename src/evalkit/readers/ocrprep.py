"""A page image made readable before OCR: a red 公章 taken out by colour (or a grey or black one by its ring), the page
turned upright (a quick detection on a small copy; a few recognitions both ways round), deskewed by its ruled lines
or text boxes, a photographed page unwarped to its paper's corners; `Turn` maps what OCR found back to the image."""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from evalkit.readers.ocrengine import engine

ORIENT_SIDE = 1000        # px: long side of the copy used to find the page's orientation


@dataclass(frozen=True)
class Turn:
    """How prepare() turned a page image: `quarters` counter-clockwise quarter turns (np.rot90) of the
    w×h image, then a photo's perspective undone by the 3×3 homography `warp`, then a deskew by the 2×3
    affine `skew` (None: none). Maps OCR boxes back to the image."""
    w: int
    h: int
    quarters: int = 0
    skew: tuple | None = None
    warp: tuple | None = None
    scale: float = 1.0          # first: a page of small print enlarged this much before all that (read_page)

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """A point of the prepared page → the same point on the page image as given."""
        if self.skew is not None:
            m = np.asarray(self.skew, dtype=np.float64).reshape(2, 3)
            inv = cv2.invertAffineTransform(m)
            x, y = (float(inv[0, 0] * x + inv[0, 1] * y + inv[0, 2]), float(inv[1, 0] * x + inv[1, 1] * y + inv[1, 2]))
        if self.warp is not None:
            inv = np.linalg.inv(np.asarray(self.warp, dtype=np.float64).reshape(3, 3))
            x, y = (float(v) for v in cv2.perspectiveTransform(np.float64([[[x, y]]]), inv)[0, 0])
        w, h = self.w, self.h
        dims = [(w, h)]
        for _ in range(self.quarters % 4):       # the width of the image before each quarter turn
            w, h = h, w
            dims.append((w, h))
        for k in range(self.quarters % 4, 0, -1):
            w_before = dims[k - 1][0]
            x, y = w_before - y, x               # np.rot90: new (x, y) was old (W - y, x)
        return x / self.scale, y / self.scale

    def box(self, b: tuple) -> tuple[float, float, float, float]:
        pts = [self.to_image(x, y) for x in (b[0], b[2]) for y in (b[1], b[3])]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return min(xs), min(ys), max(xs), max(ys)


def to_l_or_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("L", "RGB"):
        return im.copy() if im is not None else im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(im, dtype=np.float32)
        top = float(a.max()) or 1.0
        return Image.fromarray((a * (255.0 / top)).clip(0, 255).astype(np.uint8), "L")
    if im.mode in ("1", "LA"):
        return im.convert("L")
    if im.mode in ("RGBA", "PA", "P") and ("A" in im.mode or "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")


def prepare(img) -> np.ndarray:
    """The page as a grey uint8 array: red seal out, right way up, straight."""
    return prepare_with_turn(img)[0]


def prepare_with_turn(img) -> tuple[np.ndarray, Turn, np.ndarray | None]:
    """prepare(), how the page was turned (to map OCR boxes back onto the page), and where a seal
    hid the page (`seal`'s mask, turned with it; None: no seal)."""
    if isinstance(img, Image.Image):
        img = to_l_or_rgb(img)
        arr = np.asarray(img)
    else:
        arr = np.asarray(img)
        if arr.ndim == 3 and arr.shape[2] == 4:
            arr = arr[..., :3]
    if arr.dtype != np.uint8:
        arr = arr.clip(0, 255).astype(np.uint8)
    gray, hidden = seal(arr) if arr.ndim == 3 else (arr.copy(), None)
    del arr
    if hidden is None:                          # no red ink: a seal scanned black or grey, by its shape
        gray, hidden = grey_seal(gray)
    h, w = gray.shape
    quarters = _quarter_turns(gray)
    if quarters:
        gray = np.ascontiguousarray(np.rot90(gray, quarters))
        hidden = None if hidden is None else np.ascontiguousarray(np.rot90(hidden, quarters))
    gray, warp = _unwarp(gray)
    if warp is not None and hidden is not None:
        hidden = cv2.warpPerspective(hidden.astype(np.uint8), np.asarray(warp).reshape(3, 3), (gray.shape[1], gray.shape[0]),
                                     flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    gray, skew = _deskew(gray)
    if skew is not None and hidden is not None:
        m = np.asarray(skew, dtype=np.float64).reshape(2, 3)
        hidden = cv2.warpAffine(hidden.astype(np.uint8), m, (gray.shape[1], gray.shape[0]),
                                flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    return gray, Turn(w, h, quarters, skew, warp), hidden


def remove_seal(rgb: np.ndarray) -> np.ndarray:
    """Grey page with red ink (seals, red headers) taken out: where the pixel is red, its red
    channel, pushed to white when light (the stamp) and kept when dark (black print under it)."""
    return seal(rgb)[0]


def seal(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """remove_seal(), and where the stamp's ink left the page light: what it covered there cannot
    be seen (a ruled line under an opaque stamp is lost), None without red ink."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = ((hue <= 12) | (hue >= 160)) & (sat >= 60) & (val >= 70)
    if red.mean() < 1e-4:
        return gray, None
    red = cv2.dilate(red.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)   # the stamp's halo
    # red channel stretched: stamp ink (R ≈ 200+) → white; black print under it (R low, or
    # up to ~150 where JPEG's colour subsampling bled the red into it) → dark grey
    r = rgb[..., 0][red].astype(np.float32)
    gray[red] = np.clip((r - 40.0) * (255.0 / 150.0), 0, 255).astype(np.uint8)
    return gray, red & (gray >= 160)


# A round 公章 scanned without colour (black and white, or grey): found by its shape, a ring (Hough circles on a small
# copy, then checked on the page: ink along nearly the whole circle). Official seals are 38–45 mm across; the radius
# is sought between these shares of the page's longer side (an A4 page: 9–42 mm), so a crop of a page's head
# (the seal as wide, the side shorter) still finds it and no glyph (a ○, a 口) is ever that large.
SEAL_RADIUS = (0.03, 0.14)
SEAL_RING_COVER = 0.85     # share of the circle's points on ink: a table's lines touch a circle at a few points
SEAL_INK = 160             # grey below this is ink, for the ring (a grey scan's seal is lighter than print)
SEAL_LEFT_DARK = 0.25      # share of a seal's pixels still dark on the page: a black seal's ring (about 3/4)
SEAL_GREY = 90             # a ring this light is a grey seal: print under it stays darker and is kept


def grey_seal(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """A seal on a page without colour, and where it lies (its ring and solid star: `hidden`, as `seal` gives
    for red ink; None: no seal). A grey seal is whited out, the print under it (darker) kept. A black one (a
    black-and-white scan) hides what it covers: its star is whited out, its ring left for the recognizer (a
    character the thin ring crosses still reads; whited out, it loses strokes and reads confidently wrong) and
    taken out of the picture the ruled lines are found in (`read_page`)."""
    rings = _rings(gray)
    if not rings:
        return gray, None
    out = gray.copy()
    hidden = np.zeros(gray.shape, bool)
    for cx, cy, r in rings:
        x0, y0 = max(0, int(cx - r - 12)), max(0, int(cy - r - 12))
        x1, y1 = min(gray.shape[1], int(cx + r + 13)), min(gray.shape[0], int(cy + r + 13))
        roi = gray[y0:y1, x0:x1]
        ink = roi < SEAL_INK
        yy, xx = np.mgrid[y0:y1, x0:x1]
        d = np.hypot(xx - cx, yy - cy) - r
        lo, hi = _ring_band(ink, d)
        stroke = hi - lo + 1
        ring = ink & (d >= lo - 3) & (d <= hi + 3)          # the stroke's soft edges too
        thick = max(3.0, stroke * 0.75)
        dist = cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 3)
        core = (dist >= thick) & (d < lo - 3)                 # solid shapes inside the ring: the star
        # out from there to the star's points along ink thicker than a ruled line (a line under the star is not it)
        star = core.astype(np.uint8)
        line = max(1.5, 0.3 * stroke)
        body = ((dist >= line) & (d < -0.5 * r)).astype(np.uint8)
        for _ in range(int(0.1 * r)):
            star = cv2.dilate(star, np.ones((5, 5), np.uint8)) & body
        edge = 2 * int(math.ceil(line)) + 3                     # and its edge, as far in as `body` begins
        star = (cv2.dilate(star, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (edge, edge))) > 0) & ink
        level = float(np.median(roi[ring])) if ring.any() else 0.0
        if level >= SEAL_GREY:                      # a grey seal: what is darker than it is print under it
            mark = (ring | star) & (roi >= level - 30)
            out[y0:y1, x0:x1][mark] = 255
        else:
            mark = ring | star
            out[y0:y1, x0:x1][star] = 255
        hidden[y0:y1, x0:x1] |= mark
    return out, hidden


def without_seal(gray: np.ndarray, hidden: np.ndarray | None) -> np.ndarray:
    """The page the ruled lines are found in: a seal left dark for the recognizer (a black one's ring) whited out.
    A red or grey seal is out already (its `hidden` pixels are light, but for the print beside them that the
    deskew's interpolation spreads over their edge, about 1 %): the page itself."""
    if hidden is None or not hidden.any() or (gray[hidden] < SEAL_INK).mean() < SEAL_LEFT_DARK:
        return gray
    return np.where(hidden, np.uint8(255), gray)


def _rings(gray: np.ndarray) -> list[tuple[float, float, float]]:
    """Circles drawn in ink along nearly their whole length: (centre x, centre y, radius) in `gray`'s pixels."""
    h, w = gray.shape
    k = min(1.0, 640 / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA) if k < 1 else gray
    small = cv2.GaussianBlur(small, (5, 5), 1.2)
    rmin, rmax = SEAL_RADIUS[0] * max(h, w), SEAL_RADIUS[1] * max(h, w)
    if rmin * k < 8:
        return []
    found = cv2.HoughCircles(small, cv2.HOUGH_GRADIENT_ALT, dp=1.5, minDist=rmin * k, param1=300, param2=0.75,
                             minRadius=int(rmin * k), maxRadius=int(rmax * k) + 1)
    if found is None:
        return []
    ink = gray < SEAL_INK
    rings = []
    for cx, cy, r in found[0]:
        circle = _fit_circle(ink, cx / k, cy / k, r / k)
        if circle is not None and _on_ink(ink, *circle) >= SEAL_RING_COVER:
            rings.append(circle)
    return rings


def _fit_circle(ink: np.ndarray, cx: float, cy: float, r: float) -> tuple[float, float, float] | None:
    """The circle through the ink near a rough one (least squares, Kåsa's fit; the band narrowed once): the
    small copy's centre is pixels off, and the ring then falls outside the band whited out."""
    for band in (0.15 * r, 0.05 * r):
        x0, y0 = max(0, int(cx - r - band)), max(0, int(cy - r - band))
        x1, y1 = min(ink.shape[1], int(cx + r + band) + 1), min(ink.shape[0], int(cy + r + band) + 1)
        ys, xs = np.nonzero(ink[y0:y1, x0:x1])
        xs, ys = xs + float(x0), ys + float(y0)
        near = np.abs(np.hypot(xs - cx, ys - cy) - r) <= band
        if near.sum() < 2 * math.pi * r * 0.5:
            return None
        xs, ys = xs[near], ys[near]
        a, b, c = np.linalg.lstsq(np.c_[xs, ys, np.ones_like(xs)], -(xs * xs + ys * ys), rcond=None)[0]
        cx, cy = -a / 2, -b / 2
        r = math.sqrt(max(cx * cx + cy * cy - c, 1.0))
    return float(cx), float(cy), float(r)


def _on_ink(ink: np.ndarray, cx: float, cy: float, r: float) -> float:
    """Share of 360 points of the circle that fall on ink."""
    a = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    xs, ys = np.round(cx + r * np.cos(a)).astype(int), np.round(cy + r * np.sin(a)).astype(int)
    ok = (xs >= 0) & (xs < ink.shape[1]) & (ys >= 0) & (ys < ink.shape[0])
    return float(ink[ys[ok], xs[ok]].sum()) / 360


def _ring_band(ink: np.ndarray, d: np.ndarray) -> tuple[int, int]:
    """The ring's stroke: the offsets from the circle (inwards negative) where most of the ring's length is ink."""
    offs = np.rint(d).astype(int)
    band = [o for o in range(-12, 13) if (sel := offs == o).any() and ink[sel].mean() >= 0.5]
    if not band:
        return 0, 0
    lo = hi = 0
    while lo - 1 in band:
        lo -= 1
    while hi + 1 in band:
        hi += 1
    return lo, hi


def _detect(gray: np.ndarray) -> list[np.ndarray]:
    """Text boxes only (no recognition): quadrilaterals, 4×2 arrays in `gray`'s pixels."""
    res, _ = engine()(gray, use_cls=False, use_rec=False)
    return [np.asarray(b, dtype=np.float32) for b in (res or [])]


def _recognize(crop: np.ndarray) -> float:
    res, _ = engine()(crop, use_det=False, use_cls=False)
    return float(res[0][1]) if res else 0.0


def orient(gray: np.ndarray) -> np.ndarray:
    """Turn a page scanned sideways or upside down the right way up."""
    k = _quarter_turns(gray)
    return np.ascontiguousarray(np.rot90(gray, k)) if k else gray


def _quarter_turns(gray: np.ndarray) -> int:
    """The counter-clockwise quarter turns (np.rot90) that put the page the right way up."""
    scale = min(1.0, ORIENT_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    boxes = _detect(small)
    if not boxes:
        return 0
    dims = []
    for q in boxes:
        w = float(np.linalg.norm(q[1] - q[0]))
        h = float(np.linalg.norm(q[3] - q[0]))
        dims.append((w, h, q))
    wide = [d for d in dims if d[0] > 1.8 * d[1]]
    tall = [d for d in dims if d[1] > 1.8 * d[0]]
    sideways = len(tall) > len(wide)
    sample = sorted(tall if sideways else wide, key=lambda d: -max(d[0], d[1]))[:6]
    if not sample:
        return 0
    turns = (1, 3) if sideways else (0, 2)
    scores = {k: 0.0 for k in turns}
    for _, _, q in sample:
        x0, y0 = np.floor(q.min(axis=0)).astype(int)
        x1, y1 = np.ceil(q.max(axis=0)).astype(int)
        crop = small[max(0, y0):y1 + 1, max(0, x0):x1 + 1]
        if crop.size == 0:
            continue
        for k in turns:
            scores[k] += _recognize(np.ascontiguousarray(np.rot90(crop, k)))
    best = max(turns, key=lambda k: scores[k])
    if best == 0 or (not sideways and scores[2] <= scores[0] + 0.5):   # turn upside down only when clearly better
        return 0
    return best


def skew_angle(gray: np.ndarray) -> float:
    """Degrees the page is turned counter-clockwise, from the long near-horizontal ruled lines
    (each long flat piece of ink: a straight line fitted through its pixels)."""
    h, w = gray.shape
    binary = cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 25, -15)
    run = max(15, w // 80)    # a 3 px line skewed 5° still has runs of 34 px
    mask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    angles, weights = [], []
    for k in range(1, n):
        x, y, cw, ch, _ = stats[k]
        if cw < w // 5 or ch > 0.2 * cw:
            continue
        yy, xx = np.nonzero(labels[y:y + ch, x:x + cw] == k)
        if len(xx) < 10:
            continue
        slope = np.polyfit(xx.astype(np.float64), yy.astype(np.float64), 1)[0]
        a = math.degrees(math.atan(slope))
        if abs(a) < 10:
            angles.append(a)
            weights.append(float(cw))
    if sum(weights) >= 0.5 * w:       # a line or two across the page is enough (总分 alone on a page)
        return -_weighted_median(angles, weights)
    # no ruled lines: the text boxes' own slant
    boxes = _detect(cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    angles, weights = [], []
    for q in boxes:
        dx, dy = q[1] - q[0]
        if dx > 3 * abs(float(np.linalg.norm(q[3] - q[0]))):
            angles.append(math.degrees(math.atan2(dy, dx)))
            weights.append(float(dx))
    return -_weighted_median(angles, weights) if len(angles) >= 3 else 0.0


def _weighted_median(values: list[float], weights: list[float]) -> float:
    pairs = sorted(zip(values, weights))
    half, acc = sum(weights) / 2, 0.0
    for v, wt in pairs:
        acc += wt
        if acc >= half:
            return v
    return pairs[-1][0]


def deskew(gray: np.ndarray) -> np.ndarray:
    return _deskew(gray)[0]


UNWARP_SIDE = 1000        # the page is looked at this size for its outline (cheap; the warp is done at full size)
UNWARP_MIN_AREA = 0.25    # the outline must enclose this share of the picture: a page or its table, not a cell
UNWARP_MIN_SKEW = 0.6     # degrees two opposite sides must differ by: below, a rotation (deskew's) or a scan
UNWARP_MAX_PIXELS = 2.0   # the straightened page may be at most this many times the picture's pixels
UNWARP_MIN_SIDE = 500     # px: each side of the outline at least this long (a short side's angle is noise)


def _unwarp(gray: np.ndarray) -> tuple[np.ndarray, tuple | None]:
    """A page photographed at an angle straightened: its outline (the sheet against the desk, or the table's
    outer border when the sheet fills the picture) is a quadrilateral whose opposite sides are not parallel; it is
    mapped to the rectangle it was, the whole picture with it. A scan (a rectangle, maybe rotated) is left as it is.
    The page, and the 3×3 homography used (None: none)."""
    h, w = gray.shape
    f = min(1.0, UNWARP_SIDE / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else gray
    area = small.shape[0] * small.shape[1]
    outline, sheet = None, False
    _, paper = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if contours:                 # the sheet against a darker desk: its edge
        outline = max(contours, key=cv2.contourArea)
        sheet = UNWARP_MIN_AREA * area <= cv2.contourArea(outline) <= 0.9 * area
        outline = outline if sheet else None
    if outline is None:          # the sheet fills the picture: the table's outer border
        ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
        contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        if not contours:
            return gray, None
        outline = max(contours, key=cv2.contourArea)
        if cv2.contourArea(outline) < UNWARP_MIN_AREA * area:
            return gray, None
    hull = cv2.convexHull(outline)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float64)
    if len(quad) != 4:
        return gray, None
    c = quad.mean(axis=0)        # corners in order: top-left, top-right, bottom-right, bottom-left
    quad = quad[np.argsort(np.arctan2(quad[:, 1] - c[1], quad[:, 0] - c[0]))]
    quad = _fitted_corners(np.roll(quad, -int(np.argmin(quad.sum(axis=1))), axis=0),
                           outline.reshape(-1, 2).astype(np.float64))
    if quad is None:
        return gray, None
    quad = quad / f
    tl, tr, br, bl = quad
    if min(np.linalg.norm(tr - tl), np.linalg.norm(br - bl), np.linalg.norm(bl - tl), np.linalg.norm(br - tr)) < UNWARP_MIN_SIDE:
        return gray, None        # a strip or a small picture: not a page photographed at an angle

    def angle(a, b) -> float:
        return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
    top, bottom, left, right = angle(tl, tr), angle(bl, br), angle(tl, bl), angle(tr, br)
    if max(abs(top - bottom), abs(left - right)) < UNWARP_MIN_SKEW:
        return gray, None
    if max(abs(top), abs(bottom)) > 30 or max(abs(left - 90), abs(right - 90)) > 30:
        return gray, None        # not a page seen at an angle: a shape on it, or a page on its side
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    target = np.float64([tl, tl + (width, 0), tl + (width, height), tl + (0, height)])
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), target.astype(np.float32))
    if sheet:                    # the sheet alone: the desk around it would only shrink the text for the OCR
        (x0, y0), (x1, y1) = target[0], target[2]
    else:                        # the whole picture: the title and signature lines around the table with it
        corners = cv2.perspectiveTransform(np.float64([[[0, 0], [w, 0], [w, h], [0, h]]]), m)[0]
        x0, y0 = corners.min(axis=0)
        x1, y1 = corners.max(axis=0)
    if (x1 - x0) * (y1 - y0) > UNWARP_MAX_PIXELS * w * h:
        return gray, None        # a picture this warp would blow up: not a page photographed at an angle
    m = np.float64([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]]) @ m
    out = cv2.warpPerspective(gray, m, (int(math.ceil(x1 - x0)), int(math.ceil(y1 - y0))), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out, tuple(float(v) for v in m.ravel())


def _fitted_corners(quad: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """The outline's corners where straight lines fitted to its four sides meet: a polygon approximation's corners
    are off by a few pixels, which leaves the ruled lines slanted after the warp. None when a side is not a straight
    edge along its length (a seal over the table's corner bulging the outline: not a page seen at an angle)."""
    lines = []
    for k in range(4):
        a, b = quad[k], quad[(k + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 1:
            return None
        t = ((points - a) @ d) / length ** 2                     # where along the side, 0..1
        dist = np.abs((points - a) @ np.array([-d[1], d[0]])) / length
        along = (t > 0.05) & (t < 0.95) & (dist < max(3.0, 0.01 * length))
        if len(np.unique(np.floor(t[along] * 20))) < 0.8 * 18:  # the edge runs the side's whole length
            return None
        near = points[(t > 0.1) & (t < 0.9) & (dist < max(3.0, 0.02 * length))]
        if len(near) < 10:
            return None
        vx, vy, x0, y0 = cv2.fitLine(near.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    out = []
    for k in range(4):                                           # corner k: sides k-1 and k meet
        (p, u), (q, v) = lines[k - 1], lines[k]
        det = u[0] * -v[1] - u[1] * -v[0]
        if abs(det) < 1e-9:
            return quad
        s_ = ((q - p)[0] * -v[1] - (q - p)[1] * -v[0]) / det
        out.append(p + s_ * u)
    out = np.array(out)
    return out if np.all(np.abs(out - quad) < 0.05 * np.ptp(quad, axis=0).max()) else quad


def _deskew(gray: np.ndarray) -> tuple[np.ndarray, tuple | None]:
    """The page straightened, and the affine used (None when it was straight)."""
    angle = skew_angle(gray)
    if abs(angle) < 0.1:
        return gray, None
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out, tuple(float(v) for v in m.ravel())
