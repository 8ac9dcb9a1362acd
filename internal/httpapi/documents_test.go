package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/testkit"
)

// upload is the wire form of an upload response.
type upload struct {
	KB      string `json:"kb"`
	Results []struct {
		URI     string `json:"uri"`
		Outcome string `json:"outcome"`
		Chunks  int    `json:"chunks"`
		Error   string `json:"error"`
	} `json:"results"`
	Counts map[string]int `json:"counts"`
	Error  *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// outcomes maps each result's uri to its outcome.
func (u upload) outcomes() map[string]string {
	m := map[string]string{}
	for _, r := range u.Results {
		m[r.URI] = r.Outcome
	}
	return m
}

// multipartBody builds a form with one "file" part per name/content pair.
func multipartBody(t *testing.T, files ...string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		part, err := w.CreateFormFile("file", files[i])
		require.NoError(t, err)
		_, err = part.Write([]byte(files[i+1]))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), &buf
}

// uploadFiles posts files as multipart and decodes the upload response.
func (b *bundle) uploadFiles(t *testing.T, kb string, wantStatus int, files ...string) upload {
	t.Helper()
	ct, body := multipartBody(t, files...)
	res := b.do(t, http.MethodPost, "/v1/kbs/"+kb+"/documents", ct, body)
	require.Equal(t, wantStatus, res.status, "body: %s", res.body)
	requireJSON(t, res)
	var u upload
	decodeStrict(t, res.body, &u)
	return u
}

// listDocuments returns the uris of kb's documents.
func (b *bundle) listDocuments(t *testing.T, kb string) []string {
	t.Helper()
	res := b.do(t, http.MethodGet, "/v1/kbs/"+kb+"/documents", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var list struct {
		KB        string `json:"kb"`
		Documents []struct {
			ID          int64          `json:"id"`
			URI         string         `json:"uri"`
			Title       string         `json:"title"`
			ContentHash string         `json:"content_hash"`
			Metadata    map[string]any `json:"metadata"`
			Flags       []string       `json:"flags"`
			Quarantined bool           `json:"quarantined"`
			Chunks      int            `json:"chunks"`
			UpdatedAt   string         `json:"updated_at"`
		} `json:"documents"`
	}
	decodeStrict(t, res.body, &list)
	require.Equal(t, kb, list.KB)
	require.NotNil(t, list.Documents, "documents must be a list, not null")
	uris := []string{}
	for _, d := range list.Documents {
		require.Positive(t, d.Chunks, "document %s has no chunks", d.URI)
		require.NotNil(t, d.Flags, "flags must be a list, not null")
		uris = append(uris, d.URI)
	}
	return uris
}

const parkingDoc = "# Visitor parking\n\nVisitors park in the blue garage on Elm Street. " +
	"The blue garage opens at 7 am and closes at 10 pm, and the first two hours are free with a validated ticket.\n"

func TestUploadMultipartReportsEachFile(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))

	u := b.uploadFiles(t, "newkb", http.StatusMultiStatus, "parking.md", parkingDoc, "empty.md", "")
	require.Equal(t, "newkb", u.KB)
	require.Nil(t, u.Error)
	require.Equal(t, map[string]string{"parking.md": "added", "empty.md": "failed"}, u.outcomes())
	require.Equal(t, map[string]int{"added": 1, "failed": 1}, u.Counts)
	for _, r := range u.Results {
		switch r.URI {
		case "empty.md":
			require.Contains(t, r.Error, `"empty.md"`)
			require.Zero(t, r.Chunks)
		case "parking.md":
			require.Empty(t, r.Error)
			require.Positive(t, r.Chunks)
		}
	}
	require.Equal(t, []string{"parking.md"}, b.listDocuments(t, "newkb"))

	// The same bytes again change nothing; new bytes replace the document.
	u = b.uploadFiles(t, "newkb", http.StatusOK, "parking.md", parkingDoc)
	require.Equal(t, map[string]string{"parking.md": "unchanged"}, u.outcomes())
	require.Equal(t, map[string]int{"unchanged": 1}, u.Counts)
	changed := strings.Replace(parkingDoc, "blue garage on Elm Street", "green garage on Oak Avenue", 1)
	u = b.uploadFiles(t, "newkb", http.StatusOK, "parking.md", changed)
	require.Equal(t, map[string]string{"parking.md": "updated"}, u.outcomes())
	require.Equal(t, []string{"parking.md"}, b.listDocuments(t, "newkb"))

	// The knowledge base answers from what was uploaded, latest version.
	ans := b.chat(t, "newkb", "Where do visitors park?", "")
	require.Equal(t, "extractive", ans.Mode, "answer: %+v", ans)
	require.NotEmpty(t, ans.Citations)
	require.Equal(t, "parking.md", ans.Citations[0].Document)
	require.Contains(t, ans.Answer, "Oak Avenue")
	require.NotContains(t, ans.Answer, "Elm Street")
}

