package localkb

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// errTODO marks API bodies not yet written; replaced as each lands.
var errTODO = errors.New("localkb: not implemented yet")

type kbState struct{ path string }

func itoa(n int) string { return strconv.Itoa(n) }

func checkFTS5() error              { return errTODO }
func open(path string) (*KB, error) { return nil, errTODO }
func openOrImportDemo(ctx context.Context, path string, demo []byte) (*KB, error) {
	return nil, errTODO
}
func importSnapshot(ctx context.Context, r io.Reader, dbPath string) (*ImportReport, error) {
	return nil, errTODO
}
func syncSnapshot(ctx context.Context, c *http.Client, url, dbPath string) (*SyncResult, error) {
	return nil, errTODO
}
func (kb *KB) close() error  { return errTODO }
func (kb *KB) reload() error { return errTODO }
func (kb *KB) search(ctx context.Context, q string, opts SearchOptions) ([]Hit, error) {
	return nil, errTODO
}
func (kb *KB) get(ctx context.Context, id string) (Record, error) { return Record{}, errTODO }
func (kb *KB) meta() Meta                                         { return Meta{} }
func (kb *KB) stats(ctx context.Context) (Stats, error)           { return Stats{}, errTODO }
func (kb *KB) departments(ctx context.Context) ([]string, error)  { return nil, errTODO }
func (kb *KB) byDepartment(ctx context.Context, d string, k []string, n int) ([]Record, error) {
	return nil, errTODO
}
func (kb *KB) topics(ctx context.Context) ([]string, error) { return nil, errTODO }
func (kb *KB) byTopic(ctx context.Context, t string, n int) ([]Record, error) {
	return nil, errTODO
}
func (kb *KB) byKind(ctx context.Context, k string, n int) ([]Record, error) { return nil, errTODO }
func (kb *KB) verify(ctx context.Context) ([]string, error)                  { return nil, errTODO }
