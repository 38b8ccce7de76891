package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xiaofu/app/llm"
)

const secretKey = "sk-test0123456789abcdef"

// chunk renders one Chat Completions stream chunk exactly as DashScope
// compatible mode sends it.
func chunk(content string, finish string) string {
	fr := "null"
	if finish != "" {
		fr = fmt.Sprintf("%q", finish)
	}
	c, _ := json.Marshal(content)
	return fmt.Sprintf(`data: {"choices":[{"delta":{"content":%s},"finish_reason":%s,"index":0,"logprobs":null}],"object":"chat.completion.chunk","usage":null,"created":1732850000,"system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-1"}`+"\n\n", c, fr)
}

const usageChunk = `data: {"choices":[],"object":"chat.completion.chunk","usage":{"prompt_tokens":120,"completion_tokens":9,"total_tokens":129},"created":1732850000,"system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-1"}` + "\n\n"

func newClient(t *testing.T, url string, mod func(*llm.Config)) *llm.Client {
	t.Helper()
	off := false
	cfg := llm.Config{BaseURL: url + "/compatible-mode/v1", Model: "qwen-plus", APIKey: secretKey,
		EnableThinking: &off, ConnectTimeout: time.Second, IdleTimeout: time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect(t *testing.T, c *llm.Client, msgs []llm.Message) (llm.Result, []string, error) {
	t.Helper()
	var deltas []string
	res, err := c.Stream(context.Background(), msgs, func(d string) error { deltas = append(deltas, d); return nil })
	return res, deltas, err
}

func TestStreamDashScopeFormat(t *testing.T) {
	var got map[string]any
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/compatible-mode/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "text/event-stream;charset=UTF-8")
		io.WriteString(w, ": keep-alive\r\n\r\n")
		io.WriteString(w, `data: {"choices":[{"delta":{"content":null,"role":"assistant"},"index":0,"logprobs":null,"finish_reason":null}],"object":"chat.completion.chunk","usage":null,"model":"qwen-plus","id":"chatcmpl-1"}`+"\n\n")
		for _, p := range []string{"营业执照", "可以在", "一楼办理[1]。"} {
			io.WriteString(w, chunk(p, ""))
			w.(http.Flusher).Flush()
		}
		io.WriteString(w, chunk("", "stop"))
		io.WriteString(w, usageChunk)
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	res, deltas, err := collect(t, c, []llm.Message{
		{Role: llm.RoleSystem, Text: "你是小服"},
		{Role: llm.RoleUser, Text: "这张执照上写的什么", Images: []string{"data:image/jpeg;base64,/9j/AAAA"}},
	})
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	if res.Text != "营业执照可以在一楼办理[1]。" || strings.Join(deltas, "|") != "营业执照|可以在|一楼办理[1]。" {
		t.Errorf("text %q deltas %q", res.Text, deltas)
	}
	if res.FinishReason != "stop" || res.Usage == nil || res.Usage.CompletionTokens != 9 {
		t.Errorf("finish %q usage %+v", res.FinishReason, res.Usage)
	}
	if auth != "Bearer "+secretKey {
		t.Errorf("authorization header %q", auth)
	}
	if got["enable_thinking"] != false || got["stream"] != true || got["model"] != "qwen-plus" {
		t.Errorf("request body top-level fields: %v", got)
	}
	if so, _ := got["stream_options"].(map[string]any); so["include_usage"] != true {
		t.Errorf("stream_options %v", got["stream_options"])
	}
	msgs := got["messages"].([]any)
	if sys := msgs[0].(map[string]any); sys["content"] != "你是小服" {
		t.Errorf("system message %v", sys)
	}
	parts := msgs[1].(map[string]any)["content"].([]any)
	img := parts[0].(map[string]any)
	if img["type"] != "image_url" || img["image_url"].(map[string]any)["url"] != "data:image/jpeg;base64,/9j/AAAA" {
		t.Errorf("image part %v", img)
	}
	if txt := parts[1].(map[string]any); txt["type"] != "text" || txt["text"] != "这张执照上写的什么" {
		t.Errorf("text part %v", txt)
	}
}

func TestStreamEndsWithoutDoneAfterFinish(t *testing.T) {
	// Some llama.cpp and Ollama builds close after the finish chunk.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, chunk("好的。", ""))
		io.WriteString(w, chunk("", "stop"))
	}))
	defer srv.Close()
	res, _, err := collect(t, newClient(t, srv.URL, nil), []llm.Message{{Role: llm.RoleUser, Text: "hi"}})
	if err != nil || res.Text != "好的。" {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestStreamExtraFieldsAndNoThinkingFlag(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, chunk("ok", "stop")+"data: [DONE]\n\n")
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, func(cfg *llm.Config) {
		cfg.BaseURL = srv.URL + "/v1/chat/completions"
		cfg.EnableThinking = nil
		cfg.Extra = map[string]any{"chat_template_kwargs": map[string]any{"enable_thinking": false}}
	})
	if _, _, err := collect(t, c, []llm.Message{{Role: llm.RoleUser, Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["enable_thinking"]; ok {
		t.Error("enable_thinking sent although not configured (vLLM would reject it)")
	}
	if kw, _ := got["chat_template_kwargs"].(map[string]any); kw["enable_thinking"] != false {
		t.Errorf("extra fields not merged: %v", got)
	}
}

func TestStreamErrors(t *testing.T) {
	cases := []struct {
		name     string
		handler  http.HandlerFunc
		want     error
		contains []string
		retry    time.Duration
	}{
		{
			name: "openai 401 echoing the key",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(401)
				io.WriteString(w, `{"error":{"message":"Incorrect API key provided: `+secretKey+`. You can find your API key at https://platform.openai.com.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`)
			},
			want: llm.ErrUnauthorized, contains: []string{"http 401", "invalid_api_key", "Incorrect API key"},
		},
		{
			name: "dashscope compatible 401",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(401)
				io.WriteString(w, `{"error":{"message":"Incorrect API key provided. ","type":"invalid_request_error","param":null,"code":"invalid_api_key"},"request_id":"7d2bd7b0-8a47-9c8f-a3d1-0e2c5bb0c6a1"}`)
			},
			want: llm.ErrUnauthorized, contains: []string{"invalid_api_key", "7d2bd7b0"},
		},
		{
			name: "dashscope native throttling 429 with retry-after",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(429)
				io.WriteString(w, `{"code":"Throttling.RateQuota","message":"Requests rate limit exceeded, please try again later.","request_id":"b1c2"}`)
			},
			want: llm.ErrRateLimited, contains: []string{"Throttling.RateQuota", "rate limit exceeded", "retry after 7s"}, retry: 7 * time.Second,
		},
		{
			name: "plain text 500",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(500)
				io.WriteString(w, "Internal Server Error\n")
			},
			want: llm.ErrServer, contains: []string{"http 500", "Internal Server Error"},
		},
		{
			name: "html 502 from a proxy",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>")
			},
			want: llm.ErrServer, contains: []string{"http 502", "html page", "502 Bad Gateway"},
		},
		{
			name: "html 200 from a captive portal",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				io.WriteString(w, "<!DOCTYPE html><html><head><title>Wi-Fi 认证</title></head><body>请登录</body></html>")
			},
			want: llm.ErrMalformed, contains: []string{"html page", "Wi-Fi 认证"},
		},
		{
			name: "ollama 404 string error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(404)
				io.WriteString(w, `{"error":"model \"qwen3\" not found, try pulling it first"}`)
			},
			want: llm.ErrRequest, contains: []string{"http 404", "not found"},
		},
		{
			name: "llama.cpp numeric code",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(503)
				io.WriteString(w, `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`)
			},
			want: llm.ErrServer, contains: []string{"http 503 503", "Loading model"},
		},
		{
			name: "malformed json chunk",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, chunk("您好", ""))
				io.WriteString(w, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}\n\n")
			},
			want: llm.ErrMalformed, contains: []string{"not JSON"},
		},
		{
			name: "error event inside the stream",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, chunk("您好", ""))
				io.WriteString(w, `data: {"error":{"message":"Output data may contain inappropriate content.","type":"data_inspection_failed","code":"data_inspection_failed"},"request_id":"e5"}`+"\n\n")
			},
			want: llm.ErrServer, contains: []string{"data_inspection_failed", "inappropriate"},
		},
		{
			name: "stream cut mid-answer",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, chunk("营业执照可以", ""))
				w.(http.Flusher).Flush()
				conn, buf, _ := w.(http.Hijacker).Hijack()
				buf.Flush()
				conn.Close()
			},
			want: llm.ErrCut,
		},
		{
			name: "stream ends cleanly but unfinished",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, chunk("营业执照可以", ""))
			},
			want: llm.ErrCut, contains: []string{"without finish_reason"},
		},
		{
			name: "idle between chunks",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, chunk("营业执照", ""))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(3 * time.Second):
				}
			},
			want: llm.ErrIdle,
		},
		{
			name: "no headers at all",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(3 * time.Second):
				}
			},
			want: llm.ErrConnect,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			start := time.Now()
			_, _, err := collect(t, newClient(t, srv.URL, nil), []llm.Message{{Role: llm.RoleUser, Text: "营业执照在哪办"}})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if time.Since(start) > 2500*time.Millisecond {
				t.Errorf("took %s", time.Since(start))
			}
			msg := err.Error()
			if strings.Contains(msg, secretKey) || strings.Contains(msg, "sk-test") {
				t.Errorf("key leaked into error: %s", msg)
			}
			for _, s := range tc.contains {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q lacks %q", msg, s)
				}
			}
			var apiErr *llm.APIError
			if tc.retry > 0 && (!errors.As(err, &apiErr) || apiErr.RetryAfter != tc.retry) {
				t.Errorf("retry after: %+v", apiErr)
			}
		})
	}
}

