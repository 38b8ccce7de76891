package picture

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseLicence: whatever a model sends, parsing never panics and what it
// returns is clean, capped text.
func FuzzParseLicence(f *testing.F) {
	f.Add(`{"is_licence":true,"name":"某公司","credit_code":"91350100M000100Y43"}`)
	f.Add("```json\n{\"name\":\"a\\u202eb\"}\n```")
	f.Add(`{"name":{"x":[1,2,{"y":"}"}]}}`)
	f.Add(`{"name":"\"}{"`)
	f.Fuzz(func(t *testing.T, reply string) {
		l, err := parseLicence(reply)
		if err != nil {
			return
		}
		for _, fl := range l.Fields() {
			if !utf8.ValidString(fl.Value) || strings.ContainsAny(fl.Value, "\x00\x07\u200b\u202e") {
				t.Fatalf("%s not cleaned: %q", fl.Key, fl.Value)
			}
			if utf8.RuneCountInString(fl.Value) > 800 {
				t.Fatalf("%s %d runes", fl.Key, utf8.RuneCountInString(fl.Value))
			}
		}
	})
}

// FuzzExifOrientation: any bytes give an orientation from 1 to 8.
func FuzzExifOrientation(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x22Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xe1\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := exifOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