func TestUploadJSONAndDelete(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))

	res := b.postJSON(t, "/v1/kbs/newkb/documents", map[string]any{
		"documents": []map[string]string{{"uri": "a.md", "text": "# A\n\nbody text here"}},
	})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var u upload
	decodeStrict(t, res.body, &u)
	require.Equal(t, map[string]string{"a.md": "added"}, u.outcomes())
	require.Equal(t, map[string]int{"added": 1}, u.Counts)
	require.Equal(t, []string{"a.md"}, b.listDocuments(t, "newkb"))

	// A missing uri fails that document alone.
	res = b.postJSON(t, "/v1/kbs/newkb/documents", map[string]any{
		"documents": []map[string]string{{"uri": "", "text": "# B\n\nmore text"}, {"uri": "c.md", "text": "# C\n\nthird text"}},
	})
	require.Equal(t, http.StatusMultiStatus, res.status, "body: %s", res.body)
	u = upload{}
	decodeStrict(t, res.body, &u)
	require.Equal(t, map[string]int{"added": 1, "failed": 1}, u.Counts)
	require.Equal(t, "documents[0]: uri is required", u.Results[0].Error)
	require.Equal(t, []string{"a.md", "c.md"}, b.listDocuments(t, "newkb"))

	res = b.do(t, http.MethodDelete, "/v1/kbs/newkb/documents?uri=a.md&uri=missing.md", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.JSONEq(t, `{"deleted":1}`, string(res.body))
	require.Equal(t, []string{"c.md"}, b.listDocuments(t, "newkb"))

	res = b.do(t, http.MethodDelete, "/v1/kbs/newkb/documents?uri=a.md", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.JSONEq(t, `{"deleted":0}`, string(res.body))

	requireError(t, b.do(t, http.MethodDelete, "/v1/kbs/newkb/documents", "", nil), http.StatusBadRequest, core.CodeInvalid)
	requireError(t, b.do(t, http.MethodDelete, "/v1/kbs/nokb/documents?uri=a.md", "", nil), http.StatusNotFound, core.CodeKBNotFound)
	requireError(t, b.do(t, http.MethodGet, "/v1/kbs/nokb/documents", "", nil), http.StatusNotFound, core.CodeKBNotFound)
}

func TestUploadRejectsBadRequests(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))

	good := `{"documents":[{"uri":"a.md","text":"# A\n\nbody text here"}]}`
	ctGood, _ := multipartBody(t, "a.md", "# A\n\nbody")
	ctBig, big := multipartBody(t, "a.md", "# A\n\n"+strings.Repeat("word ", 1<<18))
	cases := []struct {
		name        string
		path        string
		contentType string
		body        string
		wantStatus  int
		wantCode    core.Code
		chunked     bool // stream the body without a Content-Length
	}{
		{"invalid kb name", "/v1/kbs/Bad%20Name/documents", "application/json", good, 400, core.CodeInvalid, false},
		{"upper-case kb name", "/v1/kbs/Help/documents", "application/json", good, 400, core.CodeInvalid, false},
		{"text/plain", "/v1/kbs/newkb/documents", "text/plain", "# A\n\nbody", 415, core.CodeUnsupportedMedia, false},
		{"no content type", "/v1/kbs/newkb/documents", "", good, 415, core.CodeUnsupportedMedia, false},
		{"empty documents", "/v1/kbs/newkb/documents", "application/json", `{"documents":[]}`, 400, core.CodeInvalid, false},
		{"unknown field", "/v1/kbs/newkb/documents", "application/json", `{"documents":[],"kb":"x"}`, 400, core.CodeInvalid, false},
		{"malformed json", "/v1/kbs/newkb/documents", "application/json", `{"documents":[`, 400, core.CodeInvalid, false},
		{"multipart without boundary", "/v1/kbs/newkb/documents", "multipart/form-data", "--x\r\n", 400, core.CodeInvalid, false},
		{"multipart without files", "/v1/kbs/newkb/documents", ctGood, "--" + strings.TrimPrefix(ctGood, "multipart/form-data; boundary=") + "--\r\n", 400, core.CodeInvalid, false},
		{"over the upload limit", "/v1/kbs/newkb/documents", "application/json", `{"documents":[{"uri":"a.md","text":"` + strings.Repeat("a", 1<<20) + `"}]}`, 413, core.CodeBodyTooLarge, false},
		{"streamed over the upload limit", "/v1/kbs/newkb/documents", "application/json", `{"documents":[{"uri":"a.md","text":"` + strings.Repeat("a", 1<<20) + `"}]}`, 413, core.CodeBodyTooLarge, true},
		{"multipart over the upload limit", "/v1/kbs/newkb/documents", ctBig, big.String(), 413, core.CodeBodyTooLarge, false},
		{"streamed multipart over the upload limit", "/v1/kbs/newkb/documents", ctBig, big.String(), 413, core.CodeBodyTooLarge, true},
	}
	// Sequential: afterwards the test checks that none of them left a
	// knowledge base behind.
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			res := b.do(t, http.MethodPost, tc.path, tc.contentType, body)
			requireError(t, res, tc.wantStatus, tc.wantCode)
		})
	}
	res := b.do(t, http.MethodGet, "/v1/kbs", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.JSONEq(t, `{"kbs":[]}`, string(res.body), "a rejected upload created a knowledge base")
}

