package request

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError says which field of a form is wrong and what to tell the
// visitor; the UI shows Message beside Field.
type FieldError struct {
	Field   string // description, phone, company, location, picture, items, score, comment
	Message string // in Chinese, for the visitor
}

func (e *FieldError) Error() string { return "invalid " + e.Field + ": " + e.Message }

var (
	mobileRE   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlineRE = regexp.MustCompile(`^0\d{2,3}\d{7,8}$`)
)

// NormalizePhone strips what people type around a number (spaces, dashes,
// brackets, a +86 or 0086 prefix) and reports whether what is left is a
// mainland mobile number (1[3-9] and nine digits) or a landline with its
// area code (0 + 2–3 digits, then 7–8 digits, e.g. 0516-87716305).
func NormalizePhone(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９': // full-width digits from Chinese IMEs
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '（' || r == '）' || r == '+' || r == '—':
		default:
			return "", false
		}
	}
	d := b.String()
	if strings.HasPrefix(strings.TrimSpace(s), "+86") || strings.HasPrefix(d, "0086") {
		d = strings.TrimPrefix(strings.TrimPrefix(d, "00"), "86")
	}
	if mobileRE.MatchString(d) {
		return d, true
	}
	if landlineRE.MatchString(d) && !strings.HasPrefix(d, "00") {
		return d, true
	}
	return "", false
}

// Phone4 is the last four digits of a normalised phone, used to look a
// ticket up.
func Phone4(phone string) string {
	if len(phone) < 4 {
		return ""
	}
	return phone[len(phone)-4:]
}

// ValidPhone4 reports whether s is exactly four ASCII digits.
func ValidPhone4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidTicket reports whether s looks like a ticket number (SQ + 8 digits of
// date + - + 4 or more digits); lookups with anything else are refused before
// they reach the network.
var ticketRE = regexp.MustCompile(`^SQ\d{8}-\d{4,}$`)

// ValidTicket reports whether s is shaped like a ticket number.
func ValidTicket(s string) bool { return ticketRE.MatchString(s) }

// NormalizeTicket upper-cases and trims what was typed.
func NormalizeTicket(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// SniffPicture returns the MIME type of an accepted picture, or a FieldError
// when it is too large or not a JPEG or PNG (whatever its name claims).
func SniffPicture(data []byte) (string, error) {
	if len(data) == 0 {
		return "", &FieldError{Field: "picture", Message: "图片是空的，请重新拍摄"}
	}
	if len(data) > MaxPictureBytes {
		return "", &FieldError{Field: "picture", Message: fmt.Sprintf("图片太大（%.1f MB），请不超过 %d MB", float64(len(data))/(1<<20), MaxPictureBytes>>20)}
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	}
	ct := http.DetectContentType(data)
	return "", &FieldError{Field: "picture", Message: "只能上传 JPG 或 PNG 图片（收到的是 " + ct + "）"}
}

// CleanText trims, drops control characters and collapses runs of blank
// space, so length limits count what the visitor actually wrote.
func CleanText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\n') {
			continue
		}
		if unicode.IsSpace(r) {
			if !space {
				b.WriteRune(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// ErrEmpty is returned for a description with nothing in it.
var ErrEmpty = errors.New("request: empty description")

// Validate checks a submission against the API's limits, returning the first
// problem as a *FieldError. It normalises the phone in place. The stand-in
// server runs the same checks, so what passes here is accepted there.
func Validate(s *Submission) error {
	s.Description = CleanText(s.Description)
	if s.Description == "" {
		return &FieldError{Field: "description", Message: "请说一说或写一写您的诉求"}
	}
	if n := utf8.RuneCountInString(s.Description); n > MaxDescriptionRunes {
		return &FieldError{Field: "description", Message: fmt.Sprintf("描述太长（%d 字），请不超过 %d 字", n, MaxDescriptionRunes)}
	}
	if len(s.Items) == 0 {
		return &FieldError{Field: "items", Message: "诉求还没有分派部门"}
	}
	if len(s.Items) > MaxItems {
		return &FieldError{Field: "items", Message: fmt.Sprintf("一次最多 %d 项诉求，请分开提交", MaxItems)}
	}
	for i := range s.Items {
		it := &s.Items[i]
		it.Text = CleanText(it.Text)
		if it.Text == "" || strings.TrimSpace(it.Department) == "" {
			return &FieldError{Field: "items", Message: fmt.Sprintf("第 %d 项诉求缺少内容或部门", i+1)}
		}
		if utf8.RuneCountInString(it.Text) > MaxItemRunes {
			return &FieldError{Field: "items", Message: fmt.Sprintf("第 %d 项诉求太长，请不超过 %d 字", i+1, MaxItemRunes)}
		}
	}
	p, ok := NormalizePhone(s.Contact.Phone)
	if !ok {
		return &FieldError{Field: "phone", Message: "请填写正确的手机号（11 位）或带区号的座机号，如 0516-87716305"}
	}
	s.Contact.Phone = p
	s.Contact.Name = CleanText(s.Contact.Name)
	s.Contact.Company = CleanText(s.Contact.Company)
	s.Contact.Location = CleanText(s.Contact.Location)
	if utf8.RuneCountInString(s.Contact.Name) > MaxNameRunes {
		return &FieldError{Field: "name", Message: fmt.Sprintf("姓名请不超过 %d 字", MaxNameRunes)}
	}
	if utf8.RuneCountInString(s.Contact.Company) > MaxCompanyRunes {
		return &FieldError{Field: "company", Message: fmt.Sprintf("企业名称请不超过 %d 字", MaxCompanyRunes)}
	}
	if utf8.RuneCountInString(s.Contact.Location) > MaxLocationRunes {
		return &FieldError{Field: "location", Message: fmt.Sprintf("地点请不超过 %d 字", MaxLocationRunes)}
	}
	if len(s.Pictures) > MaxPictures {
		return &FieldError{Field: "picture", Message: fmt.Sprintf("最多 %d 张图片", MaxPictures)}
	}
	for i := range s.Pictures {
		ct, err := SniffPicture(s.Pictures[i].Data)
		if err != nil {
			return err
		}
		s.Pictures[i].Type = ct
	}
	return nil
}

// ValidateRating checks a rating before it is sent.
func ValidateRating(score int, comment string) error {
	if score < 1 || score > 5 {
		return &FieldError{Field: "score", Message: "请选择 1 到 5 星"}
	}
	if utf8.RuneCountInString(comment) > MaxCommentRunes {
		return &FieldError{Field: "comment", Message: fmt.Sprintf("评价请不超过 %d 字", MaxCommentRunes)}
	}
	return nil
}
