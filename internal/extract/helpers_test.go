package extract

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireMarkersValid checks that every marker in res.Text names an
// existing citation and that every citation is referred to.
func requireMarkersValid(t testing.TB, res Result) {
	t.Helper()
	markers := regexp.MustCompile(`(?:^|\s)\[(\d+)\]`) // as a client would find them
	used := make(map[int]bool)
	for _, m := range markers.FindAllStringSubmatch(res.Text, -1) {
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err, "marker %q", m[0])
		require.True(t, n >= 1 && n <= len(res.Citations), "marker [%d] with %d citations in %q", n, len(res.Citations), res.Text)
		used[n] = true
	}
	require.Len(t, used, len(res.Citations), "every citation is referred to in %q", res.Text)
}
