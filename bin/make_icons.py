"""Draw the PWA icons into static/icons/ (run once; the PNGs are committed).

The same mark as favicon.svg: a white aircraft on ASF blue. The maskable icon keeps the mark
inside the central 80 % safe zone, since launchers crop it to a circle or a squircle.
"""

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (10, 74, 138, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
# The aircraft of favicon.svg, in a 64-unit box.
PLANE = [(12, 36), (52, 20), (42, 48), (34, 38), (24, 44), (28, 34)]


def draw(size: int, mark_fraction: float, rounded: bool) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(image)
    if rounded:
        canvas.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=BLUE)
    else:
        canvas.rectangle((0, 0, size, size), fill=BLUE)
    scale = size * mark_fraction / 64
    offset = size * (1 - mark_fraction) / 2
    canvas.polygon([(offset + x * scale, offset + y * scale) for x, y in PLANE], fill=WHITE)
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, 1.0, rounded=True).save(OUT / "icon-192.png", optimize=True)
    draw(512, 1.0, rounded=True).save(OUT / "icon-512.png", optimize=True)
    draw(512, 0.8, rounded=False).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, 0.9, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
