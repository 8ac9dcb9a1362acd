package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

// chatFiltered asks a question with a filter and requires a 200.
func (b *bundle) chatFiltered(t *testing.T, question string, filter any) chatAnswer {
	t.Helper()
	res := b.postJSON(t, "/v1/chat", map[string]any{"kb": "demo", "question": question, "filter": filter})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var ans chatAnswer
	decodeStrict(t, res.body, &ans)
	return ans
}

func TestChatFilterByFolderDocumentAndMetadata(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const refund = "How do I get a refund on an annual plan?"

	// A folder prefix: the billing articles answer, the account ones cannot.
	ans := b.chatFiltered(t, refund, map[string]any{"uri_prefix": "billing/"})
	require.NotEmpty(t, ans.Citations)
	var refunds int64
	for _, c := range ans.Citations {
		require.True(t, strings.HasPrefix(c.Document, "billing/"), "cited %s outside billing/", c.Document)
		if c.Document == "billing/refunds.md" {
			refunds = c.DocumentID
		}
	}
	require.NotZero(t, refunds, "the refunds article answers a refund question")
	ans = b.chatFiltered(t, refund, map[string]any{"uri_prefix": "account/"})
	for _, c := range ans.Citations {
		require.True(t, strings.HasPrefix(c.Document, "account/"), "cited %s outside account/", c.Document)
	}

	// Document ids: only the named document is cited.
	ans = b.chatFiltered(t, refund, map[string]any{"document_ids": []int64{refunds}})
	require.NotEmpty(t, ans.Citations)
	for _, c := range ans.Citations {
		require.Equal(t, refunds, c.DocumentID)
	}

	// Metadata with "in": either format may be cited, no other.
	ans = b.chatFiltered(t, "How long are audit events kept?", map[string]any{"metadata": map[string]any{"format": map[string]any{"in": []string{"html", "pdf"}}}})
	require.NotEmpty(t, ans.Citations)
	for _, c := range ans.Citations {
		require.True(t, strings.HasSuffix(c.Document, ".html"), "cited %s despite the filter", c.Document)
	}
}

// A filter that cannot be read is a 400 naming what is wrong, never a
// silent handoff, and stores no turn.
func TestChatFilterErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct{ filter, want string }{
		{`{"format":"html"}`, `filter has an unknown key "format"`},
		{`{"uri_prefix":"billing/","path":"x"}`, `filter has an unknown key "path"`},
		{`{"uri_prefix":7}`, "filter.uri_prefix must be a non-empty string"},
		{`{"document_ids":["12"]}`, "filter.document_ids must be a non-empty list of document ids"},
		{`{"document_ids":[-4]}`, "filter.document_ids holds -4; document ids are positive"},
		{`{"metadata":{"product":{"not_in":["a"]}}}`, `filter.metadata.product has an unknown operator "not_in" (want "in")`},
		{`{"metadata":{"product":{"in":[]}}}`, "filter.metadata.product.in must list 1 to 1000 values"},
		{`{"metadata":{"product":null}}`, "filter.metadata.product must be a string, number, boolean"},
		{`["billing/"]`, "filter must be a JSON object"},
	}
	before := b.countTurns(t)
	for _, tc := range cases {
		res := b.do(t, http.MethodPost, "/v1/chat", "application/json",
			strings.NewReader(`{"kb":"demo","question":"How do I get a refund?","filter":`+tc.filter+`}`))
		e := requireError(t, res, http.StatusBadRequest, core.CodeInvalid)
		require.Contains(t, e.Error.Message, tc.want, tc.filter)
	}
	require.Equal(t, before, b.countTurns(t), "a rejected filter stored a turn")
}
