package httpapi

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

func handleListKBs(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		kbs, err := lib.KBs(c.Request().Context(), principal(c).Tenant)
		if err != nil {
			return err
		}
		if kbs == nil {
			kbs = []store.KB{}
		}
		return c.JSON(http.StatusOK, map[string]any{"kbs": kbs})
	}
}

func handleListDocuments(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		kb, err := lib.KB(c.Request().Context(), principal(c).Tenant, c.Param("kb"))
		if err != nil {
			return err
		}
		docs, err := lib.Documents(c.Request().Context(), kb)
		if err != nil {
			return err
		}
		if docs == nil {
			docs = []store.Document{}
		}
		return c.JSON(http.StatusOK, map[string]any{"kb": kb.Name, "documents": docs})
	}
}

func handleDeleteDocuments(lib Library, aud Auditor) echo.HandlerFunc {
	return func(c echo.Context) error {
		uris := c.QueryParams()["uri"]
		if len(uris) == 0 {
			return core.Errorf(core.CodeInvalid, "name the documents to delete with ?uri=...")
		}
		kb, err := lib.KB(c.Request().Context(), principal(c).Tenant, c.Param("kb"))
		if err != nil {
			return err
		}
		n, err := lib.DeleteDocuments(c.Request().Context(), kb, uris)
		if err != nil {
			return err
		}
		audit(c, aud, "documents.delete", kb.Name, map[string]any{"uris": uris, "deleted": n})
		return c.JSON(http.StatusOK, map[string]int{"deleted": n})
	}
}

type uploadJSON struct {
	Documents []struct {
		URI  string `json:"uri"`
		Text string `json:"text"`
	} `json:"documents"`
}

type uploadResponse struct {
	KB      string                 `json:"kb"`
	Results []ingest.Result        `json:"results"`
	Counts  map[ingest.Outcome]int `json:"counts"`
	Error   *errorDetail           `json:"error,omitempty"`
}

// handleUpload ingests documents sent as multipart files (field "file",
// repeatable) or as JSON {"documents":[{"uri","text"}]}. The knowledge base
// is created on first upload. Each document succeeds or fails on its own:
// 200 when all were stored, 207 when some failed, 400 when none was.
func handleUpload(d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		name := c.Param("kb")
		docs, failed, err := readUpload(c)
		if err != nil {
			return err
		}
		if len(docs) == 0 {
			// Nothing loadable: fail without creating the knowledge base.
			return c.JSON(http.StatusBadRequest, uploadResponse{KB: name, Results: failed,
				Counts: map[ingest.Outcome]int{ingest.Failed: len(failed)},
				Error:  &errorDetail{Code: core.CodeInvalid, Message: "no document could be ingested; see results"}})
		}
		kb, err := d.Library.EnsureKB(ctx, store.KBParams{Tenant: principal(c).Tenant, Name: name, Model: d.EmbedModel, Dim: d.EmbedDim})
		if err != nil {
			return err
		}
		resp := uploadResponse{KB: kb.Name, Results: failed, Counts: map[ingest.Outcome]int{}}
		for _, doc := range docs {
			res, err := upsert(ctx, d.Uploader, kb, doc)
			if err != nil && core.ErrorCode(err) == core.CodeUnavailable {
				return err
			}
			resp.Results = append(resp.Results, res)
		}
		for _, r := range resp.Results {
			resp.Counts[r.Outcome]++
		}
		audit(c, d.Audit, "documents.upload", kb.Name, map[string]any{"counts": resp.Counts})
		status := http.StatusOK
		switch nFailed := resp.Counts[ingest.Failed]; {
		case nFailed == len(resp.Results):
			status = http.StatusBadRequest
			resp.Error = &errorDetail{Code: core.CodeInvalid, Message: "no document could be ingested; see results"}
		case nFailed > 0:
			status = http.StatusMultiStatus
		}
		return c.JSON(status, resp)
	}
}

func upsert(ctx context.Context, u Uploader, kb store.KB, doc ingest.Document) (ingest.Result, error) {
	res, err := u.Upsert(ctx, kb, doc)
	if err != nil {
		return ingest.Result{SourceURI: doc.SourceURI, Outcome: ingest.Failed, Error: core.ErrorMessage(err)}, err
	}
	return res, nil
}

// readUpload loads every document of the request. Documents that fail to
// load come back as failed results; the request itself fails only when it
// cannot be read at all.
func readUpload(c echo.Context) ([]ingest.Document, []ingest.Result, error) {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEMultipartForm:
		return readMultipart(c)
	case echo.MIMEApplicationJSON:
		var req uploadJSON
		if err := decodeJSON(c, &req); err != nil {
			return nil, nil, err
		}
		if len(req.Documents) == 0 {
			return nil, nil, core.Errorf(core.CodeInvalid, "documents is empty")
		}
		var docs []ingest.Document
		var failed []ingest.Result
		for i, in := range req.Documents {
			if in.URI == "" {
				failed = append(failed, ingest.Result{Outcome: ingest.Failed, Error: "documents[" + strconv.Itoa(i) + "]: uri is required"})
				continue
			}
			docs, failed = load(docs, failed, in.URI, strings.NewReader(in.Text), int64(len(in.Text)))
		}
		return docs, failed, nil
	}
	return nil, nil, core.Errorf(core.CodeUnsupportedMedia, "send documents as multipart/form-data (field \"file\") or application/json")
}

func readMultipart(c echo.Context) ([]ingest.Document, []ingest.Result, error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, nil, bodyError(err, "cannot read the multipart form")
	}
	files := form.File["file"]
	if len(files) == 0 {
		return nil, nil, core.Errorf(core.CodeInvalid, "attach documents in form field \"file\"")
	}
	var docs []ingest.Document
	var failed []ingest.Result
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			failed = append(failed, ingest.Result{SourceURI: fh.Filename, Outcome: ingest.Failed, Error: "cannot read the upload"})
			continue
		}
		docs, failed = load(docs, failed, fh.Filename, f, fh.Size)
		f.Close()
	}
	return docs, failed, nil
}

func load(docs []ingest.Document, failed []ingest.Result, name string, r io.Reader, size int64) ([]ingest.Document, []ingest.Result) {
	doc, err := ingest.Load(name, r, size)
	if err != nil {
		return docs, append(failed, ingest.Result{SourceURI: name, Outcome: ingest.Failed, Error: core.ErrorMessage(err)})
	}
	return append(docs, doc), failed
}

// audit records an action of the request's caller; a failure to write the
// audit log is logged by the store's caller, not returned to the client.
func audit(c echo.Context, aud Auditor, action, target string, details map[string]any) {
	if aud == nil {
		return
	}
	p := principal(c)
	if err := aud.Audit(c.Request().Context(), store.AuditEntry{Tenant: p.Tenant, Actor: p.Actor(), Action: action,
		Target: target, Details: details}); err != nil {
		c.Logger().Errorf("audit %s: %v", action, err)
	}
}
