"""A CJK font for matplotlib, registered from its file so figures never fall back to tofu boxes.

The font cache is not trusted (it may predate the font's installation, or the font may sit outside
the system folders): the file is found on disk and registered with
``matplotlib.font_manager.fontManager.addfont``. Search order:

1. the environment variable ``JUESUAN_CJK_FONT`` (a path to a .ttc/.otf/.ttf file);
2. the places package managers install Noto Sans CJK / Source Han Sans (Debian/Ubuntu
   ``fonts-noto-cjk``, Fedora ``google-noto-sans-cjk-*``, Arch ``noto-fonts-cjk``, Homebrew casks,
   conda, the user's font folder);
3. any font matplotlib already knows under one of the preferred family names.

If nothing is found, :class:`CJKFontNotFound` says what to install.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

ENV_VAR = "JUESUAN_CJK_FONT"

# Family names in order of preference: Simplified Chinese faces first (the reports are mainland
# Chinese); the JP/TC faces of the same collection carry the same glyphs with regional shapes.
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)

_FILE_NAMES = (
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
    "NotoSansSC-Regular.ttf",
    "NotoSansSC-VariableFont_wght.ttf",
    "NotoSansCJK-VF.ttc",
    "SourceHanSans-Regular.ttc",
    "SourceHanSansSC-Regular.otf",
    "SourceHanSansCN-Regular.otf",
    "wqy-zenhei.ttc",
    "wqy-microhei.ttc",
)

_DIRS = (
    "/usr/share/fonts/opentype/noto",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk",  # Arch noto-fonts-cjk, Fedora
    "/usr/share/fonts/google-noto-cjk",  # Fedora google-noto-cjk-fonts
    "/usr/share/fonts/google-noto-sans-cjk-fonts",
    "/usr/share/fonts/google-noto-sans-cjk-vf-fonts",
    "/usr/share/fonts/opentype/noto-cjk",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/adobe-source-han-sans",  # Fedora adobe-source-han-sans-cn-fonts
    "/usr/share/fonts/opentype/adobe-source-han-sans",
    "/usr/share/fonts/truetype/wqy",  # Debian fonts-wqy-zenhei
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/usr/local/Caskroom",
    "/Library/Fonts",
    "~/Library/Fonts",
    "~/.local/share/fonts",
    "~/.fonts",
)

INSTALL_HINT = (
    "No CJK font found for the figures (Chinese labels would print as empty boxes). Install Noto Sans CJK: "
    "`sudo apt-get install fonts-noto-cjk` (Debian/Ubuntu; scripts/setup.sh does this), "
    "`sudo dnf install google-noto-sans-cjk-fonts` (Fedora), `pacman -S noto-fonts-cjk` (Arch), "
    "`brew install --cask font-noto-sans-cjk-sc` (macOS), or download NotoSansCJK-Regular.ttc / "
    f"NotoSansSC-Regular.otf (SIL OFL) and set {ENV_VAR}=/path/to/the/file."
)


class CJKFontNotFound(RuntimeError):
    """No usable CJK font file: the message names what to install."""


def candidate_files() -> list[Path]:
    """Font files that may hold CJK glyphs, most preferred first (env var, then known locations)."""
    out: list[Path] = []
    env = os.environ.get(ENV_VAR)
    if env:
        out.append(Path(env).expanduser())
    dirs = [Path(d).expanduser() for d in _DIRS]
    dirs.append(Path(sys.prefix) / "fonts")  # conda-forge font packages
    dirs.append(Path(sys.prefix) / "share" / "fonts")
    for d in dirs:
        for name in _FILE_NAMES:
            p = d / name
            if p.is_file():
                out.append(p)
    # A deeper look in the system font folders (packaging layouts vary), still by known file names.
    for root in ("/usr/share/fonts", "/usr/local/share/fonts"):
        r = Path(root)
        if r.is_dir():
            for name in _FILE_NAMES:
                out.extend(sorted(r.rglob(name)))
    seen, uniq = set(), []
    for p in out:
        if p not in seen:
            seen.add(p)
            uniq.append(p)
    return uniq


def _best_family(names: list[str]) -> str | None:
    for fam in PREFERRED_FAMILIES:
        if fam in names:
            return fam
    return names[0] if names else None


@lru_cache(maxsize=1)
def register_cjk_font() -> tuple[str, str]:
    """Register a CJK font file with matplotlib; returns (family name, file path).

    Raises CJKFontNotFound (with install instructions) when no font can be found. When the
    environment variable names a file that does not exist or is not a font, that is an error too:
    a silent fallback would hide the mistake.
    """
    from matplotlib import font_manager as fm

    env = os.environ.get(ENV_VAR)
    if env and not Path(env).expanduser().is_file():
        raise CJKFontNotFound(f"{ENV_VAR}={env!r} does not name a font file. " + INSTALL_HINT)
    errors = []
    for path in candidate_files():
        before = {id(f) for f in fm.fontManager.ttflist}
        try:
            fm.fontManager.addfont(str(path))
        except Exception as exc:  # unreadable or not a font
            errors.append(f"{path}: {exc}")
            if env and Path(env).expanduser() == path:
                raise CJKFontNotFound(
                    f"{ENV_VAR}={env!r} could not be read as a font ({exc}). " + INSTALL_HINT
                ) from exc
            continue
        names = [
            f.name
            for f in fm.fontManager.ttflist
            if Path(f.fname) == path or (id(f) not in before and Path(f.fname).resolve() == path.resolve())
        ]
        fam = _best_family(sorted(set(names), key=names.index))
        if fam:
            return fam, str(path)
    # Last resort: a preferred family matplotlib already knows from its cache.
    known = {f.name: f.fname for f in fm.fontManager.ttflist}
    for fam in PREFERRED_FAMILIES:
        if fam in known and Path(known[fam]).is_file():
            return fam, known[fam]
    raise CJKFontNotFound(INSTALL_HINT + (" Tried: " + "; ".join(errors) if errors else ""))
