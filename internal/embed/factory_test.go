package embed

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewDefaultsToHashing(t *testing.T) {
	t.Parallel()
	e, err := New(Params{})
	require.NoError(t, err)
	require.IsType(t, &Hashing{}, e)
	require.Equal(t, DefaultHashingDimension, e.Dimension())
	require.Equal(t, "hash-v2-384", e.Model())

	e, err = New(Params{Provider: ProviderHash, Dimension: 512, Model: "hash-v2-512"})
	require.NoError(t, err)
	require.Equal(t, 512, e.Dimension())
}

func TestNewRemoteProviders(t *testing.T) {
	t.Parallel()
	e, err := New(Params{Provider: ProviderOpenAI, Model: "text-embedding-3-small", APIKey: "k", Dimension: 1536})
	require.NoError(t, err)
	require.IsType(t, &Remote{}, e)
	require.Equal(t, "text-embedding-3-small", e.Model())
	require.Equal(t, 1536, e.Dimension())

	e, err = New(Params{Provider: ProviderOllama, Model: "nomic-embed-text", Dimension: 768})
	require.NoError(t, err)
	require.IsType(t, &Remote{}, e)
}

func TestNewRejectsBadParams(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    Params
		want string
	}{
		{Params{Provider: "word2vec"}, `unknown provider "word2vec"`},
		{Params{Dimension: 10}, "dimension 10 outside [64, 2000]"},
		{Params{Model: "hash-v1-512"}, `model "hash-v1-512" does not match the hashing embedder "hash-v2-384"`},
		{Params{Provider: ProviderOllama, Model: "m"}, "dimension 0 outside"},
	} {
		_, err := New(tc.p)
		require.ErrorContains(t, err, tc.want)
	}
}
