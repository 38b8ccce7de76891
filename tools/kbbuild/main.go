// Command kbbuild converts the public government-service data in
// ../shared/data into the kiosk's demo knowledge-base snapshot
// (assets/kb/demo.jsonl) and its attribution file (assets/kb/NOTICE).
//
// It is re-runnable and deterministic: the same input gives byte-identical
// output. When the records are unchanged, the meta line of the existing
// output (version and generated time) is kept; when they change, the
// version moves forward. It prints a per-source report of rows read,
// written, repaired and skipped.
//
// Usage, from the repository root:
//
//	go run ./tools/kbbuild [-data ../shared/data] [-out assets/kb/demo.jsonl] [-v]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kbbuild:", err)
		os.Exit(1)
	}
}

// run parses the flags and builds the snapshot; it is main without the
// exit, so tests can call it.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kbbuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := repoRoot()
	dataDir := fs.String("data", filepath.Join(root, "..", "shared", "data"), "directory of the source data sets")
	out := fs.String("out", filepath.Join(root, "assets", "kb", "demo.jsonl"), "snapshot to write")
	notice := fs.String("notice", "", "attribution file to write (default NOTICE beside -out; \"-\" to skip)")
	authored := fs.String("authored", filepath.Join(root, "tools", "kbbuild", "authored"), "directory of hand-authored *.jsonl records to merge")
	generated := fs.String("generated", "", "generation time (RFC 3339) to stamp; default: keep the existing output's when its records are unchanged, else now")
	verbose := fs.Bool("v", false, "list every repaired, skipped or warned row")
	verify := fs.Bool("verify", true, "import the result with the kiosk's importer and drop the records it rejects")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *notice == "" {
		*notice = filepath.Join(filepath.Dir(*out), "NOTICE")
	}
	var stamp time.Time
	if *generated != "" {
		t, err := time.Parse(time.RFC3339, *generated)
		if err != nil {
			return fmt.Errorf("flags: -generated: %w", err)
		}
		stamp = t
	}
	res, err := build(config{
		DataDir:     *dataDir,
		AuthoredDir: *authored,
		Generated:   stamp,
		Previous:    *out,
		Now:         time.Now,
		Verify:      *verify,
	})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, res.Snapshot); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if *notice != "-" {
		if err := writeFileAtomic(*notice, res.Notice); err != nil {
			return fmt.Errorf("write notice: %w", err)
		}
	}
	writeReport(stdout, res.Reports, *verbose)
	fmt.Fprintf(stdout, "\nwrote %s: %d records, %d bytes, version %s\n", *out, res.Meta.Records, len(res.Snapshot), res.Meta.Version)
	for _, k := range kindOrder {
		if n := res.ByKind[k]; n > 0 {
			fmt.Fprintf(stdout, "  %-10s %5d\n", k, n)
		}
	}
	return nil
}

// repoRoot finds the module root (the directory with go.mod) from the
// working directory, so that the defaults work from anywhere in the repo.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// writeFileAtomic writes through a temporary file and a rename, so that an
// interrupted run leaves the old file whole.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kbbuild-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
