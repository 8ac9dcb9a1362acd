package eval

import (
	"fmt"
	"hash/fnv"
)

// Split is a deterministic half of a question set, so that what is tuned
// on one half can be reported on the other by anyone re-running the same
// command: a question belongs to SplitTune or SplitHoldout by a stable
// hash of its id, whatever its position in the file and whatever else the
// file holds.
type Split string

// The splits; SplitAll is every question.
const (
	SplitAll     Split = "all"
	SplitTune    Split = "tune"
	SplitHoldout Split = "holdout"
)

// ParseSplit reads a split name; empty is SplitAll.
func ParseSplit(s string) (Split, error) {
	switch sp := Split(s); sp {
	case "":
		return SplitAll, nil
	case SplitAll, SplitTune, SplitHoldout:
		return sp, nil
	}
	return "", fmt.Errorf("split %q: want all, tune or holdout", s)
}

// Has reports whether the question with this id is in the split: the low
// bit of the id's FNV-1a hash, 0 for tune and 1 for holdout.
func (s Split) Has(id string) bool {
	if s == SplitAll || s == "" {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return (h.Sum32()&1 == 0) == (s == SplitTune)
}

// Filter returns the items whose id is in the split, in order.
func Filter[T any](s Split, items []T, id func(T) string) []T {
	var out []T
	for _, it := range items {
		if s.Has(id(it)) {
			out = append(out, it)
		}
	}
	return out
}

// String is the split's name, for flag.Value.
func (s Split) String() string { return string(s) }

// Set parses a split name (see ParseSplit), so that a *Split is a
// flag.Value.
func (s *Split) Set(v string) error {
	sp, err := ParseSplit(v)
	if err == nil {
		*s = sp
	}
	return err
}
