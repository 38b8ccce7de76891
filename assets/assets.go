// Package assets embeds what the kiosk needs with no network and no installed
// files: the CJK font, art, sounds and the demo knowledge-base snapshot.
package assets

import _ "embed"

// CJKFont is Droid Sans Fallback (Apache-2.0, Debian fonts-droid-fallback),
// used for every Chinese glyph on screen; Latin and digits come from Fyne.
//
//go:embed fonts/DroidSansFallbackFull.ttf
var CJKFont []byte
