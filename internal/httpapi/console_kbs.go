package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

func handleConsoleKBs(v *view, lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		kbs, err := lib.KBs(c.Request().Context(), sessionOf(c).Tenant)
		if err != nil {
			return err
		}
		return v.render(c, http.StatusOK, "kbs", page{Title: "Knowledge bases", Nav: "kbs", Data: kbs})
	}
}

// kbData is one knowledge base's page: its documents, how many were
// flagged, and the outcome of the last upload.
type kbData struct {
	KB      store.KB
	Docs    []store.Document
	Flagged int
	Report  *ingest.Report
}

func (v *view) kbPage(c echo.Context, lib Library, status int, rep *ingest.Report) error {
	kb, docs, err := lib.Documents(c.Request().Context(), sessionOf(c).Tenant, c.Param("kb"))
	if err != nil {
		return err
	}
	d := kbData{KB: kb, Docs: docs, Report: rep}
	for _, doc := range docs {
		if len(doc.Flags) > 0 {
			d.Flagged++
		}
	}
	return v.render(c, status, "kb", page{Title: kb.Name, Nav: "kbs", Notice: noticeOf(c), Data: d})
}

func handleConsoleKB(v *view, lib Library) echo.HandlerFunc {
	return func(c echo.Context) error { return v.kbPage(c, lib, http.StatusOK, nil) }
}

// handleConsoleUpload ingests the files of the upload form; with a uri
// (the re-ingest form of a document) the one file replaces that document.
// The page shows every file's outcome.
func handleConsoleUpload(v *view, lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		sources, err := bindMultipart(c)
		if err != nil {
			return err
		}
		if uri := c.FormValue("uri"); uri != "" {
			if len(sources) != 1 {
				return core.Errorf(core.CodeInvalid, "re-ingest takes one file")
			}
			sources[0].Name = uri
		}
		s := sessionOf(c)
		rep, err := lib.Upload(c.Request().Context(), ingest.UploadParams{Tenant: s.Tenant, KB: c.Param("kb"), Actor: s.Actor(),
			Sources: sources})
		if err != nil {
			return err
		}
		status := http.StatusOK
		if rep.Counts[ingest.Failed] == len(rep.Results) {
			status = http.StatusBadRequest
		}
		return v.kbPage(c, lib, status, &rep)
	}
}

func handleConsoleDeleteDocument(lib Library) echo.HandlerFunc {
	return func(c echo.Context) error {
		s := sessionOf(c)
		n, err := lib.Delete(c.Request().Context(), ingest.DeleteParams{Tenant: s.Tenant, KB: c.Param("kb"), Actor: s.Actor(),
			URIs: []string{c.FormValue("uri")}})
		if err != nil {
			return err
		}
		if n == 0 {
			return core.Errorf(core.CodeNotFound, "document %q does not exist", c.FormValue("uri"))
		}
		return c.Redirect(http.StatusSeeOther, consolePath+"/kbs/"+url.PathEscape(c.Param("kb"))+"?done=deleted&n="+strconv.Itoa(n))
	}
}
