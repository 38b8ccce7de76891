package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"xiaofu/app/health"
	"xiaofu/assets"
	"xiaofu/localkb"
)

func init() {
	Register(Command{Name: "status", Summary: "probe the remote endpoints once and print their breakers, the tier and the knowledge-base version", Run: runStatus})
}

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	remote := RemoteFromEnv()
	fset := flag.NewFlagSet("status", flag.ContinueOnError)
	fset.SetOutput(stderr)
	db := fset.String("db", os.Getenv("XIAOFU_DB"), "knowledge-base database file (default: the kiosk's)")
	remote.Flags(fset)
	if err := fset.Parse(args); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	mon, chat, err := remote.Health(quiet)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	mon.ProbeNow(pctx)
	cancel()
	snap := mon.Snapshot()

	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "endpoint\turl\tmodel\tbreaker\tlast error")
	urls := map[string]string{health.ASR: remote.ASRURL, health.TTS: remote.TTSURL}
	if chat != nil {
		urls[health.LLM] = chat.Endpoint()
	}
	for _, name := range []string{health.LLM, health.ASR, health.TTS} {
		model := ""
		if name == health.LLM {
			model = remote.LLMModel
		}
		var st *health.EndpointStatus
		for i := range snap.Endpoints {
			if snap.Endpoints[i].Name == name {
				st = &snap.Endpoints[i]
			}
		}
		switch {
		case st != nil:
			state := "closed (up)"
			if st.State != health.Closed {
				state = st.State.String() + " (down)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, redactURL(urls[name]), model, state, st.LastError)
		case remote.Offline:
			fmt.Fprintf(tw, "%s\t-\t\toff (--offline)\t\n", name)
		default:
			fmt.Fprintf(tw, "%s\t-\t\tnot configured\t\n", name)
		}
	}
	tw.Flush()

	fmt.Fprintf(stdout, "\ntier: %s", snap.Tier)
	if snap.Tier == health.TierOffline {
		fmt.Fprint(stdout, " (answers come from the offline copy of the knowledge base)")
	}
	fmt.Fprintln(stdout)
	if remote.Offline || remote.LLMURL == "" {
		fmt.Fprintln(stdout, "  the language model is not in use: set XIAOFU_LLM_URL and XIAOFU_LLM_MODEL (and XIAOFU_LLM_KEY) to answer online")
	}

	path := *db
	if path == "" {
		path = localkb.DefaultDBPath()
	}
	fmt.Fprintf(stdout, "knowledge base: %s\n", path)
	fmt.Fprintf(stdout, "  embedded demo snapshot: %s\n", demoVersion())
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(stdout, "  no database yet: the kiosk imports the embedded demo on first start")
		return nil
	}
	kb, err := localkb.Open(path)
	if err != nil {
		fmt.Fprintf(stdout, "  cannot open: %v\n", err)
		return nil
	}
	defer kb.Close()
	m := kb.Meta()
	fmt.Fprintf(stdout, "  version %s, generated %s, region %s\n", m.Version, m.Generated, m.Region)
	if st, err := kb.Stats(ctx); err == nil {
		fmt.Fprintf(stdout, "  %d records:", st.Total)
		for _, k := range []string{localkb.KindFAQ, localkb.KindGuide, localkb.KindPolicy, localkb.KindDepartment, localkb.KindDoc, localkb.KindBundle, localkb.KindTag} {
			if n := st.ByKind[k]; n > 0 {
				fmt.Fprintf(stdout, " %s %d", k, n)
			}
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// demoVersion reads the version from the embedded snapshot's meta line.
func demoVersion() string {
	first, _, _ := bytes.Cut(assets.DemoSnapshot, []byte("\n"))
	var m localkb.Meta
	if err := json.Unmarshal(first, &m); err != nil || m.Version == "" {
		return "(unreadable)"
	}
	return m.Version
}
