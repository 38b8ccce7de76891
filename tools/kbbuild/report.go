package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// sourceReport counts what happened to the rows of one source file.
type sourceReport struct {
	Name     string // data set and file, e.g. "msgabench-beijing-gov-qa/gov_qa_2081.jsonl"
	Read     int    // rows read from the file
	Written  int    // records written to the snapshot from those rows
	Repaired int    // written rows whose text was repaired (swapped, split, entities, ...)
	Skipped  int    // rows not written
	// Extra counts records derived from the source that are not one-to-one
	// with its rows (e.g. departments aggregated from service items).
	Extra int
	// Detected counts defects found in rows, whatever became of the row
	// afterwards (a swapped row may still be skipped as a duplicate).
	Detected map[string]int
	notes    []rowNote
}

// detect counts one defect found in a row.
func (r *sourceReport) detect(what string) {
	if r.Detected == nil {
		r.Detected = map[string]int{}
	}
	r.Detected[what]++
}

// rowNote is one line of the per-row report.
type rowNote struct {
	ID     string
	Action string // "skipped", "repaired", "kept", "warning"
	Reason string
}

func (r *sourceReport) note(id, action, format string, args ...any) {
	r.notes = append(r.notes, rowNote{ID: id, Action: action, Reason: fmt.Sprintf(format, args...)})
}

func (r *sourceReport) skip(id, format string, args ...any) {
	r.Skipped++
	r.note(id, "skipped", format, args...)
}

// reasons tallies the notes of one action by reason, for the summary.
func (r *sourceReport) reasons(action string) map[string]int {
	m := map[string]int{}
	for _, n := range r.notes {
		if n.Action == action {
			m[reasonKey(n.Reason)]++
		}
	}
	return m
}

// reasonKey drops the row-specific tail of a reason ("duplicate of X" →
// "duplicate of") so that the summary groups alike reasons.
func reasonKey(reason string) string {
	if i := strings.IndexAny(reason, ":："); i > 0 {
		return reason[:i]
	}
	return reason
}

// writeReport prints the per-source table and, when verbose, every note.
func writeReport(w io.Writer, reports []*sourceReport, verbose bool) {
	fmt.Fprintf(w, "%-58s %6s %7s %8s %7s %6s\n", "source", "read", "written", "repaired", "skipped", "extra")
	for _, r := range reports {
		fmt.Fprintf(w, "%-58s %6d %7d %8d %7d %6d\n", r.Name, r.Read, r.Written, r.Repaired, r.Skipped, r.Extra)
		for _, k := range sortedKeys(r.Detected) {
			fmt.Fprintf(w, "    %-8s %4d× %s\n", "found", r.Detected[k], k)
		}
		for _, action := range []string{"skipped", "repaired", "kept", "warning"} {
			m := r.reasons(action)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "    %-8s %4d× %s\n", action, m[k], k)
			}
		}
		if verbose {
			for _, n := range r.notes {
				fmt.Fprintf(w, "      %s %s: %s\n", n.Action, n.ID, n.Reason)
			}
		}
	}
}
