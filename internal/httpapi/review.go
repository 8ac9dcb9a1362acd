package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/store"
)

// Reviews takes feedback and serves the review queue (store.Store, with
// redaction and observers around it in the wiring). Every method fails
// with a coded core.Error; an unknown turn or item is core.CodeNotFound.
type Reviews interface {
	// AddFeedback records a rating of a turn of the given conversation and
	// says whether it queued the turn for review.
	AddFeedback(ctx context.Context, tenant string, f store.Feedback) (store.FeedbackAdded, error)
	FeedbackSummary(ctx context.Context, tenant, kb string) (byKB, byDoc []store.FeedbackCount, err error)
	ReviewItems(ctx context.Context, f store.ReviewFilter) ([]store.ReviewItem, error)
	ResolveReview(ctx context.Context, tenant string, id int64, r store.Resolution) (store.ReviewItem, error)
	// ExportReviews records an export of the resolved items no earlier
	// export included and returns them (id 0 when there were none);
	// deliver's error undoes the export.
	ExportReviews(ctx context.Context, tenant, actor string, deliver func([]store.ReviewItem) error) (int64, []store.ReviewItem, error)
}

type feedbackRequest struct {
	// ConversationID proves the caller took part: it must be the turn's.
	ConversationID string `json:"conversation_id"`
	Rating         string `json:"rating"` // "up" or "down"
	Reason         string `json:"reason"`
	Comment        string `json:"comment"`
}

func handleFeedback(r Reviews) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return core.Errorf(core.CodeInvalid, "turn id must be a positive number")
		}
		var req feedbackRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		conv, err := uuid.Parse(req.ConversationID)
		if err != nil {
			return core.Errorf(core.CodeInvalid, "conversation_id (the turn's conversation) must be a UUID")
		}
		rating := map[string]int{"up": 1, "down": -1}[req.Rating]
		if rating == 0 {
			return core.Errorf(core.CodeInvalid, `rating must be "up" or "down"`)
		}
		if len(req.Reason) > 100 || len(req.Comment) > 2000 {
			return core.Errorf(core.CodeInvalid, "reason is limited to 100 and comment to 2000 characters")
		}
		added, err := r.AddFeedback(c.Request().Context(), principal(c).Tenant,
			store.Feedback{TurnID: id, ConversationID: conv.String(), Rating: rating, Reason: req.Reason, Comment: req.Comment})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]bool{"queued_for_review": added.Queued})
	}
}

func handleFeedbackSummary(r Reviews) echo.HandlerFunc {
	return func(c echo.Context) error {
		byKB, byDoc, err := r.FeedbackSummary(c.Request().Context(), principal(c).Tenant, c.QueryParam("kb"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"knowledge_bases": nonNilCounts(byKB), "documents": nonNilCounts(byDoc)})
	}
}

func nonNilCounts(c []store.FeedbackCount) []store.FeedbackCount {
	if c == nil {
		return []store.FeedbackCount{}
	}
	return c
}

func handleReviewQueue(r Reviews) echo.HandlerFunc {
	return func(c echo.Context) error {
		status := c.QueryParam("status")
		if status != "" && status != "pending" && status != "resolved" {
			return core.Errorf(core.CodeInvalid, `status must be "pending" or "resolved"`)
		}
		limit, before, err := pageParams(c, 50, 500)
		if err != nil {
			return err
		}
		items, err := r.ReviewItems(c.Request().Context(), store.ReviewFilter{Tenant: principal(c).Tenant, Status: status,
			Before: before, Limit: limit})
		if err != nil {
			return err
		}
		if items == nil {
			items = []store.ReviewItem{}
		}
		return c.JSON(http.StatusOK, map[string]any{"items": items})
	}
}

type resolveRequest struct {
	Label           string   `json:"label"`
	CorrectedAnswer string   `json:"corrected_answer"`
	ExpectedSources []string `json:"expected_sources"`
	MissingDocument string   `json:"missing_document"`
	RequiredFacts   []string `json:"required_facts"`
}

