package core_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

func TestFilterReadsItsGrammar(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     core.Filter
	}{
		{"null", `null`, core.Filter{}},
		{"empty", `{}`, core.Filter{}},
		{"prefix", `{"uri_prefix":"billing/"}`, core.Filter{URIPrefix: "billing/"}},
		{"ids", `{"document_ids":[3,1]}`, core.Filter{DocumentIDs: []int64{3, 1}}},
		{"equals", `{"metadata":{"format":"html"}}`, core.Filter{Metadata: map[string]core.AnyOf{"format": {"html"}}}},
		{"in", `{"metadata":{"product":{"in":["a","b"]},"v":2,"beta":true}}`,
			core.Filter{Metadata: map[string]core.AnyOf{"product": {"a", "b"}, "v": {json.Number("2")}, "beta": {true}}}},
		{"all", `{"uri_prefix":"api/","document_ids":[7],"metadata":{"format":{"in":["md"]}}}`,
			core.Filter{URIPrefix: "api/", DocumentIDs: []int64{7}, Metadata: map[string]core.AnyOf{"format": {"md"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var f core.Filter
			require.NoError(t, json.Unmarshal([]byte(tc.in), &f))
			require.Equal(t, tc.want, f)
			if f.IsZero() {
				require.Empty(t, f.String())
				return
			}
			// The canonical form reads back to the same filter.
			var again core.Filter
			require.NoError(t, json.Unmarshal([]byte(f.String()), &again), f.String())
			require.Equal(t, f, again)
		})
	}
}

func TestFilterRejectsWhatItDoesNotKnow(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{`"html"`, "filter must be a JSON object"},
		{`{"format":"html"}`, `filter has an unknown key "format": filter by uri_prefix, document_ids or metadata`},
		{`{"uri_prefix":"a","folder":"b"}`, `filter has an unknown key "folder"`},
		{`{"uri_prefix":""}`, "filter.uri_prefix must be a non-empty string"},
		{`{"uri_prefix":["a"]}`, "filter.uri_prefix must be a non-empty string"},
		{`{"uri_prefix":"a\u0000"}`, "filter.uri_prefix must not contain NUL"},
		{`{"document_ids":[]}`, "filter.document_ids must be a non-empty list of document ids"},
		{`{"document_ids":["7"]}`, "filter.document_ids must be a non-empty list of document ids"},
		{`{"document_ids":[1.5]}`, "filter.document_ids must be a non-empty list of document ids"},
		{`{"document_ids":[0]}`, "filter.document_ids holds 0; document ids are positive"},
		{`{"metadata":"html"}`, "filter.metadata must be an object of metadata keys"},
		{`{"metadata":{"format":null}}`, `filter.metadata.format must be a string, number, boolean or {"in": [...]}`},
		{`{"metadata":{"format":["html"]}}`, `filter.metadata.format must be a string, number, boolean or {"in": [...]}`},
		{`{"metadata":{"format":"\u0000"}}`, `filter.metadata.format must be a string, number, boolean or {"in": [...]}`},
		{`{"metadata":{"format":{"nin":["a"]}}}`, `filter.metadata.format has an unknown operator "nin" (want "in")`},
		{`{"metadata":{"format":{}}}`, `filter.metadata.format needs "in": a list of values`},
		{`{"metadata":{"format":{"in":"a"}}}`, `filter.metadata.format needs "in": a list of values`},
		{`{"metadata":{"format":{"in":[]}}}`, "filter.metadata.format.in must list 1 to 1000 values"},
		{`{"metadata":{"format":{"in":[{"a":1}]}}}`, "filter.metadata.format: values must be strings, numbers or booleans"},
		{`{"metadata":{"":"x"}}`, "filter.metadata has an empty key"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			var f core.Filter
			err := json.Unmarshal([]byte(tc.in), &f)
			require.Equal(t, core.CodeInvalid, core.ErrorCode(err), "%v", err)
			require.Contains(t, core.ErrorMessage(err), tc.want)
		})
	}
}

func TestFilterValidatesFiltersBuiltInCode(t *testing.T) {
	t.Parallel()
	require.NoError(t, core.Filter{}.Validate())
	require.NoError(t, core.Filter{DocumentIDs: []int64{1}, Metadata: map[string]core.AnyOf{"n": {int64(2), "x"}}}.Validate())
	require.ErrorContains(t, core.Filter{DocumentIDs: []int64{-1}}.Validate(), "document ids are positive")
	require.ErrorContains(t, core.Filter{Metadata: map[string]core.AnyOf{"k": nil}}.Validate(), "filter.metadata.k.in must list 1 to 1000 values")
	require.ErrorContains(t, core.Filter{Metadata: map[string]core.AnyOf{"k": {[]string{"a"}}}}.Validate(), "values must be strings, numbers or booleans")
	require.ErrorContains(t, core.Filter{DocumentIDs: make([]int64, 1001)}.Validate(), "more than 1000 ids")
}
