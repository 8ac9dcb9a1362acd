package guard_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"supportd/internal/guard"
	"supportd/internal/testkit"
)

// TestCheckQuestionAcceptsRealMessages: the messages issue 15 found
// rejected as invalid pass; the HTTP tests send the same files through
// /v1/chat.
func TestCheckQuestionAcceptsRealMessages(t *testing.T) {
	t.Parallel()
	msgs := testkit.RealMessages(t)
	require.Len(t, msgs, 5)
	require.Equal(t, 2737, utf8.RuneCountInString(msgs["bug-report-with-log.txt"]))
	for name, q := range msgs {
		require.Nil(t, guard.CheckQuestion(q, guard.QuestionLimits{}), name)
	}
}
