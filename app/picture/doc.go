// Package picture takes a picture from a visitor and reads it: a one-time
// upload page the kiosk serves on the hall network (Server, Session), an
// optional V4L2 camera driven through an installed tool (Camera), shrinking
// to a small, oriented, metadata-free JPEG before anything is sent (Shrink),
// and reading a business licence or a photo with a vision model through an
// OpenAI-compatible chat completion (ReadLicence, ReadScene) sent by the
// kiosk's own chat client (LLMVision) or by go-openai (ChatVision).
//
// Everything a model returns is data for the visitor to confirm, never an
// instruction: replies are parsed as strict JSON, known keys only, cleaned of
// control and invisible characters, capped in length, and refused when they
// echo the kiosk's own instructions.
//
// The package does not import Fyne; app/ui/pictureview shows its results.
package picture
