package app

import (
	"context"
	"sync"

	"supportd/internal/eval"
)

// GoldenFile grows the golden set the scheduled evaluation runs
// (SUPPORTD_EVAL_GOLDEN) from the console; one writer at a time.
type GoldenFile struct {
	Path string
	// KB is the knowledge base of cases without a "kb:NAME" tag.
	KB string
	mu sync.Mutex
}

// Add appends the cases the set does not ask yet, and says how many it
// added and skipped as duplicates.
func (g *GoldenFile) Add(_ context.Context, cases []eval.Case) (added, skipped int, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a, dups, _, err := eval.GrowFile(g.Path, cases, g.KB)
	return len(a), len(dups), err
}
