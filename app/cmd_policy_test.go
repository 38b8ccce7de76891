package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPolicyCommandMatch(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	os.WriteFile(prof, []byte(`{"reg_place":"浙江省杭州市西湖区","reg_years":3,"ip_count":2,"high_tech_field":true,"revenue_wan":2000,"rd_expense_wan":120}`), 0o644)
	authored := filepath.Join("..", "tools", "kbbuild", "authored")
	snap := filepath.Join(authored, "policies.jsonl") + "," + filepath.Join(authored, "tags.jsonl")
	var out, errOut bytes.Buffer
	if err := runPolicy(context.Background(), []string{"match", "--profile", prof, "--snapshot", snap}, &out, &errOut); err != nil {
		t.Fatalf("match: %v (%s)", err, errOut.String())
	}
	var got struct {
		Profile  map[string]any `json:"profile"`
		Policies int            `json:"policies"`
		Met      []struct {
			ID    string `json:"id"`
			Lines []struct {
				Reason string `json:"reason"`
				Source string `json:"source"`
			} `json:"lines"`
		} `json:"met"`
		Next *struct {
			Field string `json:"field"`
		} `json:"next_question"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	// 120万 R&D on 2000万 revenue is 6%: the derived ratio meets the
	// municipal high-tech band.
	if got.Profile["rd_ratio_pct"] != 6.0 || got.Policies < 50 || got.Next == nil {
		t.Fatalf("profile %v, policies %d, next %v", got.Profile, got.Policies, got.Next)
	}
	found := false
	for _, m := range got.Met {
		if m.ID == "policy-hz-2" {
			found = true
			if m.Lines[0].Reason == "" || m.Lines[0].Source == "" {
				t.Fatalf("met line without reason or source: %+v", m.Lines[0])
			}
		}
	}
	if !found {
		t.Fatalf("policy-hz-2 not met:\n%s", out.String())
	}
	if strings.Contains(out.String(), `\u`) {
		t.Fatal("Chinese escaped in the JSON output; staff read it")
	}
}

func TestPolicyCommandCheckCode(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runPolicy(context.Background(), []string{"check-code", "91350100M000100Y43"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"valid": true`) || !strings.Contains(out.String(), `"region": "350100"`) {
		t.Fatalf("output %s", out.String())
	}
	out.Reset()
	err := runPolicy(context.Background(), []string{"check-code", "91350100M000100Y44"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "最后一位校验码应为“3”，实为“4”") {
		t.Fatalf("err = %v", err)
	}
}

func TestPolicyCommandErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	cases := [][]string{{}, {"nope"}, {"match"}, {"check-code"}, {"match", "--profile", "/nonexistent.json", "--snapshot", "x"}}
	for _, args := range cases {
		if err := runPolicy(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("args %v accepted", args)
		}
	}
}
