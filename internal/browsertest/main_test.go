package browsertest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind, such
// as a browser's reader or a dialog answer.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
