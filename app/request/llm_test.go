package request_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xiaofu/app/llm"
	"xiaofu/app/request"
)

// sse streams answer as OpenAI-compatible chunks, cut every few bytes the
// way a model streams tokens.
func sse(answer string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rs := []rune(answer)
		for i := 0; i < len(rs); i += 7 {
			piece, _ := json.Marshal(string(rs[i:min(i+7, len(rs))]))
			fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"qwen-plus\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%s},\"finish_reason\":null}]}\n\n", piece)
		}
		io.WriteString(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
		io.WriteString(w, "data: [DONE]\n\n")
	}
}

func TestRoutingThroughTheLLMClient(t *testing.T) {
	var system string
	answer := `{"items":[{"text":"我们急需一笔融资","department":"经发局","reason":"企业融资对接"},{"text":"还想问问人才公寓","department":"人社局","reason":"人才安居政策"}]}`
	handler := sse(answer)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		if len(body.Messages) == 2 {
			system = body.Messages[0].Content
		}
		handler(w, r)
	}))
	defer srv.Close()
	c, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1", Model: "qwen-plus", ConnectTimeout: time.Second, IdleTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := request.NewRouter(hallDepartments(), mustModel(t), request.LLMCompleter{Client: c})
	rt, err := r.Route(context.Background(), "我们急需一笔融资，还想问问人才公寓")
	if err != nil {
		t.Fatal(err)
	}
	if rt.Source != request.SourceLLM || len(rt.Items) != 2 || rt.Items[1].Department != "人社局" || rt.Items[1].Reason != "人才安居政策" {
		t.Fatalf("routing = %+v", rt)
	}
	if !strings.Contains(system, "只输出一个 JSON 对象") || !strings.Contains(system, "- 城管局：") {
		t.Fatalf("system prompt = %q", system)
	}

	// The same endpoint answering in prose: the classifier takes over.
	handler = sse("根据您的描述，建议找经发局和人社局。")
	rt, err = r.Route(context.Background(), "我们急需一笔融资，还想问问人才公寓")
	if err != nil || rt.Source != request.SourceOffline || !strings.Contains(rt.Fallback, "not the required JSON") {
		t.Fatalf("prose answer: %+v, %v", rt, err)
	}
	// And the endpoint down altogether.
	srv.Close()
	rt, err = r.Route(context.Background(), "我们急需一笔融资，还想问问人才公寓")
	if err != nil || rt.Source != request.SourceOffline || len(rt.Items) != 2 {
		t.Fatalf("endpoint down: %+v, %v", rt, err)
	}
}
