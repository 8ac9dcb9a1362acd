//go:build !race

package guard

// raceDetector is true when the tests run under -race, where retraining the
// detector model is many times slower.
const raceDetector = false
