//go:build race

package drift_test

// raceDetector is true when the tests run under -race, where the
// false-alarm loops are many times slower (make drift-report runs them in full).
const raceDetector = true
