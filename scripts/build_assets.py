"""Copy the front-end packages installed by npm into the Django static tree.

USWDS ships compiled CSS, JS, fonts and images in `dist/`; htmx ships one minified file.
We serve them as they are (no Sass build): the theme is USWDS's default, which is what
federal users expect, and it keeps the build to a copy.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "src" / "cophub" / "static" / "vendor"

COPIES = [
    (NODE / "@uswds/uswds/dist/css", VENDOR / "uswds/css"),
    (NODE / "@uswds/uswds/dist/js", VENDOR / "uswds/js"),
    (NODE / "@uswds/uswds/dist/fonts", VENDOR / "uswds/fonts"),
    (NODE / "@uswds/uswds/dist/img", VENDOR / "uswds/img"),
    (NODE / "htmx.org/dist/htmx.min.js", VENDOR / "htmx/htmx.min.js"),
]


def main() -> int:
    missing = [str(src) for src, _ in COPIES if not src.exists()]
    if missing:
        print("Front-end packages are missing; run `npm ci` first:", *missing, sep="\n  ")
        return 1
    for src, dest in COPIES:
        if dest.exists():
            shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.map"))
        else:
            shutil.copy2(src, dest)
    print(f"Front-end assets copied to {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
