package fakellm_test

import (
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/fakellm"
)

func TestEmbeddingsThroughLangchaingo(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})

	vecs, err := b.llm.CreateEmbedding(t.Context(), []string{"reset my password", "Reset my PASSWORD!", "ship orders", ""})
	require.NoError(t, err)
	require.Len(t, vecs, 4)
	for _, v := range vecs {
		require.Len(t, v, fakellm.DefaultDim)
		require.InDelta(t, 1.0, norm(v), 1e-5)
	}
	require.Equal(t, vecs[0], vecs[1], "case and punctuation do not matter")
	require.Greater(t, dot(vecs[0], vecs[1]), dot(vecs[0], vecs[2]))

	again, err := b.llm.CreateEmbedding(t.Context(), []string{"reset my password"})
	require.NoError(t, err)
	require.Equal(t, vecs[0], again[0], "vectors are deterministic")
	require.Equal(t, 2, b.fake.Count("/embeddings"))
	require.Empty(t, b.fake.Requests(), "only chat requests are recorded")
}

func TestEmbeddingsDimension(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{Dim: 8})

	vecs, err := b.llm.CreateEmbedding(t.Context(), []string{"hello"})
	require.NoError(t, err)
	require.Len(t, vecs[0], 8)

	resp, raw := b.post(t, "/embeddings", `{"model":"m","input":"one two","dimensions":3}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, raw, `"model":"m"`)
	require.Contains(t, raw, `"usage":{"prompt_tokens":2,"total_tokens":2}`)
	require.Contains(t, raw, `"object":"embedding","index":0,"embedding":[`)

	for _, body := range []string{`{"input":[]}`, `{"input":5}`, `{"input":"x","dimensions":-1}`, `{`} {
		resp, _ = b.post(t, "/v1/embeddings", body)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	}
}

func TestEmbeddingsFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, fakellm.Options{})
	b.fake.Inject(
		fakellm.Fault{Kind: fakellm.KindStatus, Status: 429, Endpoint: fakellm.EndpointEmbeddings, Times: 1},
		fakellm.Fault{Kind: fakellm.KindEmpty, Endpoint: fakellm.EndpointEmbeddings, Times: 1},
		fakellm.Fault{Kind: fakellm.KindMalformed, Endpoint: fakellm.EndpointEmbeddings, Times: 1},
	)

	got, err := b.ask(t, refundPrompt)
	require.NoError(t, err, "embedding faults leave chat alone")
	require.Equal(t, refundAnswer, got)

	_, err = b.llm.CreateEmbedding(t.Context(), []string{"x"})
	require.EqualError(t, err, "failed to create openai embeddings: API returned unexpected status code: 429: "+
		"fakellm: injected 429 Too Many Requests")
	_, err = b.llm.CreateEmbedding(t.Context(), []string{"x"})
	require.EqualError(t, err, "failed to create openai embeddings: empty response")
	_, err = b.llm.CreateEmbedding(t.Context(), []string{"x"})
	require.EqualError(t, err, "failed to create openai embeddings: decode response: unexpected EOF")
	_, err = b.llm.CreateEmbedding(t.Context(), []string{"x"})
	require.NoError(t, err)
}

func norm(v []float32) float64 { return math.Sqrt(dot(v, v)) }

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
