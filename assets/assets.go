// Package assets embeds what the kiosk needs with no network and no installed
// files: the CJK font, art, sounds and the demo knowledge-base snapshot.
package assets

import _ "embed"

// CJKFont is Droid Sans Fallback (Apache-2.0, Debian fonts-droid-fallback)
// cut down by tools/fontsubset to GB 2312 plus every character of the demo
// knowledge base and the kiosk's own text: the full font's 60,000 glyphs
// cost 60 MB of memory once Fyne parsed them.
//
//go:embed fonts/XiaofuCJK.ttf
var CJKFont []byte

// DemoSnapshot is the demo knowledge-base snapshot (JSON Lines, format in
// docs/kb-format.md), generated from public data by tools/kbbuild, so that
// a fresh install answers questions with no network.
//
//go:embed kb/demo.jsonl
var DemoSnapshot []byte

// DemoNotice attributes every source of DemoSnapshot (repository, path,
// commit, licence); the kiosk shows it on its about screen.
//
//go:embed kb/NOTICE
var DemoNotice []byte
