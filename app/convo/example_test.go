package convo_test

import (
	"context"
	"fmt"
	"time"

	"xiaofu/app/answer"
	"xiaofu/app/convo"
	"xiaofu/speech"
)

// A typed question answered aloud: the UI renders the events (through
// fyne.Do in the kiosk); here they are printed.
func Example() {
	ans := &scriptAnswerer{gap: time.Millisecond,
		deltas: []answer.Delta{{Text: "您好，"}, {Text: "请到一楼八号窗口办理。"}},
		final: answer.Answer{Text: "您好，请到一楼八号窗口办理[1]。", Grounded: true, Tier: answer.TierOnline,
			Citations: []answer.Citation{{ID: "11440100MB2C91012Q001", Kind: "guide", Title: "食品经营许可证核发"}}}}
	c := convo.New(convo.Config{
		Answerer:    ans,
		Player:      &speech.MemorySink{},
		Synthesizer: &toneSynth{},
		Logger:      quiet(),
		Events: func(e convo.Event) {
			switch e.Kind {
			case convo.EventCaption:
				fmt.Println("caption:", e.Text)
			case convo.EventCitations:
				fmt.Println("source:", e.Answer.Citations[0].Title)
			case convo.EventDone:
				fmt.Println("done")
			}
		},
	})
	if err := c.Text(context.Background(), "食品经营许可证在哪办"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// caption: 您好，
	// caption: 请到一楼八号窗口办理。
	// source: 食品经营许可证核发
	// done
}
