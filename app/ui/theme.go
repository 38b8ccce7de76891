// Package ui holds what every kiosk screen shares: the hall's theme with the
// embedded CJK font, large touch widgets, and the navigation contract screens
// use to move between each other. Screens live in sub-packages and in
// app/kiosk, which owns the window.
package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"xiaofu/assets"
)

// The hall's colours.
var (
	HallBlue   = color.NRGBA{R: 0x1D, G: 0x5F, B: 0xBF, A: 0xFF}
	HallNavy   = color.NRGBA{R: 0x12, G: 0x3A, B: 0x78, A: 0xFF}
	HallSky    = color.NRGBA{R: 0xE8, G: 0xF0, B: 0xFC, A: 0xFF}
	HallPaper  = color.NRGBA{R: 0xF6, G: 0xF8, B: 0xFC, A: 0xFF}
	HallOrange = color.NRGBA{R: 0xF2, G: 0x8C, B: 0x28, A: 0xFF}
	HallGreen  = color.NRGBA{R: 0x1E, G: 0x9E, B: 0x6A, A: 0xFF}
	HallRed    = color.NRGBA{R: 0xD2, G: 0x3F, B: 0x3F, A: 0xFF}
	HallInk    = color.NRGBA{R: 0x1F, G: 0x29, B: 0x37, A: 0xFF}
	HallMuted  = color.NRGBA{R: 0x5B, G: 0x67, B: 0x78, A: 0xFF}
)

// Sizes a finger and an eye at arm's length need. TouchHeight is the minimum
// height of anything a visitor taps (about 12 mm on a 21-inch kiosk panel).
const (
	TouchHeight  float32 = 88
	TextSize     float32 = 26
	HeadingSize  float32 = 40
	CaptionSize  float32 = 21
	CardPadding  float32 = 20
	CornerRadius float32 = 16
)

var cjkFont = fyne.NewStaticResource("DroidSansFallbackFull.ttf", assets.CJKFont)

// Theme is the kiosk's light theme: the hall's colours, large text, and the
// embedded CJK font for every style so Chinese never depends on what fonts
// a kiosk has installed.
type Theme struct{}

var _ fyne.Theme = Theme{}

// Color implements fyne.Theme; the kiosk is always light, whatever the
// desktop prefers, because halls are bright.
func (Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		return HallPaper
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return HallBlue
	case theme.ColorNameButton:
		return color.White
	case theme.ColorNameForeground:
		return HallInk
	case theme.ColorNameForegroundOnPrimary:
		return color.White
	case theme.ColorNamePlaceHolder, theme.ColorNameDisabled:
		return HallMuted
	case theme.ColorNameInputBackground:
		return color.White
	case theme.ColorNameInputBorder, theme.ColorNameSeparator:
		return color.NRGBA{R: 0xCB, G: 0xD5, B: 0xE4, A: 0xFF}
	case theme.ColorNameHover:
		return color.NRGBA{R: 0x1D, G: 0x5F, B: 0xBF, A: 0x18}
	case theme.ColorNamePressed:
		return color.NRGBA{R: 0x1D, G: 0x5F, B: 0xBF, A: 0x30}
	case theme.ColorNameSelection:
		return color.NRGBA{R: 0x1D, G: 0x5F, B: 0xBF, A: 0x40}
	case theme.ColorNameSuccess:
		return HallGreen
	case theme.ColorNameWarning:
		return HallOrange
	case theme.ColorNameError:
		return HallRed
	case theme.ColorNameHeaderBackground, theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground:
		return color.White
	case theme.ColorNameShadow:
		return color.NRGBA{A: 0x30}
	case theme.ColorNameScrollBar:
		return color.NRGBA{R: 0x1D, G: 0x5F, B: 0xBF, A: 0x60}
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font implements fyne.Theme. Monospace keeps Fyne's font (ticket numbers,
// codes); everything else uses the embedded CJK font, whose Latin glyphs are
// adequate and whose lack of a bold face is covered by size and colour.
func (Theme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace {
		return theme.DefaultTheme().Font(s)
	}
	return cjkFont
}

// Icon implements fyne.Theme.
func (Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme with sizes for a standing visitor.
func (Theme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return TextSize
	case theme.SizeNameHeadingText:
		return HeadingSize
	case theme.SizeNameSubHeadingText:
		return 32
	case theme.SizeNameCaptionText:
		return CaptionSize
	case theme.SizeNamePadding:
		return 10
	case theme.SizeNameInnerPadding:
		return 16
	case theme.SizeNameLineSpacing:
		return 8
	case theme.SizeNameInlineIcon:
		return 32
	case theme.SizeNameScrollBar:
		return 14
	case theme.SizeNameScrollBarSmall:
		return 6
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 12
	case theme.SizeNameInputBorder:
		return 2
	}
	return theme.DefaultTheme().Size(n)
}
