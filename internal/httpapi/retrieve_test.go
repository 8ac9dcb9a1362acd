package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/limit"
	"supportd/internal/testkit"
)

// retrieval is the wire form of a /v1/retrieve answer.
type retrieval struct {
	KB      string `json:"kb"`
	Query   string `json:"query"`
	Results []struct {
		Rank       int    `json:"rank"`
		ChunkID    int64  `json:"chunk_id"`
		DocumentID int64  `json:"document_id"`
		Document   string `json:"document"`
		Title      string `json:"title"`
		Heading    string `json:"heading"`
		URI        string `json:"uri"`
		Snippet    string `json:"snippet"`
		Text       string `json:"text"`
		Scores     struct {
			Fused      float64 `json:"fused"`
			Vector     float64 `json:"vector"`
			BM25       float64 `json:"bm25"`
			VectorRank int     `json:"vector_rank"`
			BM25Rank   int     `json:"bm25_rank"`
		} `json:"scores"`
	} `json:"results"`
}

// retrieve posts body to /v1/retrieve and requires a 200.
func (b *bundle) retrieve(t *testing.T, body any) retrieval {
	t.Helper()
	res := b.call(t, http.MethodPost, "/v1/retrieve", body)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	requireJSON(t, res)
	var r retrieval
	decodeStrict(t, res.body, &r)
	return r
}

func TestRetrieveRanksPassagesWithTheirScores(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const q = "How do I get a refund on an annual plan?"
	r := b.retrieve(t, map[string]any{"kb": "demo", "query": q, "top_k": 3})
	require.Equal(t, "demo", r.KB)
	require.Equal(t, q, r.Query)
	require.Len(t, r.Results, 3)
	require.Equal(t, "billing/refunds.md", r.Results[0].Document)

	// The passages are the ones answers are drawn from: the chat answer
	// cites the top passage's document.
	ans := b.chat(t, "demo", q, "")
	require.Equal(t, r.Results[0].DocumentID, ans.Citations[0].DocumentID)

	for i, p := range r.Results {
		require.Equal(t, i+1, p.Rank)
		require.Equal(t, p.Document, p.URI)
		require.NotZero(t, p.ChunkID)
		require.NotEmpty(t, p.Title)
		require.NotEmpty(t, p.Text)
		require.True(t, strings.HasPrefix(strings.Join(strings.Fields(p.Text), " "), strings.TrimSuffix(p.Snippet, "…")),
			"the snippet %q opens the passage", p.Snippet)
		require.LessOrEqual(t, len([]rune(p.Snippet)), 241)
		require.Positive(t, p.Scores.Fused)
		require.True(t, p.Scores.VectorRank > 0 || p.Scores.BM25Rank > 0, "a passage comes from a list")
		require.Equal(t, p.Scores.BM25Rank > 0, p.Scores.BM25 > 0, "a BM25 score goes with a BM25 rank")
		require.InDelta(t, 0.5, p.Scores.Vector, 0.5, "cosine similarity lies in 0..1")
		if i > 0 {
			require.LessOrEqual(t, p.Scores.Fused, r.Results[i-1].Scores.Fused, "best first")
		}
	}
	require.Positive(t, r.Results[0].Scores.BM25)
	require.Positive(t, r.Results[0].Scores.Vector)

	// Without top_k, the assistant's five; a filter narrows as in chat.
	require.Len(t, b.retrieve(t, map[string]any{"kb": "demo", "query": q}).Results, 5)
	for _, p := range b.retrieve(t, map[string]any{"kb": "demo", "query": q, "filter": map[string]any{"uri_prefix": "account/"}}).Results {
		require.True(t, strings.HasPrefix(p.Document, "account/"), p.Document)
	}
	require.Equal(t, 1, b.countTurns(t), "retrieval records no turn")
}

func TestRetrieveRejectsBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		body   string
		status int
		code   core.Code
		want   string
	}{
		{`{"query":"refund"}`, 400, core.CodeInvalid, "kb is required"},
		{`{"kb":"demo"}`, 400, core.CodeQuestionEmpty, "empty"},
		{`{"kb":"demo","query":"   "}`, 400, core.CodeQuestionEmpty, "empty"},
		{`{"kb":"demo","query":"` + strings.Repeat("refund ", 2300) + `"}`, 400, core.CodeQuestionTooLong, "too long"},
		{`{"kb":"demo","query":"refund","top_k":0.5}`, 400, core.CodeInvalid, "top_k"},
		{`{"kb":"demo","query":"refund","top_k":-1}`, 400, core.CodeInvalid, "top_k must be between 1 and 50"},
		{`{"kb":"demo","query":"refund","top_k":51}`, 400, core.CodeInvalid, "top_k must be between 1 and 50"},
		{`{"kb":"demo","query":"refund","filter":{"format":"html"}}`, 400, core.CodeInvalid, `filter has an unknown key "format"`},
		{`{"kb":"demo","query":"refund","question":"refund"}`, 400, core.CodeInvalid, "question"},
		{`{"kb":"nope","query":"refund"}`, 404, core.CodeKBNotFound, "nope"},
		{`[]`, 400, core.CodeInvalid, ""},
	}
	for _, tc := range cases {
		res := b.do(t, http.MethodPost, "/v1/retrieve", "application/json", strings.NewReader(tc.body))
		e := requireError(t, res, tc.status, tc.code)
		require.Contains(t, e.Error.Message, tc.want, tc.body)
	}
	requireError(t, b.do(t, http.MethodPost, "/v1/retrieve", "text/plain", strings.NewReader("refund")),
		http.StatusUnsupportedMediaType, core.CodeUnsupportedMedia)
}

func TestRetrieveIsRateLimitedWithChat(t *testing.T) {
	t.Parallel()
	b := setupWith(t, testkit.Options{}, withClientLimit(
		limit.NewLocal(limit.Rate{Limit: 2, Period: time.Minute}, limit.LocalParams{})))
	body := map[string]string{"kb": "demo", "query": "refund"}
	require.Equal(t, http.StatusOK, b.call(t, http.MethodPost, "/v1/retrieve", body, bearer("one")...).status)
	require.Equal(t, http.StatusOK, b.chatAs(t, "one").status)
	// One allowance covers both front doors.
	requireRateLimited(t, b.call(t, http.MethodPost, "/v1/retrieve", body, bearer("one")...), 30)
	requireRateLimited(t, b.chatAs(t, "one"), 30)
}
