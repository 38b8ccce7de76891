package picture

import (
	"context"
	"fmt"

	"xiaofu/app/llm"
)

// chatStreamer is the part of the kiosk's chat client (*llm.Client) a
// vision reading needs.
type chatStreamer interface {
	Stream(ctx context.Context, msgs []llm.Message, onDelta func(string) error) (llm.Result, error)
}

// LLMVision makes the kiosk's own chat client a Vision, so pictures share its
// timeouts, error shapes and secret scrubbing. Give it a client configured
// for the vision model (e.g. qwen-vl-max) with MaxTokens of about 1024: a
// licence's business scope alone can run to several hundred tokens.
type LLMVision struct {
	Client chatStreamer
}

// Describe implements Vision. A reply cut by the token limit is returned as
// far as it got; its JSON will not parse and the reading fails with
// ErrBadReply rather than showing half a field.
func (v LLMVision) Describe(ctx context.Context, system, prompt, imageDataURL string) (string, error) {
	res, err := v.Client.Stream(ctx, []llm.Message{
		{Role: llm.RoleSystem, Text: system},
		{Role: llm.RoleUser, Text: prompt, Images: []string{imageDataURL}},
	}, func(string) error {
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("vision: %w", err)
	}
	if len(res.Text) > maxReply {
		return "", fmt.Errorf("vision: reply over %d bytes: %w", maxReply, ErrBadReply)
	}
	return res.Text, nil
}
