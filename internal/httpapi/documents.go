package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

// Library is the knowledge-base side of the API (ingest.Library). Every
// method fails with a coded core.Error; an unknown knowledge base is
// core.CodeKBNotFound.
type Library interface {
	KBs(ctx context.Context, tenant string) ([]store.KB, error)
	Documents(ctx context.Context, tenant, kb string) (store.KB, []store.Document, error)
	// Upload stores each source on its own and reports every outcome; the
	// error is for failures of the whole upload.
	Upload(ctx context.Context, p ingest.UploadParams) (ingest.Report, error)
	Delete(ctx context.Context, p ingest.DeleteParams) (int, error)
	// CreateKB creates an empty knowledge base (core.CodeConflict when it
	// exists); RemoveKB deletes one with its documents; Stats counts one.
	CreateKB(ctx context.Context, tenant, name, actor string) (store.KB, error)
	RemoveKB(ctx context.Context, tenant, name, actor string) error
	Stats(ctx context.Context, tenant, name string) (store.KBStats, error)
	// Quarantined lists the documents flagged at ingestion that retrieval
	// skips; Release lets retrieval serve one again (core.CodeNotFound,
	// core.CodeConflict when it is not quarantined).
	Quarantined(ctx context.Context, tenant, kb string) (store.KB, []store.Document, error)
	Release(ctx context.Context, p ingest.ReleaseParams) (store.Document, error)
}

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
		kb, docs, err := lib.Documents(c.Request().Context(), principal(c).Tenant, c.Param("kb"))
		if err != nil {
			return err
		}
		if docs == nil {
			docs = []store.Document{}
		}
		return c.JSON(http.StatusOK, map[string]any{"kb": kb.Name, "documents": docs})
	}
}

func handleDeleteDocuments(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		uris := c.QueryParams()["uri"]
		if len(uris) == 0 {
			return core.Errorf(core.CodeInvalid, "name the documents to delete with ?uri=...")
		}
		p := principal(c)
		n, err := lib.Delete(c.Request().Context(), ingest.DeleteParams{Tenant: p.Tenant, KB: c.Param("kb"), Actor: p.Actor(), URIs: uris})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int{"deleted": n})
	}
}

type uploadJSON struct {
	Documents []uploadDocument `json:"documents"`
}

type uploadDocument struct {
	URI      string          `json:"uri"`
	Text     string          `json:"text"`
	Title    string          `json:"title"`
	Metadata json.RawMessage `json:"metadata"`
}

type uploadResponse struct {
	KB      string                 `json:"kb"`
	Results []ingest.Result        `json:"results"`
	Counts  map[ingest.Outcome]int `json:"counts"`
	Error   *errorDetail           `json:"error,omitempty"`
}

// handleUpload ingests documents sent as multipart files (field "file",
// repeatable) or as JSON {"documents":[{"uri","text","title","metadata"}]}
// (title and metadata optional; metadata maps keys to strings, numbers or
// booleans). The knowledge base
// is created on first upload. Each document succeeds or fails on its own:
// 200 when all were stored, 207 when some failed, 400 when none was.
func handleUpload(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		sources, err := bindUpload(c)
		if err != nil {
			return err
		}
		p := principal(c)
		rep, err := lib.Upload(c.Request().Context(), ingest.UploadParams{Tenant: p.Tenant, KB: c.Param("kb"), Actor: p.Actor(), Sources: sources})
		if err != nil {
			return err
		}
		resp := uploadResponse{KB: c.Param("kb"), Results: rep.Results, Counts: rep.Counts}
		status := http.StatusOK
		switch nFailed := rep.Counts[ingest.Failed]; {
		case nFailed == len(rep.Results):
			status = http.StatusBadRequest
			resp.Error = &errorDetail{Code: core.CodeInvalid, Message: "no document could be ingested; see results"}
		case nFailed > 0:
			status = http.StatusMultiStatus
		}
		return c.JSON(status, resp)
	}
}

// bindUpload reads the request's documents as sources; it fails only when
// the request itself cannot be read.
func bindUpload(c echo.Context) ([]ingest.Source, error) {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEMultipartForm:
		return bindMultipart(c)
	case echo.MIMEApplicationJSON:
		return bindJSONUpload(c)
	}
	return nil, core.Errorf(core.CodeUnsupportedMedia, "send documents as multipart/form-data (field \"file\") or application/json")
}

func bindJSONUpload(c echo.Context) ([]ingest.Source, error) {
	var req uploadJSON
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	if len(req.Documents) == 0 {
		return nil, core.Errorf(core.CodeInvalid, "documents is empty")
	}
	sources := make([]ingest.Source, len(req.Documents))
	for i, in := range req.Documents {
		meta, err := in.metadata()
		if err != nil {
			return nil, core.Errorf(core.CodeInvalid, "documents[%d].%s", i, core.ErrorMessage(err))
		}
		if utf8.RuneCountInString(in.Title) > ingest.MaxTitleChars {
			return nil, core.Errorf(core.CodeInvalid, "documents[%d].title must be at most %d characters", i, ingest.MaxTitleChars)
		}
		text := in.Text
		sources[i] = ingest.Source{Name: in.URI, Size: int64(len(text)), Title: in.Title, Metadata: meta,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }}
		if in.URI == "" {
			sources[i].Err = core.Errorf(core.CodeInvalid, "documents[%d]: uri is required", i)
		}
	}
	return sources, nil
}

// metadata decodes and checks the document's metadata; absent or null is
// none.
func (d uploadDocument) metadata() (map[string]any, error) {
	if len(d.Metadata) == 0 || string(d.Metadata) == "null" {
		return nil, nil
	}
	var meta map[string]any
	if err := json.Unmarshal(d.Metadata, &meta); err != nil {
		return nil, core.Errorf(core.CodeInvalid, "metadata must be an object of strings, numbers and booleans")
	}
	return meta, ingest.CheckMetadata(meta)
}

func bindMultipart(c echo.Context) ([]ingest.Source, error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, bodyError(err, "cannot read the body as multipart/form-data")
	}
	files := form.File["file"]
	if len(files) == 0 {
		return nil, core.Errorf(core.CodeInvalid, "attach documents in form field \"file\"")
	}
	sources := make([]ingest.Source, len(files))
	for i, fh := range files {
		sources[i] = ingest.Source{Name: fh.Filename, Size: fh.Size, Open: openPart(fh)}
	}
	return sources, nil
}

func openPart(fh *multipart.FileHeader) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return fh.Open() }
}
