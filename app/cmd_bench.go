package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

func init() {
	Register(Command{Name: "bench", Summary: "measure speed and memory against DESIGN.md's budgets and print a table", Run: runBench})
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", "", "run only suites whose name contains this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(stdout, "xiaofu bench, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(tw, "area\twhat\tvalue\tbudget\tcompared with\tok")
	failed := 0
	for _, s := range benchSuites {
		if *only != "" && !strings.Contains(s.Name, *only) {
			continue
		}
		rows, err := s.Run(ctx)
		if err != nil {
			fmt.Fprintf(tw, "%s\t(suite failed)\t%v\t\t\tFAIL\n", s.Name, err)
			failed++
			continue
		}
		for _, r := range rows {
			ok := "ok"
			if !r.OK {
				ok = "OVER"
				failed++
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Area, r.What, r.Value, r.Budget, r.Compare, ok)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d figures over budget or failed", failed)
	}
	return nil
}
