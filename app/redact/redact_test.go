package redact_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"xiaofu/app/redact"
)

func TestString(t *testing.T) {
	cases := []struct {
		name, in, gone, keep string
	}{
		{"mobile", "请联系13812345678谢谢", "13812345678", "请联系"},
		{"mobile spaced", "电话 138 1234 5678", "1234 5678", "电话"},
		{"mobile +86", "+86 13912345678", "13912345678", ""},
		{"landline", "座机0516-87716305", "87716305", "座机"},
		{"landline brackets", "(010)12345678", "12345678", ""},
		{"id number", "身份证号11010519491231002X登记", "11010519491231002X", "登记"},
		{"credit code", "信用代码91320382MA1P4G8K3T", "91320382MA1P4G8K3T", "信用代码"},
		{"ticket kept", "工单 SQ20261129-0001 已受理", "", "SQ20261129-0001"},
		{"short numbers kept", "第3窗口，共12项", "", "第3窗口，共12项"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redact.String(c.in)
			if c.gone != "" && strings.Contains(got, c.gone) {
				t.Errorf("String(%q) = %q, still holds %q", c.in, got, c.gone)
			}
			if c.keep != "" && !strings.Contains(got, c.keep) {
				t.Errorf("String(%q) = %q, lost %q", c.in, got, c.keep)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := redact.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log = log.With("contact_name", "王小明")
	log.Info("submit from 13812345678",
		"phone", "0516-87716305",
		"text", "我的电话13912345678，身份证11010519491231002X",
		"err", errors.New("server said 13712345678 invalid"),
		slog.Group("visitor", "name", "李华", "company", "小服茶馆"),
		"ticket", "SQ20261129-0001")
	out := buf.String()
	for _, pii := range []string{"王小明", "13812345678", "87716305", "13912345678", "11010519491231002X", "13712345678", "李华"} {
		if strings.Contains(out, pii) {
			t.Errorf("log holds %q: %s", pii, out)
		}
	}
	for _, keep := range []string{"SQ20261129-0001", "小服茶馆", "server said"} {
		if !strings.Contains(out, keep) {
			t.Errorf("log lost %q: %s", keep, out)
		}
	}
}

func TestStringNames(t *testing.T) {
	for _, in := range []string{"我是王建国，电话", "我叫李华。", "联系人：张三丰", "姓名:欧阳娜娜"} {
		got := redact.String(in)
		if !strings.Contains(got, "[name]") {
			t.Errorf("String(%q) = %q, want the name masked", in, got)
		}
	}
	if got := redact.String("我是来办营业执照的"); got == "" {
		t.Error("empty")
	}
}
