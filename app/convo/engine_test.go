package convo_test

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

	"xiaofu/app/answer"
	"xiaofu/app/convo"
	"xiaofu/app/health"
	"xiaofu/app/llm"
	"xiaofu/localkb"
	"xiaofu/speech"
)

type oneGuideKB struct{}

var guide = localkb.Record{ID: "11440100MB2C91012Q001", Kind: localkb.KindGuide, Title: "食品经营许可证核发",
	Department: "区市场监督管理局", Body: "食品经营许可证在区政务服务中心一楼八号窗口办理。"}

func (oneGuideKB) Search(ctx context.Context, q string, _ localkb.SearchOptions) ([]localkb.Hit, error) {
	return []localkb.Hit{{Record: guide, Confidence: 0.8, Grounded: true}}, nil
}

// A model that starts answering and then drops the connection: the visitor
// hears the offline answer, the turn ends within 2 s, and the captions of
// the broken answer are withdrawn.
func TestStreamCutMidAnswerTurnEndsOffline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		for _, tok := range []string{"您好，", "食品经营", "许可证当天", "就能"} {
			c, _ := json.Marshal(tok)
			fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":%s},\"finish_reason\":null}]}\n\n", c)
			w.(http.Flusher).Flush()
			time.Sleep(30 * time.Millisecond)
		}
		conn, buf, _ := w.(http.Hijacker).Hijack()
		buf.Flush()
		conn.Close()
	}))
	defer srv.Close()
	chat, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1", Model: "qwen-plus", IdleTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mon := health.NewMonitor()
	mon.Logger = quiet()
	mon.MinBackoff = time.Hour
	eng := &answer.Engine{KB: oneGuideKB{}, LLM: chat, Breaker: mon.Add(health.LLM, nil), Logger: quiet()}
	syn := &toneSynth{}
	events := &eventLog{}
	c := convo.New(convo.Config{Answerer: eng, Player: &speech.MemorySink{}, Synthesizer: syn, Events: events.add, Logger: quiet()})
	start := time.Now()
	if err := c.Text(context.Background(), "食品经营许可证在哪办"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("turn took %s", d)
	}
	ev := events.last(convo.EventCitations)
	if ev == nil || ev.Answer.Tier != answer.TierOffline || !ev.Answer.Grounded || ev.Answer.Citations[0].ID != guide.ID {
		t.Fatalf("final answer %+v", ev)
	}
	if events.last(convo.EventRetract) == nil {
		t.Error("captions of the broken answer were not withdrawn")
	}
	said := strings.Join(syn.said(), "")
	if strings.Contains(said, "当天") || !strings.Contains(said, "离线知识库") || !strings.Contains(said, "八号窗口") {
		t.Errorf("spoken %q", said)
	}
	if tier := events.last(convo.EventTier); tier == nil || tier.Tier != answer.TierOffline {
		t.Errorf("tier event %+v", tier)
	}
	if mon.Tier() != health.TierOffline {
		t.Error("the cut did not trip the LLM tier")
	}
}
