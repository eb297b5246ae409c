"""Screenshots of the architecture map for docs/ (the README shows docs/map-shop.png).

Draws the map of the example shop, of the choreography saga with every component
expanded, and of Django when given its source (a directory holding ``django/``,
e.g. the sdist of Django 5.2.8), in headless Chromium (tests/chromium.py):

    .venv/bin/python scripts/map_screenshots.py [--django DIR] [--out docs]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chromium import Browser, executable  # noqa: E402
from tests.conftest import DJANGO_CONFIG  # noqa: E402

# (file name, project, query that expands components, window size)
SHOTS = [
    ("map-shop", ROOT / "fixtures" / "shop", "", (1500, 900)),
    ("map-saga-expanded", ROOT / "fixtures" / "saga_choreography", "?expand=*", (1500, 850)),
]
DJANGO_SHOT = ("map-django", "", (1800, 1150))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--django", type=Path, help="directory with Django's django/ package")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        shots = []
        for name, source, query, size in SHOTS:
            shutil.copytree(source, work_dir / name)
            shots.append((name, work_dir / name, query, size))
        if args.django:
            project = work_dir / DJANGO_SHOT[0]
            shutil.copytree(args.django / "django", project / "django")
            (project / "pyproject.toml").write_text(DJANGO_CONFIG)
            shots.append((DJANGO_SHOT[0], project, *DJANGO_SHOT[1:]))
        for name, project, query, (width, height) in shots:
            page = work_dir / f"{name}.html"
            drawn = [sys.executable, "-m", "depcheck", "map", str(project), "-o", str(page)]
            subprocess.run(drawn, check=True)
            with Browser(executable() or "chromium", width, height) as browser:
                browser.open(page.resolve().as_uri() + query)
                target = args.out / f"{name}.png"
                target.write_bytes(browser.screenshot())
                print(f"wrote {target} ({target.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
