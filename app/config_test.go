package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestRemoteFromEnv(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		thinking string
		wantErr  string
		client   bool
	}{
		{"nothing configured", nil, "", "", false},
		{"dashscope turns thinking off", map[string]string{"XIAOFU_LLM_URL": "https://dashscope.aliyuncs.com/compatible-mode/v1", "XIAOFU_LLM_MODEL": "qwen-plus"}, "off", "", true},
		{"vllm sends nothing", map[string]string{"XIAOFU_LLM_URL": "http://127.0.0.1:8000/v1", "XIAOFU_LLM_MODEL": "Qwen/Qwen3-8B"}, "", "", true},
		{"explicit thinking wins", map[string]string{"XIAOFU_LLM_URL": "https://dashscope.aliyuncs.com/compatible-mode/v1", "XIAOFU_LLM_MODEL": "qwen-plus", "XIAOFU_LLM_THINKING": ""}, "", "", true},
		{"url without model", map[string]string{"XIAOFU_LLM_URL": "http://127.0.0.1:8000/v1"}, "", "XIAOFU_LLM_MODEL", false},
		{"bad extra", map[string]string{"XIAOFU_LLM_URL": "http://127.0.0.1:8000/v1", "XIAOFU_LLM_MODEL": "m", "XIAOFU_LLM_EXTRA": "{nope"}, "", "XIAOFU_LLM_EXTRA", false},
		{"offline wins", map[string]string{"XIAOFU_LLM_URL": "http://127.0.0.1:8000/v1", "XIAOFU_LLM_MODEL": "m", "XIAOFU_OFFLINE": "1"}, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"XIAOFU_LLM_URL", "XIAOFU_LLM_MODEL", "XIAOFU_LLM_KEY", "XIAOFU_LLM_THINKING", "XIAOFU_LLM_EXTRA", "XIAOFU_OFFLINE", "XIAOFU_ASR_URL", "XIAOFU_TTS_URL"} {
				t.Setenv(k, "")
			}
			// t.Setenv("X", "") leaves X set; the thinking default needs it unset.
			unsetenv(t, "XIAOFU_LLM_THINKING")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r := RemoteFromEnv()
			if r.LLMThinking != tc.thinking {
				t.Errorf("thinking %q want %q", r.LLMThinking, tc.thinking)
			}
			c, err := r.LLMClient()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || (c != nil) != tc.client {
				t.Errorf("client %v err %v", c, err)
			}
		})
	}
}

func TestStatusShowsBreakersAndTier(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			io.WriteString(w, `{"object":"list","data":[{"id":"qwen-plus","object":"model"}]}`)
			return
		}
		w.WriteHeader(http.StatusMethodNotAllowed)
	}))
	defer up.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	t.Setenv("XIAOFU_LLM_URL", up.URL+"/v1")
	t.Setenv("XIAOFU_LLM_MODEL", "qwen-plus")
	t.Setenv("XIAOFU_LLM_KEY", "sk-status0123456789abcdef")
	t.Setenv("XIAOFU_ASR_URL", up.URL+"/inference")
	t.Setenv("XIAOFU_TTS_URL", down.URL+"/v1/audio/speech")
	var out, errOut bytes.Buffer
	if err := runStatus(context.Background(), []string{"--db", t.TempDir() + "/none.sqlite"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"llm", "closed (up)", "qwen-plus", "tts", "open (down)", "http 503", "tier: online", "embedded demo snapshot", "no database yet"} {
		if !strings.Contains(s, want) {
			t.Errorf("status lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "sk-status") {
		t.Error("key printed")
	}
}

func unsetenv(t *testing.T, k string) {
	t.Helper()
	if prev, ok := os.LookupEnv(k); ok {
		os.Unsetenv(k)
		t.Cleanup(func() { os.Setenv(k, prev) })
	}
}
