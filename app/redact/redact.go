// Package redact keeps personal data out of logs. String masks phone
// numbers, ID numbers and unified social credit codes found in free text;
// Handler wraps any slog.Handler so every message and attribute passes
// through String, and attributes whose key names personal data (name,
// phone, contact, id_number ...) are replaced outright. Every part of the
// kiosk that logs what a visitor typed or said should log through it.
package redact

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// Mask replaces a value that must never be logged.
const Mask = "[redacted]"

// Patterns are ordered longest first so an ID number is not half-eaten by the
// phone pattern. Digits may be separated by spaces or dashes when typed.
var patterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	// 18-digit resident ID number (last character may be X), and old 15-digit ones.
	{regexp.MustCompile(`(?i)\d{17}[\dx]|\b\d{15}\b`), "[id-number]"},
	// 18-character unified social credit code (统一社会信用代码).
	{regexp.MustCompile(`(?i)\b[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}\b`), "[credit-code]"},
	// Mainland mobile numbers, optionally with +86 and separators.
	{regexp.MustCompile(`(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}`), "[phone]"},
	// Landlines with an area code: 010-12345678, 0516 8771 6305, (0516)87716305.
	{regexp.MustCompile(`\(?0\d{2,3}\)?[ -]?\d{7,8}`), "[phone]"},
	// Bare 7-8 digit local numbers are too ambiguous to catch in general text;
	// they are caught by key in Handler instead.
}

// namePattern catches a name a visitor says about themselves ("我是王建国",
// "我叫李华", "联系人：张三"); names have no shape of their own, so only
// these introductions are recognised in free text.
var namePattern = regexp.MustCompile(`(我是|我叫|本人|联系人[:：]?|姓名[:：]?|名字是)\s*\p{Han}{2,3}`)

// String returns s with phone numbers, ID numbers, credit codes and
// self-introduced names masked.
func String(s string) string {
	s = namePattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := namePattern.FindStringSubmatch(m)
		return sub[1] + "[name]"
	})
	if !hasDigitRun(s) {
		return s
	}
	for _, p := range patterns {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
}

// hasDigitRun skips the regexps for the common case of text with fewer
// than seven digits in a row, which none of the patterns can match.
func hasDigitRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			n++
			if n >= 7 {
				return true
			}
		} else if c != ' ' && c != '-' && c != ')' {
			n = 0
		}
	}
	return false
}

// sensitiveKeys are attribute keys whose values are personal data whatever
// they look like (a name has no pattern).
var sensitiveKeys = []string{
	"name", "contact", "phone", "mobile", "tel", "id_number", "idnumber", "idcard",
	"credit_code", "address", "email", "company_contact", "person",
}

// SensitiveKey reports whether an attribute with this key must be masked
// entirely. Matching is by suffix after the last dot or underscore-free
// comparison so "visitor.phone" and "contact_name" are caught too.
func SensitiveKey(key string) bool {
	k := strings.ToLower(key)
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		k = k[i+1:]
	}
	for _, s := range sensitiveKeys {
		if k == s || strings.HasSuffix(k, "_"+s) || strings.HasPrefix(k, s+"_") {
			return true
		}
	}
	return false
}

// Handler is a slog.Handler that redacts before passing records on.
type Handler struct {
	next slog.Handler
}

var _ slog.Handler = (*Handler)(nil)

// NewHandler wraps next so nothing personal reaches it.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

// New returns a logger that writes through a redacting wrapper of h.
func New(h slog.Handler) *slog.Logger { return slog.New(NewHandler(h)) }

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(Attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = Attr(a)
	}
	return &Handler{next: h.next.WithAttrs(red)}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name)}
}

// Attr returns a with personal data masked, descending into groups and
// resolving LogValuers first so a value cannot slip past as a struct.
func Attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if SensitiveKey(a.Key) && v.Kind() != slog.KindGroup {
		if v.Kind() == slog.KindString && v.String() == "" {
			return slog.String(a.Key, "")
		}
		return slog.String(a.Key, Mask)
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]slog.Attr, len(g))
		for i, ga := range g {
			red[i] = Attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(red...)}
	case slog.KindAny:
		// errors and Stringers print their text: redact that text.
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, String(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, String(x.String()))
		case []byte:
			return slog.String(a.Key, String(string(x)))
		default:
			return slog.String(a.Key, String(slog.AnyValue(x).String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