func TestUploadWithNothingIngestableIsRejectedWithoutSideEffects(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))

	// Nothing ingestable: 400, and the per-file reasons still come back.
	ct, body := multipartBody(t, "empty.md", "", "blank.md", " \n\n ", "notes.docx", "x")
	res := b.do(t, http.MethodPost, "/v1/kbs/newkb/documents", ct, body)
	require.Equal(t, http.StatusBadRequest, res.status, "body: %s", res.body)
	requireJSON(t, res)
	var u upload
	decodeStrict(t, res.body, &u)
	require.NotNil(t, u.Error)
	require.Equal(t, string(core.CodeInvalid), u.Error.Code)
	require.NotEmpty(t, u.Error.Message)
	require.Equal(t, map[string]string{"empty.md": "failed", "blank.md": "failed", "notes.docx": "failed"}, u.outcomes())
	for _, r := range u.Results {
		require.Contains(t, r.Error, `"`+r.URI+`"`)
	}

	res = b.do(t, http.MethodGet, "/v1/kbs", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.JSONEq(t, `{"kbs":[]}`, string(res.body), "a rejected upload created a knowledge base")
	requireError(t, b.do(t, http.MethodGet, "/v1/kbs/newkb/documents", "", nil), http.StatusNotFound, core.CodeKBNotFound)
}

// storedDocument is one entry of GET /v1/kbs/{kb}/documents.
type storedDocument struct {
	URI         string         `json:"uri"`
	Title       string         `json:"title"`
	ContentHash string         `json:"content_hash"`
	Metadata    map[string]any `json:"metadata"`
}

