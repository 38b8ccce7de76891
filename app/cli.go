package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Command is one sub-command of bin/xiaofu ("ask", "kb", "avatar" ...). A
// command with sub-words ("kb import") reads them from args itself.
type Command struct {
	Name    string
	Summary string // one line for the usage text
	Run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]Command{}

// Register adds a sub-command; each command's file registers itself from init.
func Register(c Command) {
	if _, dup := commands[c.Name]; dup {
		panic("app: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

// Main runs bin/xiaofu with its arguments (without the program name) and
// returns the process exit code. With no arguments it opens the kiosk.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	name := "kiosk"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(os.Stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "xiaofu: unknown command %q\n\n", name)
		usage(os.Stderr)
		return 2
	}
	if err := c.Run(ctx, args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "xiaofu %s: %v\n", name, err)
		return 1
	}
	return 0
}

// BenchRow is one line of the `xiaofu bench` table: a measured figure, its
// budget from DESIGN.md where there is one, and a comparison with the simple
// alternative where one exists.
type BenchRow struct {
	Area    string // "search", "voice turn", "avatar" ...
	What    string // what was measured
	Value   string // the figure with its unit
	Budget  string // the budget, or "" when DESIGN.md sets none
	Compare string // e.g. "plain FTS5: 48% (ratio 1.6x)"
	OK      bool   // within budget (true when there is no budget)
}

// BenchSuite measures one area and returns its rows. Suites must not touch
// the network beyond loopback and should finish within a minute.
type BenchSuite struct {
	Name string
	Run  func(ctx context.Context) ([]BenchRow, error)
}

var benchSuites []BenchSuite

// RegisterBench adds a suite to `xiaofu bench`; call it from init.
func RegisterBench(s BenchSuite) { benchSuites = append(benchSuites, s) }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: xiaofu [command] [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].Summary)
	}
}
