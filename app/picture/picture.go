package picture

import (
	"bytes"
	"encoding/base64"
	"errors"
	"time"
)

// Errors a caller checks with errors.Is to tell the visitor what went wrong.
// Every error Shrink returns wraps exactly one of them.
var (
	// ErrTooLarge: the file is over Options.MaxBytes.
	ErrTooLarge = errors.New("picture too large")
	// ErrNotPicture: the bytes are not a picture in any format the kiosk
	// knows, or the picture is damaged (truncated, corrupt).
	ErrNotPicture = errors.New("not a picture")
	// ErrUnsupported: a picture format recognised but not decoded here
	// (HEIC/HEIF from iPhones, TIFF, BMP, PDF).
	ErrUnsupported = errors.New("unsupported picture format")
	// ErrTooManyPixels: the header claims more pixels than Options.MaxPixels,
	// which would take too much memory to decode (a decompression bomb, or a
	// 100-megapixel photo).
	ErrTooManyPixels = errors.New("picture has too many pixels")
)

// Format is a picture's encoding as sniffed from its first bytes; the file
// name and the Content-Type the phone sends are never trusted.
type Format string

// The formats Shrink decodes. Phones send JPEG (iPhones convert HEIC to JPEG
// for a web upload), screenshots are PNG, some chat apps save WebP.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
)

// Source says where a picture came from.
type Source string

// The sources of a picture.
const (
	FromPhone  Source = "phone"
	FromCamera Source = "camera"
)

// Picture is a picture ready to show and to send: decoded, turned upright,
// shrunk and re-encoded as a JPEG with no metadata (so no GPS position or
// phone model travels with it).
//
// JPEG belongs to the Session that received the picture: Session.End zeroes
// it, so a caller must not keep it past the visit.
type Picture struct {
	JPEG          []byte
	Width, Height int // of JPEG, after orientation and shrinking
	Source        Source
	Received      time.Time

	// What arrived, for logs and the confirmation screen.
	Original       Format
	OriginalBytes  int
	OriginalWidth  int // as stored, before EXIF orientation
	OriginalHeight int
}

// DataURL is the picture as a data URL for an OpenAI-compatible image content
// part ({"type":"image_url","image_url":{"url": ...}}).
func (p Picture) DataURL() string {
	var b bytes.Buffer
	b.Grow(len("data:image/jpeg;base64,") + base64.StdEncoding.EncodedLen(len(p.JPEG)))
	b.WriteString("data:image/jpeg;base64,")
	enc := base64.NewEncoder(base64.StdEncoding, &b)
	enc.Write(p.JPEG)
	enc.Close()
	return b.String()
}

// wipe zeroes the picture's bytes in place, so every copy of the Picture
// value (they share the slice) sees nothing but zeros afterwards.
func (p *Picture) wipe() {
	clear(p.JPEG)
	p.JPEG = nil
}
