package guard

// raceStride is how sparsely the corpus-wide sweeps sample their inputs
// under -race. They run in one goroutine, so the race detector only slows
// them (about ten times) and finds nothing; make test also runs this
// package without -race, where every input is checked.
const raceStride = 8

// sweep returns xs, or under -race every raceStride-th of them (always the
// first), so that each kind of input is still exercised with the race
// detector on.
func sweep[T any](xs []T) []T {
	if !raceDetector {
		return xs
	}
	out := make([]T, 0, len(xs)/raceStride+1)
	for i := 0; i < len(xs); i += raceStride {
		out = append(out, xs[i])
	}
	return out
}
