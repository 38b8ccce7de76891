package request_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"xiaofu/app/request"
)

// hallDepartments are the 23 departments of the demo hall's window list
// (贾汪区政务服务中心), as the knowledge base carries them.
func hallDepartments() []request.Department {
	names := []string{"交通局", "自然资源和规划局", "人社局", "医保局", "经发局", "市场监管局", "生态环境局", "住建局",
		"农业农村局", "水务局", "烟草局", "民政局", "应急管理局", "城管局", "卫健委", "文广新体局", "消防大队", "税务局",
		"财政局", "公安局", "不动产登记交易分中心", "税务分中心", "公安分中心"}
	out := make([]request.Department, len(names))
	for i, n := range names {
		out[i] = request.Department{Name: n, Windows: []string{n + "窗口"}}
	}
	out[19].Duties = "公安窗口：印章备案"
	out[19].Aliases = []string{"刻章", "印章备案"}
	out[22].Aliases = []string{"户政", "出入境"}
	out[22].Duties = "户政、出入境、签证"
	return out
}

func mustModel(t testing.TB) *request.Model {
	t.Helper()
	m, err := request.EmbeddedModel()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type fakeLLM struct {
	answer string
	err    error
	system string
}

func (f *fakeLLM) Complete(_ context.Context, system, user string) (string, error) {
	f.system = system
	return f.answer, f.err
}

func TestOfflineRoutingOnKioskRequests(t *testing.T) {
	r := request.NewRouter(hallDepartments(), mustModel(t), nil)
	f, err := os.Open("testdata/routing_cases.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	total, right, splitRight := 0, 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text, want, _ := strings.Cut(line, "\t")
		wants := strings.Split(want, "|")
		rt := r.RouteOffline(text)
		var got []string
		for _, it := range rt.Items {
			got = append(got, it.Department)
			if it.Reason == "" {
				t.Errorf("%s: item without a reason", text)
			}
		}
		total++
		if len(got) == len(wants) {
			splitRight++
		}
		if strings.Join(got, "|") == want {
			right++
		} else {
			t.Logf("miss: %s → %v, want %v", text, got, wants)
		}
	}
	acc := float64(right) / float64(total)
	t.Logf("offline routing: %d/%d = %.2f right; item count right %d/%d", right, total, acc, splitRight, total)
	if acc < 0.75 {
		t.Errorf("offline routing accuracy %.2f, want ≥ 0.75", acc)
	}
}

func TestSplitting(t *testing.T) {
	r := request.NewRouter(hallDepartments(), mustModel(t), nil)
	cases := []struct {
		text  string
		items int
	}{
		{"公司门口的人行道破了个洞，希望尽快修好", 1},
		{"我们急需一笔融资，还想问问人才公寓", 2},
		{"我们急需一笔融资还想问问人才公寓", 2},
		{"想了解招工补贴。另外公司门口的路灯不亮。还有发票怎么领？", 3},
		{"你好，请问一下，营业执照怎么办", 1},
	}
	for _, c := range cases {
		rt := r.RouteOffline(c.text)
		if len(rt.Items) != c.items {
			t.Errorf("%q → %d items %+v, want %d", c.text, len(rt.Items), rt.Items, c.items)
		}
		// Splitting must not lose or invent text.
		var all []string
		for _, it := range rt.Items {
			all = append(all, it.Text)
		}
		joined := strings.NewReplacer("，", "", "。", "", "？", "", " ", "").Replace(strings.Join(all, ""))
		orig := strings.NewReplacer("，", "", "。", "", "？", "", " ", "").Replace(c.text)
		if joined != orig {
			t.Errorf("%q split into %q: text changed", c.text, all)
		}
	}
}

func TestLLMRouting(t *testing.T) {
	good := `{"items":[{"text":"我们急需一笔融资","department":"经发局","reason":"企业融资服务"},{"text":"还想问问人才公寓","department":"住建","reason":"人才公寓"}]}`
	cases := []struct {
		name, answer string
		err          error
		source       string
		fallback     error
	}{
		{"valid", good, nil, request.SourceLLM, nil},
		{"fenced", "```json\n" + good + "\n```", nil, request.SourceLLM, nil},
		{"prose", "好的，分派如下：" + good, nil, request.SourceOffline, request.ErrLLMNotJSON},
		{"truncated", good[:40], nil, request.SourceOffline, request.ErrLLMNotJSON},
		{"unknown department", `{"items":[{"text":"融资","department":"金融办","reason":"融资"}]}`, nil, request.SourceOffline, request.ErrLLMUnknownDept},
		{"extra field", `{"items":[{"text":"融资","department":"经发局","reason":"x","priority":1}]}`, nil, request.SourceOffline, request.ErrLLMNotJSON},
		{"no items", `{"items":[]}`, nil, request.SourceOffline, request.ErrLLMInvalidAnswer},
		{"no reason", `{"items":[{"text":"融资","department":"经发局","reason":""}]}`, nil, request.SourceOffline, request.ErrLLMInvalidAnswer},
		{"model down", "", errors.New("connection refused"), request.SourceOffline, nil},
	}
	depts := hallDepartments()
	depts[7].Aliases = []string{"住建"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			llm := &fakeLLM{answer: c.answer, err: c.err}
			r := request.NewRouter(depts, mustModel(t), llm)
			rt, err := r.Route(context.Background(), "我们急需一笔融资，还想问问人才公寓")
			if err != nil {
				t.Fatal(err)
			}
			if rt.Source != c.source {
				t.Fatalf("source = %s (fallback %q), want %s", rt.Source, rt.Fallback, c.source)
			}
			if c.source == request.SourceLLM {
				if len(rt.Items) != 2 || rt.Items[1].Department != "住建局" {
					t.Fatalf("items = %+v; want the alias mapped to 住建局", rt.Items)
				}
				if !strings.Contains(llm.system, "城管局") || !strings.Contains(llm.system, "人行道") {
					t.Fatalf("system prompt lacks departments and duties: %s", llm.system)
				}
				return
			}
			if len(rt.Items) == 0 || rt.Fallback == "" {
				t.Fatalf("fallback routing = %+v", rt)
			}
			if c.fallback != nil {
				if _, perr := r.ParseLLM(c.answer); !errors.Is(perr, c.fallback) {
					t.Fatalf("ParseLLM error = %v, want %v", perr, c.fallback)
				}
			}
			for _, it := range rt.Items {
				if !r.Valid(it.Department) {
					t.Fatalf("fallback routed to unknown %q", it.Department)
				}
			}
		})
	}
}

func BenchmarkRouteOffline(b *testing.B) {
	r := request.NewRouter(hallDepartments(), mustModel(b), nil)
	for b.Loop() {
		r.RouteOffline("我们急需一笔融资，还想问问人才公寓")
	}
}

func BenchmarkModelLoad(b *testing.B) {
	data, err := os.ReadFile("routemodel.gob.gz")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := request.ReadModel(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