// document returns kb's document uri as listed.
func (b *bundle) document(t *testing.T, kb, uri string) storedDocument {
	t.Helper()
	res := b.do(t, http.MethodGet, "/v1/kbs/"+kb+"/documents", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var list struct {
		Documents []storedDocument `json:"documents"`
	}
	require.NoError(t, json.Unmarshal(res.body, &list))
	for _, d := range list.Documents {
		if d.URI == uri {
			return d
		}
	}
	t.Fatalf("%s holds no document %s: %s", kb, uri, res.body)
	return storedDocument{}
}

// The JSON upload takes a title and metadata (strings, numbers, booleans)
// per document; they are stored, and a change to either updates the
// document (issue 11, defect 7).
func TestUploadJSONTakesTitleAndMetadata(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))
	send := func(meta map[string]any) upload {
		t.Helper()
		res := b.postJSON(t, "/v1/kbs/newkb/documents", map[string]any{"documents": []map[string]any{{
			"uri": "parking.md", "text": parkingDoc, "title": "Visitor parking guide", "metadata": meta}}})
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		var u upload
		decodeStrict(t, res.body, &u)
		return u
	}
	meta := map[string]any{"team": "facilities", "version": 3, "public": true}
	require.Equal(t, map[string]string{"parking.md": "added"}, send(meta).outcomes())
	d := b.document(t, "newkb", "parking.md")
	require.Equal(t, "Visitor parking guide", d.Title)
	require.Equal(t, map[string]any{"team": "facilities", "version": 3.0, "public": true,
		"format": "markdown", "bytes": float64(len(parkingDoc))}, d.Metadata)

	require.Equal(t, map[string]string{"parking.md": "unchanged"}, send(meta).outcomes())
	meta["version"] = 4
	require.Equal(t, map[string]string{"parking.md": "updated"}, send(meta).outcomes())
	require.Equal(t, 4.0, b.document(t, "newkb", "parking.md").Metadata["version"])
}

func TestUploadJSONRejectsBadTitleAndMetadata(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))
	doc := func(extra string) string {
		return `{"documents":[{"uri":"a.md","text":"# A\n\nbody text here"` + extra + `}]}`
	}
	cases := []struct{ name, body, wantMessage string }{
		{"metadata is a list", doc(`,"metadata":["a"]`), "documents[0].metadata must be an object of strings, numbers and booleans"},
		{"metadata is a string", doc(`,"metadata":"a"`), "documents[0].metadata must be an object of strings, numbers and booleans"},
		{"nested object", doc(`,"metadata":{"team":{"name":"x"}}`), `documents[0].metadata["team"] must be a string, number or boolean`},
		{"list value", doc(`,"metadata":{"tags":["a","b"]}`), `documents[0].metadata["tags"] must be a string, number or boolean`},
		{"null value", doc(`,"metadata":{"team":null}`), `documents[0].metadata["team"] must be a string, number or boolean`},
		{"empty key", doc(`,"metadata":{"":"x"}`), "documents[0].metadata keys must be 1 to 64 characters"},
		{"reserved key", doc(`,"metadata":{"format":"pdf"}`), `documents[0].metadata["format"] is set by supportd`},
		{"title is a number", doc(`,"title":7`), "documents.title must be a string"},
		{"title too long", doc(`,"title":"` + strings.Repeat("t", 301) + `"`), "documents[0].title must be at most 300 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := b.do(t, http.MethodPost, "/v1/kbs/newkb/documents", "application/json", strings.NewReader(tc.body))
			e := requireError(t, res, http.StatusBadRequest, core.CodeInvalid)
			require.Equal(t, tc.wantMessage, e.Error.Message)
		})
	}
	res := b.do(t, http.MethodGet, "/v1/kbs", "", nil)
	require.JSONEq(t, `{"kbs":[]}`, string(res.body), "a rejected upload created a knowledge base")
}

// Every file of a multipart upload gets a result; one supportd cannot
// read says why (issue 11, defect 7).
func TestUploadListsUnreadableFilesWithTheirReason(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))
	u := b.uploadFiles(t, "newkb", http.StatusMultiStatus, "parking.md", parkingDoc, "data.bin", "\x00\x01")
	require.Equal(t, map[string]string{"parking.md": "added", "data.bin": "failed"}, u.outcomes())
	for _, r := range u.Results {
		if r.URI == "data.bin" {
			require.Contains(t, r.Error, `unsupported file type ".bin"`)
		}
	}
}
