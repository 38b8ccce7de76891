package app

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"xiaofu/app/answer"
	"xiaofu/app/health"
	"xiaofu/app/llm"
	"xiaofu/localkb"
)

// Remote says where the kiosk's remote models are. Each field has an
// environment variable (XIAOFU_*) and a flag; flags win. An empty URL means
// that model is not configured and its tier is offline. Keys are read from
// the environment only, so they never appear in a process listing.
type Remote struct {
	LLMURL   string // XIAOFU_LLM_URL: API root, e.g. https://dashscope.aliyuncs.com/compatible-mode/v1
	LLMModel string // XIAOFU_LLM_MODEL, e.g. qwen-plus
	LLMKey   string // XIAOFU_LLM_KEY
	// LLMThinking is "off" (send enable_thinking=false, needed by Qwen3 on
	// DashScope), "on", or "" (send nothing: vLLM, Ollama, llama.cpp). With
	// XIAOFU_LLM_THINKING unset it is "off" for DashScope URLs, "" otherwise.
	LLMThinking string
	// LLMExtra is a JSON object merged into every chat request, e.g.
	// {"chat_template_kwargs":{"enable_thinking":false}} for Qwen3 on vLLM.
	LLMExtra       string
	ConnectTimeout time.Duration // XIAOFU_LLM_CONNECT_TIMEOUT (default 5s)
	IdleTimeout    time.Duration // XIAOFU_LLM_IDLE_TIMEOUT (default 10s)

	ASRURL   string // XIAOFU_ASR_URL: full transcription URL (whisper.cpp: .../inference)
	ASRModel string // XIAOFU_ASR_MODEL, e.g. whisper-1
	ASRKey   string // XIAOFU_ASR_KEY
	TTSURL   string // XIAOFU_TTS_URL: full speech URL (.../audio/speech)
	TTSModel string // XIAOFU_TTS_MODEL, e.g. tts-1
	TTSVoice string // XIAOFU_TTS_VOICE, e.g. alloy
	TTSKey   string // XIAOFU_TTS_KEY

	Offline bool // never call a remote endpoint
}

// RemoteFromEnv reads the XIAOFU_* variables.
func RemoteFromEnv() Remote {
	r := Remote{
		LLMURL: os.Getenv("XIAOFU_LLM_URL"), LLMModel: os.Getenv("XIAOFU_LLM_MODEL"), LLMKey: os.Getenv("XIAOFU_LLM_KEY"),
		LLMExtra: os.Getenv("XIAOFU_LLM_EXTRA"),
		ASRURL:   os.Getenv("XIAOFU_ASR_URL"), ASRModel: os.Getenv("XIAOFU_ASR_MODEL"), ASRKey: os.Getenv("XIAOFU_ASR_KEY"),
		TTSURL: os.Getenv("XIAOFU_TTS_URL"), TTSModel: os.Getenv("XIAOFU_TTS_MODEL"), TTSVoice: os.Getenv("XIAOFU_TTS_VOICE"),
		TTSKey:  os.Getenv("XIAOFU_TTS_KEY"),
		Offline: os.Getenv("XIAOFU_OFFLINE") == "1",
	}
	if v, ok := os.LookupEnv("XIAOFU_LLM_THINKING"); ok {
		r.LLMThinking = v
	} else if strings.Contains(r.LLMURL, "dashscope") {
		r.LLMThinking = "off"
	}
	r.ConnectTimeout, _ = time.ParseDuration(os.Getenv("XIAOFU_LLM_CONNECT_TIMEOUT"))
	r.IdleTimeout, _ = time.ParseDuration(os.Getenv("XIAOFU_LLM_IDLE_TIMEOUT"))
	return r
}

// Flags binds the non-secret fields to fs.
func (r *Remote) Flags(fs *flag.FlagSet) {
	fs.StringVar(&r.LLMURL, "llm-url", r.LLMURL, "OpenAI-compatible API root of the language model")
	fs.StringVar(&r.LLMModel, "llm-model", r.LLMModel, "model name")
	fs.StringVar(&r.LLMThinking, "llm-thinking", r.LLMThinking, `"off" to send enable_thinking=false (Qwen3 on DashScope), "on", or "" to send nothing`)
	fs.DurationVar(&r.ConnectTimeout, "llm-connect-timeout", r.ConnectTimeout, "wait this long for the model's response headers")
	fs.DurationVar(&r.IdleTimeout, "llm-idle-timeout", r.IdleTimeout, "wait this long for the first or next piece of the answer")
	fs.StringVar(&r.ASRURL, "asr-url", r.ASRURL, "speech-recognition URL")
	fs.StringVar(&r.TTSURL, "tts-url", r.TTSURL, "speech-synthesis URL")
	fs.BoolVar(&r.Offline, "offline", r.Offline, "never call a remote endpoint")
}

// Secrets are the configured keys, for output filters.
func (r Remote) Secrets() []string {
	var s []string
	for _, k := range []string{r.LLMKey, r.ASRKey, r.TTSKey} {
		if k != "" {
			s = append(s, k)
		}
	}
	return s
}

// LLMClient builds the chat client, or nil when no model is configured or
// the kiosk is offline.
func (r Remote) LLMClient() (*llm.Client, error) {
	if r.Offline || r.LLMURL == "" {
		return nil, nil
	}
	cfg := llm.Config{BaseURL: r.LLMURL, Model: r.LLMModel, APIKey: r.LLMKey,
		ConnectTimeout: r.ConnectTimeout, IdleTimeout: r.IdleTimeout}
	switch r.LLMThinking {
	case "off":
		f := false
		cfg.EnableThinking = &f
	case "on":
		t := true
		cfg.EnableThinking = &t
	case "":
	default:
		return nil, fmt.Errorf("llm thinking %q: want off, on or empty", r.LLMThinking)
	}
	if r.LLMExtra != "" {
		if err := json.Unmarshal([]byte(r.LLMExtra), &cfg.Extra); err != nil {
			return nil, fmt.Errorf("XIAOFU_LLM_EXTRA: not a JSON object: %w", err)
		}
	}
	if r.LLMModel == "" {
		return nil, fmt.Errorf("XIAOFU_LLM_URL is set but XIAOFU_LLM_MODEL is not")
	}
	return llm.New(cfg)
}

// Health registers the configured endpoints with a new monitor (not yet
// started) and returns it with the chat client (nil when not configured).
func (r Remote) Health(log *slog.Logger) (*health.Monitor, *llm.Client, error) {
	mon := health.NewMonitor()
	mon.Logger = log
	chat, err := r.LLMClient()
	if err != nil {
		return nil, nil, err
	}
	if chat != nil {
		mon.Add(health.LLM, chat)
	}
	if !r.Offline && r.ASRURL != "" {
		mon.Add(health.ASR, health.HTTPProbe{URL: r.ASRURL, Key: r.ASRKey})
	}
	if !r.Offline && r.TTSURL != "" {
		mon.Add(health.TTS, health.HTTPProbe{URL: r.TTSURL, Key: r.TTSKey})
	}
	return mon, chat, nil
}

// NewAnswerEngine is the answer engine over kb with the configured model.
func (r Remote) NewAnswerEngine(kb *localkb.KB, mon *health.Monitor, chat *llm.Client, log *slog.Logger) *answer.Engine {
	e := &answer.Engine{KB: kb, Offline: r.Offline, Hall: kb.Meta().Hall, Secrets: r.Secrets(), Logger: log}
	if chat != nil {
		e.LLM = chat
		e.Breaker = mon.Breaker(health.LLM)
	}
	return e
}

// redactURL shows a URL without user info or query (where keys sometimes hide).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
