package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"xiaofu/app/policy"
	"xiaofu/app/profile"
	"xiaofu/assets"
	"xiaofu/localkb"
)

func init() {
	Register(Command{
		Name:    "policy",
		Summary: "match an enterprise profile against the policies (match), check a credit code (check-code), parse a description (parse)",
		Run:     runPolicy,
	})
}

const policyUsage = `usage:
  xiaofu policy match --profile FILE.json [--db PATH | --snapshot FILE.jsonl] [--skip FIELD,...]
  xiaofu policy check-code CODE
  xiaofu policy parse "我们是做软件的，三十来个人，去年营收两千万"`

// runPolicy is `xiaofu policy`: the matching engine for staff and tests,
// printing JSON so the output can be diffed and scripted.
func runPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, policyUsage)
		return errors.New("policy: missing sub-command")
	}
	switch args[0] {
	case "match":
		return policyMatch(ctx, args[1:], stdout, stderr)
	case "check-code":
		if len(args) != 2 {
			fmt.Fprintln(stderr, policyUsage)
			return errors.New("check-code: give exactly one code")
		}
		cc, err := profile.ParseCreditCode(args[1])
		if err != nil {
			return fmt.Errorf("check-code: %w", err)
		}
		return writeJSON(stdout, map[string]any{"valid": true, "credit_code": cc})
	case "parse":
		text := strings.Join(args[1:], " ")
		p, heard := profile.ParseSpoken(text)
		return writeJSON(stdout, map[string]any{"profile": p, "heard": heard})
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, policyUsage)
		return nil
	}
	fmt.Fprintln(stderr, policyUsage)
	return fmt.Errorf("policy: unknown sub-command %q", args[0])
}

func policyMatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("policy match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profilePath := fs.String("profile", "", "enterprise profile as a JSON object of field to value (- for stdin)")
	dbPath := fs.String("db", localkb.DefaultDBPath(), "knowledge-base database (the embedded demo is imported when missing)")
	snapshot := fs.String("snapshot", "", "read policies and tags from this snapshot or authored .jsonl file(s), comma-separated, instead of the database")
	skip := fs.String("skip", "", "comma-separated fields the visitor declined to answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *profilePath == "" {
		return errors.New("match: --profile is required")
	}
	var raw []byte
	var err error
	if *profilePath == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(*profilePath)
	}
	if err != nil {
		return fmt.Errorf("match: read profile: %w", err)
	}
	p, err := policy.ParseProfile(raw)
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	eng, err := loadEngine(ctx, *dbPath, *snapshot)
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	var skipped []string
	if *skip != "" {
		skipped = strings.Split(*skip, ",")
	}
	derived := policy.Derive(p, time.Now())
	res := eng.Match(derived, skipped...)
	return writeJSON(stdout, struct {
		Profile    policy.Profile `json:"profile"`
		Policies   int            `json:"policies"`
		Conditions int            `json:"conditions"`
		policy.Result
	}{derived, eng.Policies(), eng.Conditions(), res})
}

func loadEngine(ctx context.Context, dbPath, snapshot string) (*policy.Engine, error) {
	if snapshot != "" {
		var recs []localkb.Record
		for _, path := range strings.Split(snapshot, ",") {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			r, err := policy.ReadRecords(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			recs = append(recs, r...)
		}
		return policy.New(recs)
	}
	kb, err := localkb.OpenOrImportDemo(ctx, dbPath, assets.DemoSnapshot)
	if err != nil {
		return nil, err
	}
	defer kb.Close()
	return policy.Load(ctx, kb)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
