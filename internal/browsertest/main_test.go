package browsertest_test

import (
	"testing"

	"go.uber.org/goleak"

	"supportd/internal/browsertest"
)

// TestMain fails the package when a test leaves a goroutine behind, such
// as a tab's reader or a dialog answer, once the shared browser stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(browsertest.Main(m))
}
