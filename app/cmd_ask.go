package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"xiaofu/app/answer"
	"xiaofu/assets"
	"xiaofu/localkb"
)

func init() {
	Register(Command{Name: "ask", Summary: `answer a question from the knowledge base: ask "问题", or ask --jsonl < questions.jsonl`, Run: runAsk})
}

// askLine is one output line of `ask --jsonl`.
type askLine struct {
	Q         string    `json:"q"`
	Answer    string    `json:"answer"`
	Grounded  bool      `json:"grounded"`
	Citations []askCite `json:"citations"`
	Tier      string    `json:"tier"`
	MS        int64     `json:"ms"`
	Note      string    `json:"note,omitempty"`
	Route     string    `json:"route,omitempty"`
	RouteID   string    `json:"route_id,omitempty"`
	Line      int       `json:"line,omitempty"`
	Error     string    `json:"error,omitempty"`
	raw       answer.Answer
}

type askCite struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
}

func toLine(a answer.Answer) askLine {
	l := askLine{Q: a.Question, Answer: a.Text, Grounded: a.Grounded, Tier: a.Tier, MS: a.Elapsed.Milliseconds(),
		Note: a.Note, Route: a.Route, RouteID: a.RouteID, Citations: []askCite{}}
	for _, c := range a.Citations {
		l.Citations = append(l.Citations, askCite{ID: c.ID, Kind: c.Kind, Title: c.Title})
	}
	return l
}

func runAsk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	remote := RemoteFromEnv()
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonl := fs.Bool("jsonl", false, `read one {"q": "..."} per line from stdin, write one JSON answer per line`)
	db := fs.String("db", os.Getenv("XIAOFU_DB"), "knowledge-base database file (default: the kiosk's)")
	verbose := fs.Bool("v", false, "log each answer's tier and timing to stderr")
	remote.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if !*jsonl && question == "" {
		return errors.New(`no question: xiaofu ask "营业执照怎么办", or xiaofu ask --jsonl < questions.jsonl`)
	}
	if err := localkb.CheckFTS5(); err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	path := *db
	if path == "" {
		path = localkb.DefaultDBPath()
	}
	kb, err := localkb.OpenOrImportDemo(ctx, path, assets.DemoSnapshot)
	if err != nil {
		return fmt.Errorf("knowledge base: %w", err)
	}
	defer kb.Close()
	mon, chat, err := remote.Health(log)
	if err != nil {
		return err
	}
	mon.Start()
	defer mon.Close()
	eng := remote.NewAnswerEngine(kb, mon, chat, log)

	if !*jsonl {
		a, err := eng.Ask(ctx, nil, question, nil)
		if err != nil {
			return err
		}
		printCard(stdout, a)
		return nil
	}
	return askJSONL(ctx, eng, askInput, stdout)
}

// askInput is where `ask --jsonl` reads questions; tests replace it.
var askInput io.Reader = os.Stdin

// askJSONL answers each line as its own visitor, unless lines name the same
// "session": those share a visit, so follow-ups ("那需要什么材料？") can be
// checked from a file. A bad line gets an error line and the run goes on.
func askJSONL(ctx context.Context, eng *answer.Engine, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	visits := map[string]*answer.Session{}
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var in struct {
			Q       *string `json:"q"`
			Session string  `json:"session"`
		}
		var line askLine
		switch err := json.Unmarshal([]byte(text), &in); {
		case err != nil:
			line = askLine{Line: n, Error: "not a JSON object: " + err.Error()}
		case in.Q == nil || strings.TrimSpace(*in.Q) == "":
			line = askLine{Line: n, Error: `missing "q"`}
		default:
			var s *answer.Session
			if in.Session != "" {
				if s = visits[in.Session]; s == nil {
					s = answer.NewSession()
					visits[in.Session] = s
				}
			}
			a, err := eng.Ask(ctx, s, *in.Q, nil)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				line = askLine{Line: n, Q: *in.Q, Error: err.Error()}
			} else {
				line = toLine(a)
			}
		}
		if line.Error != "" {
			// An error line carries what it can, so a consumer can line it up.
			if err := enc.Encode(struct {
				Line  int    `json:"line"`
				Q     string `json:"q,omitempty"`
				Error string `json:"error"`
			}{line.Line, line.Q, line.Error}); err != nil {
				return err
			}
			continue
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read questions: line %d: %w", n+1, err)
	}
	return nil
}

// printCard writes an answer as staff read it at a terminal.
func printCard(w io.Writer, a answer.Answer) {
	if a.Note != "" {
		fmt.Fprintln(w, a.Note)
	}
	fmt.Fprintln(w, a.Text)
	if len(a.Citations) > 0 {
		fmt.Fprintln(w, "\n来源：")
		for i, c := range a.Citations {
			fmt.Fprintf(w, "  [%d] %s（%s %s", i+1, c.Title, c.Kind, c.ID)
			if c.Issuer != "" {
				fmt.Fprintf(w, "，%s", c.Issuer)
			}
			if c.Date != "" {
				fmt.Fprintf(w, "，%s", c.Date)
			}
			fmt.Fprintln(w, "）")
			if c.Link != "" {
				fmt.Fprintf(w, "      %s\n", c.Link)
			}
		}
	}
	grounded := "有依据"
	if !a.Grounded {
		grounded = "无依据"
	}
	fmt.Fprintf(w, "\n[%s · %s · %d ms", a.Tier, grounded, a.Elapsed.Milliseconds())
	if a.Route != "" {
		fmt.Fprintf(w, " · 可转到 %s %s", a.Route, a.RouteID)
	}
	fmt.Fprintln(w, "]")
}
