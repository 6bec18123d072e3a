"""Make the seed campaign's example pictures (content/images/): an
illustrated evening street and two illustrated portraits of people who do
not exist.  Deterministic: the same script makes the same files.

    python scripts/make_example_pictures.py

The pictures are the project's own work, released under CC0 (see
content/images/LICENCE.md).  The hero is large on purpose (4000 × 2600),
so the builder's down-sampling is exercised by the seed.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parent.parent / 'content' / 'images'


def vertical_gradient(size, top, bottom):
    """An RGB image fading from ``top`` to ``bottom``."""
    width, height = size
    column = Image.new('RGB', (1, height))
    for y in range(height):
        t = y / max(1, height - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t)
                                      for a, b in zip(top, bottom)))
    return column.resize(size)


def grain(image, amount, rng):
    """A little film grain, so the picture compresses like a photo."""
    noise = Image.effect_noise((image.width // 2, image.height // 2), amount)
    noise = noise.resize(image.size).convert('RGB')
    grey = Image.new('RGB', image.size, (128, 128, 128))
    return ImageChops.add(image, ImageChops.subtract(noise, grey), 1, 0)


def street(size=(4000, 2600), seed=11) -> Image.Image:
    rng = random.Random(seed)
    width, height = size
    horizon = int(height * 0.62)
    image = vertical_gradient(size, (22, 30, 74), (236, 132, 84))
    draw = ImageDraw.Draw(image)
    # A low sun's glow behind the town.
    glow = Image.new('L', size, 0)
    ImageDraw.Draw(glow).ellipse((width * 0.55, horizon - 500,
                                  width * 0.95, horizon + 300), fill=200)
    glow = glow.filter(ImageFilter.GaussianBlur(220))
    image = Image.composite(Image.new('RGB', size, (255, 196, 120)), image,
                            glow)
    draw = ImageDraw.Draw(image)
    # Far roofs and a church spire, bluish.
    x = 0
    while x < width:
        w = rng.randint(120, 320)
        h = rng.randint(120, 300)
        draw.rectangle((x, horizon - h, x + w, horizon), fill=(58, 56, 92))
        x += w
    draw.polygon(((width * 0.3, horizon - 720), (width * 0.3 - 50,
                  horizon - 300), (width * 0.3 + 50, horizon - 300)),
                 fill=(50, 48, 84))
    draw.rectangle((width * 0.3 - 70, horizon - 300, width * 0.3 + 70,
                    horizon), fill=(50, 48, 84))
    # Near houses on both sides of the street, with lit windows.
    lights = []
    for side in (0, 1):
        x = 0 if side == 0 else width * 0.62
        end = width * 0.38 if side == 0 else width
        while x < end:
            w = rng.randint(300, 520)
            h = rng.randint(700, 1150)
            colour = rng.choice([(92, 62, 60), (70, 74, 96), (104, 88, 64),
                                 (60, 80, 78)])
            top = horizon + 160 - h
            draw.rectangle((x, top, x + w, horizon + 160), fill=colour)
            draw.polygon(((x - 10, top), (x + w / 2, top - 120),
                          (x + w + 10, top)), fill=tuple(c - 25 for c in
                                                         colour))
            for wy in range(int(top + 80), int(horizon + 40), 150):
                for wx in range(int(x + 40), int(x + w - 60), 110):
                    lit = rng.random() < 0.55
                    fill = (255, 214, 130) if lit else (40, 44, 70)
                    draw.rectangle((wx, wy, wx + 60, wy + 90), fill=fill)
                    if lit:
                        lights.append((wx + 30, wy + 45, 60))
            x += w + rng.randint(10, 40)
    # The street in perspective, and the pavement.
    vanish = (width * 0.5, horizon + 60)
    draw.polygon(((0, height), (width, height), vanish), fill=(48, 46, 60))
    draw.polygon(((width * 0.15, height), (width * 0.2, height), vanish),
                 fill=(120, 110, 120))
    for i in range(12):
        t0, t1 = (i / 12) ** 1.8, ((i + 0.5) / 12) ** 1.8
        y0 = vanish[1] + (height - vanish[1]) * t0
        y1 = vanish[1] + (height - vanish[1]) * t1
        half0, half1 = 6 + 30 * t0, 6 + 30 * t1
        draw.polygon(((width / 2 - half0, y0), (width / 2 + half0, y0),
                      (width / 2 + half1, y1), (width / 2 - half1, y1)),
                     fill=(230, 220, 190))
    # Street lights along both kerbs, each with its pool of light.
    for i in range(6):
        t = 0.15 + 0.85 * (i / 5) ** 1.5
        for side in (-1, 1):
            base_x = vanish[0] + side * (width * 0.55) * t
            base_y = vanish[1] + (height - vanish[1]) * t
            pole = 900 * t
            draw.line((base_x, base_y, base_x, base_y - pole),
                      fill=(30, 30, 40), width=max(4, int(24 * t)))
            head = (base_x - side * 60 * t, base_y - pole)
            draw.line((base_x, base_y - pole, head[0], head[1]),
                      fill=(30, 30, 40), width=max(3, int(16 * t)))
            lights.append((head[0], head[1] + 10 * t, int(220 * t) + 30))
    halo = Image.new('L', size, 0)
    halo_draw = ImageDraw.Draw(halo)
    for x, y, r in lights:
        halo_draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    halo = halo.filter(ImageFilter.GaussianBlur(40))
    image = Image.composite(Image.new('RGB', size, (255, 226, 160)), image,
                            halo.point(lambda v: int(v * 0.85)))
    draw = ImageDraw.Draw(image)
    for x, y, r in lights[-12:]:
        small = r / 6
        draw.ellipse((x - small, y - small, x + small, y + small),
                     fill=(255, 250, 225))
    return grain(image, 28, rng)


def portrait(colours, seed, long_hair=False, size=(1600, 2000)
             ) -> Image.Image:
    """Head and shoulders of an illustrated, made-up person."""
    rng = random.Random(seed)
    width, height = size
    background, shirt, skin, hair = colours
    image = vertical_gradient(size, background,
                              tuple(max(0, c - 50) for c in background))
    draw = ImageDraw.Draw(image)
    for _ in range(40):  # soft shapes in the background, as out of focus
        x, y, r = rng.randint(0, width), rng.randint(0, height), \
            rng.randint(80, 260)
        tint = tuple(min(255, c + rng.randint(10, 40)) for c in background)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tint)
    image = image.filter(ImageFilter.GaussianBlur(30))
    draw = ImageDraw.Draw(image)
    cx = width / 2
    if long_hair:  # behind the shoulders and the face
        draw.rounded_rectangle((cx - 430, height * 0.17, cx + 430,
                                height * 0.78), radius=380, fill=hair)
    draw.ellipse((cx - 720, height * 0.68, cx + 720, height * 1.45),
                 fill=shirt)
    draw.polygon(((cx - 160, height * 0.70), (cx + 160, height * 0.70),
                  (cx, height * 0.82)), fill=tuple(c - 30 for c in shirt))
    draw.rectangle((cx - 130, height * 0.55, cx + 130, height * 0.72),
                   fill=tuple(c - 20 for c in skin))
    draw.ellipse((cx - 360, height * 0.2, cx + 360, height * 0.62),
                 fill=skin)
    draw.chord((cx - 390, height * 0.15, cx + 390, height * 0.5), 180, 360,
               fill=hair)
    eye_y = height * 0.40
    for dx in (-140, 140):
        draw.ellipse((cx + dx - 34, eye_y - 22, cx + dx + 34, eye_y + 22),
                     fill=(250, 250, 250))
        draw.ellipse((cx + dx - 16, eye_y - 16, cx + dx + 16, eye_y + 16),
                     fill=(50, 40, 40))
    draw.arc((cx - 130, height * 0.45, cx + 130, height * 0.54), 20, 160,
             fill=(150, 60, 60), width=14)
    return grain(image.filter(ImageFilter.GaussianBlur(2)), 20, rng)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    street().save(OUT / 'kvallsgata.jpg', quality=85, optimize=True)
    portrait(((120, 170, 200), (40, 90, 150), (236, 196, 160),
              (90, 60, 40)), 1).save(OUT / 'kontakt-1.jpg', quality=85,
                                      optimize=True)
    portrait(((214, 180, 110), (150, 50, 70), (160, 110, 80),
              (30, 25, 25)), 2, long_hair=True).save(OUT / 'kontakt-2.jpg', quality=85,
                                      optimize=True)


if __name__ == '__main__':
    main()
