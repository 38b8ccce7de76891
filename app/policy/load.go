package policy

import (
	"bufio"
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
