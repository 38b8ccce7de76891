#!/usr/bin/env bash
# Regenerates assets/fonts/XiaofuCJK.ttf: Droid Sans Fallback cut down to the
# characters the kiosk can show. The full font has about 60,000 glyphs, and
# Fyne's text engine parses every glyph of an embedded font up front: the
# full font alone held 60 MB of the kiosk's idle memory. The subset keeps
# all of GB 2312 (6,763 hanzi: every common character), every character in
# the demo knowledge base and in the kiosk's own source, ASCII and CJK
# punctuation. Needs Debian's fonttools package (pyftsubset) and python3.
#   tools/fontsubset/subset.sh [FONT]
set -euo pipefail
cd "$(dirname "$0")/../.."
src=${1:-/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf}
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
python3 - "$chars" <<'PY'
import sys, pathlib
out = set()
# GB 2312: rows 0xA1-0xF7, cells 0xA1-0xFE.
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            out.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for c in range(0x20, 0x7F):
    out.add(chr(c))
for c in list(range(0x3000, 0x3040)) + list(range(0xFF00, 0xFFF0)) + list(range(0x2000, 0x2070)):
    out.add(chr(c))
for p in ["assets/kb/demo.jsonl"] + [str(x) for x in pathlib.Path(".").rglob("*.go")]:
    out.update(pathlib.Path(p).read_text(encoding="utf-8"))
out = {c for c in out if c.isprintable() or c == " "}
pathlib.Path(sys.argv[1]).write_text("".join(sorted(out)), encoding="utf-8")
print(f"{len(out)} characters", file=sys.stderr)
PY
pyftsubset "$src" --text-file="$chars" --output-file=assets/fonts/XiaofuCJK.ttf \
	--layout-features='*' --no-hinting --desubroutinize
ls -l assets/fonts/XiaofuCJK.ttf