func TestStreamCutKeepsPartialText(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, chunk("营业执照", ""))
		io.WriteString(w, `data: {"choices":[{"delta":{"content":"可`) // half a chunk, then EOF
	}))
	defer srv.Close()
	res, _, err := collect(t, newClient(t, srv.URL, nil), []llm.Message{{Role: llm.RoleUser, Text: "q"}})
	if !errors.Is(err, llm.ErrCut) || res.Text != "营业执照" {
		t.Fatalf("res %q err %v", res.Text, err)
	}
}

func TestSlowFirstTokenWithinIdleTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		time.Sleep(700 * time.Millisecond)
		io.WriteString(w, chunk("来了。", "stop")+"data: [DONE]\n\n")
	}))
	defer srv.Close()
	res, _, err := collect(t, newClient(t, srv.URL, nil), []llm.Message{{Role: llm.RoleUser, Text: "q"}})
	if err != nil || res.Text != "来了。" {
		t.Fatalf("res %q err %v", res.Text, err)
	}
}

func TestCallerCancelIsNotAnEndpointFault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, chunk("营业执照", ""))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := c.Stream(ctx, []llm.Message{{Role: llm.RoleUser, Text: "q"}}, func(string) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestProbe(t *testing.T) {
	status := 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/compatible-mode/v1/models" {
			t.Errorf("probe path %s", r.URL.Path)
		}
		w.WriteHeader(status)
		io.WriteString(w, `{"error":{"message":"bad key","code":"invalid_api_key"}}`)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	if err := c.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	status = 401
	if err := c.Probe(context.Background()); !errors.Is(err, llm.ErrUnauthorized) {
		t.Fatalf("err %v", err)
	}
	srv.Close()
	if err := c.Probe(context.Background()); !errors.Is(err, llm.ErrConnect) {
		t.Fatalf("closed server: %v", err)
	}
}
