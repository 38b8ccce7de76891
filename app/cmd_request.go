package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"xiaofu/app/hallserver"
	"xiaofu/app/redact"
	"xiaofu/app/request"
	"xiaofu/assets"
	"xiaofu/localkb/outbox"
)

func init() {
	Register(Command{Name: "request", Summary: "route, submit, status, remind, rate, outbox list|flush, eval, train: the request (诉求) flow for staff and tests", Run: runRequest})
	RegisterBench(BenchSuite{Name: "requests", Run: benchRequests})
}

// benchRequests measures offline routing, the outbox's durable commit and a
// whole submission to the stand-in server on loopback.
func benchRequests(ctx context.Context) ([]BenchRow, error) {
	r, err := newRouter(Remote{Offline: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	texts := []string{"我们急需一笔融资，还想问问人才公寓", "公司门口的人行道破了个洞，希望尽快修好", "想了解招工补贴。另外公司门口的路灯不亮。还有发票怎么领？", "小区停水两天了，自来水一直没来"}
	var route []time.Duration
	for i := 0; i < 400; i++ {
		t0 := time.Now()
		r.RouteOffline(texts[i%len(texts)])
		route = append(route, time.Since(t0))
	}
	dir, err := os.MkdirTemp("", "xiaofu-bench-requests")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, err := hallserver.OpenStore(filepath.Join(dir, "hall.sqlite"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: (&hallserver.Server{Store: st, Schedule: hallserver.DemoSchedule}).Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	svc, err := openService("http://"+ln.Addr().String(), filepath.Join(dir, "outbox.sqlite"), r, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	var commit, submit []time.Duration
	for i := 0; i < 100; i++ {
		t0 := time.Now()
		if _, err := svc.Outbox.Enqueue(ctx, fmt.Sprintf("bench-commit-%d", i), make([]byte, 900)); err != nil {
			return nil, err
		}
		commit = append(commit, time.Since(t0))
	}
	if _, err := svc.Outbox.Flush(ctx); err != nil {
		return nil, err
	}
	for i := 0; i < 50; i++ {
		d := &request.Draft{Description: "路灯不亮", Items: []request.Item{{Text: "路灯不亮", Department: "城管局", Reason: "r"}},
			Contact: request.Contact{Phone: "13912345678"}}
		t0 := time.Now()
		rc, err := svc.Submit(ctx, d)
		if err != nil || rc.Queued {
			return nil, fmt.Errorf("bench submit: %+v %v", rc, err)
		}
		submit = append(submit, time.Since(t0))
	}
	p95 := func(ds []time.Duration) time.Duration {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)*95/100]
	}
	return []BenchRow{
		{Area: "requests", What: "split + route offline, p95", Value: fmt.Sprintf("%.2f ms", float64(p95(route).Microseconds())/1000), Compare: "reference system: 10 ms", OK: true},
		{Area: "requests", What: "outbox commit (WAL, synchronous=FULL), p95", Value: fmt.Sprintf("%.1f ms", float64(p95(commit).Microseconds())/1000), OK: true},
		{Area: "requests", What: "submit to ticket on loopback, p95", Value: fmt.Sprintf("%.1f ms", float64(p95(submit).Microseconds())/1000), OK: true},
	}, nil
}

const requestUsage = `usage:
  xiaofu request route [--llm-url ...] TEXT          split and route, print the items
  xiaofu request submit --phone P [--company C] [--location L] [--name N] TEXT
  xiaofu request status TICKET PHONE4
  xiaofu request remind TICKET PHONE4
  xiaofu request rate TICKET PHONE4 SCORE [COMMENT]
  xiaofu request outbox list
  xiaofu request outbox flush
  xiaofu request eval [--data citizen_messages.jsonl]
  xiaofu request train --data citizen_messages.jsonl --out app/request/routemodel.gob.gz
common flags: --server URL (XIAOFU_HALL_URL, default http://127.0.0.1:8790), --outbox PATH (XIAOFU_OUTBOX)`

func runRequest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(requestUsage)
	}
	sub, args := args[0], args[1:]
	if sub == "outbox" {
		if len(args) == 0 {
			return errors.New(requestUsage)
		}
		sub, args = "outbox "+args[0], args[1:]
	}
	remote := RemoteFromEnv()
	fs := flag.NewFlagSet("request "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", envOr("XIAOFU_HALL_URL", "http://127.0.0.1:8790"), "the hall's request API")
	obPath := fs.String("outbox", envOr("XIAOFU_OUTBOX", request.DefaultOutboxPath()), "the outbox database file")
	phone := fs.String("phone", "", "contact phone")
	company := fs.String("company", "", "company")
	location := fs.String("location", "", "where the problem is")
	name := fs.String("name", "", "contact name")
	data := fs.String("data", "../shared/data/msgabench-beijing-gov-qa/citizen_messages_dev_7000.jsonl", "labelled citizen messages")
	out := fs.String("out", "app/request/routemodel.gob.gz", "where train writes the model")
	remote.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	log := redact.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	client := request.NewClient(*server)

	switch sub {
	case "route":
		r, err := newRouter(remote, log)
		if err != nil {
			return err
		}
		rt, err := r.Route(ctx, strings.Join(rest, " "))
		if err != nil {
			return err
		}
		printRouting(stdout, rt)
		return nil

	case "submit":
		r, err := newRouter(remote, log)
		if err != nil {
			return err
		}
		text := strings.Join(rest, " ")
		rt, err := r.Route(ctx, text)
		if err != nil {
			return err
		}
		printRouting(stdout, rt)
		svc, err := openService(*server, *obPath, r, log)
		if err != nil {
			return err
		}
		defer svc.Close()
		d := &request.Draft{Description: text, Kind: rt.Kind, Contact: request.Contact{Name: *name, Phone: *phone, Company: *company, Location: *location}}
		for _, it := range rt.Items {
			d.Items = append(d.Items, it.Item)
		}
		if m := svc.Missing(*d); len(m) > 0 {
			fmt.Fprintf(stdout, "note: the kiosk would also ask for: %s\n", strings.Join(m, ", "))
		}
		rc, err := svc.Submit(ctx, d)
		if err != nil {
			return err
		}
		if rc.Queued {
			fmt.Fprintf(stdout, "queued as %s (key %s): 已保存，网络恢复后会自动提交\n", rc.LocalRef, rc.Key)
			return nil
		}
		fmt.Fprintf(stdout, "ticket %s (look up with the last four digits %s) %s\n", rc.Ticket, rc.Phone4, rc.TrackURL)
		return nil

	case "status", "remind":
		if len(rest) != 2 {
			return errors.New(requestUsage)
		}
		var t request.Ticket
		var err error
		if sub == "status" {
			t, err = client.Status(ctx, request.NormalizeTicket(rest[0]), rest[1])
		} else {
			t, err = client.Remind(ctx, request.NormalizeTicket(rest[0]), rest[1])
		}
		if err != nil {
			return err
		}
		printTicket(stdout, t)
		return nil

	case "rate":
		if len(rest) < 3 {
			return errors.New(requestUsage)
		}
		score, err := strconv.Atoi(rest[2])
		if err != nil {
			return fmt.Errorf("rate: score %q: want 1-5", rest[2])
		}
		t, err := client.Rate(ctx, request.NormalizeTicket(rest[0]), rest[1], score, strings.Join(rest[3:], " "))
		if err != nil {
			return err
		}
		printTicket(stdout, t)
		return nil

	case "outbox list", "outbox flush":
		var sender outbox.Sender
		if sub == "outbox flush" {
			sender = request.OutboxSender(client)
		}
		ob := outbox.New(*obPath, nil)
		if err := os.MkdirAll(filepath.Dir(*obPath), 0o755); err != nil {
			return err
		}
		if err := ob.Open(); err != nil {
			return err
		}
		defer ob.Close()
		if sender != nil {
			ob.Sender = sender // set after Open: flush once here, no background loop
			n, err := ob.Flush(ctx)
			fmt.Fprintf(stdout, "sent %d\n", n)
			if err != nil {
				return err
			}
		}
		es, err := ob.List(ctx, "")
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "seq\tstate\tattempts\tticket\tqueued\tlast error")
		for _, e := range es {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\n", e.Seq, e.State, e.Attempts, e.Ticket, e.CreatedAt.Format(time.DateTime), redact.String(e.LastError))
		}
		return tw.Flush()

	case "eval":
		ms, err := request.LoadMessages(*data)
		if err != nil {
			return err
		}
		for _, a := range request.Evaluate(ms) {
			fmt.Fprintf(stdout, "%-6s held-out %d of %d (20%%, stratified, seed 7): accuracy %.3f (majority-class guess %.3f)\n",
				a.Task, a.Test, a.Train+a.Test, a.Value(), a.Majority)
		}
		return nil

	case "train":
		ms, err := request.LoadMessages(*data)
		if err != nil {
			return err
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := request.WriteModel(f, request.TrainModel(ms)); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return errors.New(requestUsage)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func newRouter(remote Remote, log *slog.Logger) (*request.Router, error) {
	depts, err := request.DepartmentsFromSnapshot(assets.DemoSnapshot)
	if err != nil {
		return nil, err
	}
	model, err := request.EmbeddedModel()
	if err != nil {
		return nil, err
	}
	var c request.Completer
	chat, err := remote.LLMClient()
	if err != nil {
		return nil, err
	}
	if chat != nil {
		c = request.LLMCompleter{Client: chat}
	}
	r := request.NewRouter(depts, model, c)
	r.Logger = log
	return r, nil
}

func openService(server, obPath string, r *request.Router, log *slog.Logger) (*request.Service, error) {
	if err := os.MkdirAll(filepath.Dir(obPath), 0o755); err != nil {
		return nil, err
	}
	c := request.NewClient(server)
	ob := outbox.New(obPath, request.OutboxSender(c))
	ob.Logger = log
	if err := ob.Open(); err != nil {
		return nil, err
	}
	return &request.Service{Router: r, Client: c, Outbox: ob, Logger: log, KioskID: "cli"}, nil
}

func printRouting(w io.Writer, rt request.Routing) {
	fmt.Fprintf(w, "routed by %s", rt.Source)
	if rt.Fallback != "" {
		fmt.Fprintf(w, " (%s)", rt.Fallback)
	}
	fmt.Fprintf(w, "; type %s\n", rt.Kind)
	for i, it := range rt.Items {
		fmt.Fprintf(w, "  %d. %s → %s (%.2f): %s\n", i+1, it.Text, it.Department, it.Confidence, it.Reason)
	}
}

func printTicket(w io.Writer, t request.Ticket) {
	fmt.Fprintf(w, "%s  %s  departments %s  due %s", t.Ticket, request.StateLabel(t.State), strings.Join(t.Departments, "、"), t.DueAt.Local().Format(time.DateTime))
	if t.Overdue {
		fmt.Fprint(w, "  OVERDUE")
	}
	fmt.Fprintf(w, "  reminders %d\n", t.Reminders)
	for _, e := range t.Events {
		fmt.Fprintf(w, "  %s  %-6s %s\n", e.At.Local().Format(time.DateTime), request.StateLabel(e.State), e.Note)
	}
	if t.Rating != nil {
		fmt.Fprintf(w, "  rated %d/5 %s\n", t.Rating.Score, t.Rating.Comment)
	}
}