// resolution checks a verdict and returns it for the store: the label is
// one of eval.Labels; an incorrect answer and a handoff that should have
// been answered need the corrected answer; a turn that should have been
// handed off takes nothing else; sources and facts follow the golden-set
// rules, so that every resolved item exports as a valid case.
func (req resolveRequest) resolution(actor string) (store.Resolution, error) {
	r := store.Resolution{Label: req.Label, CorrectedAnswer: strings.TrimSpace(req.CorrectedAnswer),
		ExpectedSources: req.ExpectedSources, MissingDocument: strings.TrimSpace(req.MissingDocument),
		RequiredFacts: req.RequiredFacts, Actor: actor}
	switch {
	case !slices.Contains(eval.Labels(), r.Label):
		return r, core.Errorf(core.CodeInvalid, "label must be one of %s", strings.Join(eval.Labels(), ", "))
	case len(r.CorrectedAnswer) > 10000 || len(r.MissingDocument) > 500 || len(r.ExpectedSources) > 20 || len(r.RequiredFacts) > 20:
		return r, core.Errorf(core.CodeInvalid, "corrected_answer is limited to 10000 characters, missing_document to 500, "+
			"expected_sources and required_facts to 20 entries")
	case r.Label == eval.LabelShouldHandoff && (r.CorrectedAnswer != "" || r.MissingDocument != "" || len(r.ExpectedSources) > 0 || len(r.RequiredFacts) > 0):
		return r, core.Errorf(core.CodeInvalid, "a turn that should have been handed off takes no corrected_answer, sources or facts")
	case (r.Label == eval.LabelIncorrect || r.Label == eval.LabelShouldAnswer) && r.CorrectedAnswer == "":
		return r, core.Errorf(core.CodeInvalid, "label %s needs the corrected_answer", r.Label)
	}
	draft := eval.Case{ID: "review", Question: "?", ReferenceAnswer: cmp.Or(r.CorrectedAnswer, "kept"),
		RequiredFacts: r.RequiredFacts, ExpectedSources: r.ExpectedSources, ShouldHandoff: r.Label == eval.LabelShouldHandoff}
	if problems := draft.Problems(); len(problems) > 0 {
		return r, core.Errorf(core.CodeInvalid, "%s", strings.Join(problems, "; "))
	}
	return r, nil
}

func handleResolveReview(r Reviews) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id", "review item id")
		if err != nil {
			return err
		}
		var req resolveRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		p := principal(c)
		res, err := req.resolution(p.Actor())
		if err != nil {
			return err
		}
		item, err := r.ResolveReview(c.Request().Context(), p.Tenant, id, res)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, item)
	}
}

// handleReviewExport returns resolved items as golden cases (JSON Lines),
// ready for supportd goldenset add. ?since=last returns only the items no
// earlier export included and records this export (its id in
// X-Export-Id), so asking again returns nothing new; ?since=TIME
// (RFC 3339) the items resolved since then; no since, every resolved item.
func handleReviewExport(r Reviews) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, p, since := c.Request().Context(), principal(c), c.QueryParam("since")
		var items []store.ReviewItem
		var b bytes.Buffer
		var err error
		switch since {
		case "last":
			var id int64
			write := func(items []store.ReviewItem) error { _, err := eval.WriteReviewCases(&b, items); return err }
			if id, _, err = r.ExportReviews(ctx, p.Tenant, p.Actor(), write); err != nil {
				return err
			}
			if id > 0 {
				c.Response().Header().Set("X-Export-Id", strconv.FormatInt(id, 10))
			}
			return c.Blob(http.StatusOK, "application/x-ndjson", b.Bytes())
		default:
			f := store.ReviewFilter{Tenant: p.Tenant, Status: "resolved", Limit: 5000}
			if since != "" {
				if f.ResolvedSince, err = time.Parse(time.RFC3339, since); err != nil {
					return core.Errorf(core.CodeInvalid, `since must be "last" or an RFC 3339 time`)
				}
			}
			items, err = r.ReviewItems(ctx, f)
			slices.Reverse(items) // oldest first, as an export appends
		}
		if err != nil {
			return err
		}
		if _, err := eval.WriteReviewCases(&b, items); err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "application/x-ndjson", b.Bytes())
	}
}
