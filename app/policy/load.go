package policy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"xiaofu/localkb"
)

// ReadRecords reads the policy, tag and bundle records of a snapshot (JSON
// Lines, meta line first) or of an authored file (records only). Other
// kinds are skipped; a line that is not JSON is an error with its number,
// because an authored file with a broken line must be fixed, not half-read.
func ReadRecords(r io.Reader) ([]localkb.Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	var out []localkb.Record
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var rec localkb.Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("read records: line %d: %w", n, err)
		}
		switch rec.Kind {
		case localkb.KindPolicy, localkb.KindTag, localkb.KindBundle, localkb.KindGuide:
			out = append(out, rec)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read records: %w", err)
	}
	return out, nil
}

// RecordLister is the part of the knowledge base the engine loads from;
// *localkb.KB satisfies it.
type RecordLister interface {
	ByKind(ctx context.Context, kind string, limit int) ([]localkb.Record, error)
}

// Load builds an engine from the policy and tag records of a knowledge base.
func Load(ctx context.Context, kb RecordLister) (*Engine, error) {
	var recs []localkb.Record
	for _, kind := range []string{localkb.KindTag, localkb.KindPolicy} {
		r, err := kb.ByKind(ctx, kind, 0)
		if err != nil {
			return nil, fmt.Errorf("load policies: %s records: %w", kind, err)
		}
		recs = append(recs, r...)
	}
	return New(recs)
}
