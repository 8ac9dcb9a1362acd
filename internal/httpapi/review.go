package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/store"
)

// Reviews takes feedback and serves the review queue (store.Store, with
// redaction and observers around it in the wiring). Every method fails
// with a coded core.Error; an unknown turn or item is core.CodeNotFound.
type Reviews interface {
	// AddFeedback records a rating of a turn of the given conversation and
	// says whether it queued the turn for review.
	AddFeedback(ctx context.Context, tenant string, f store.Feedback) (kb string, queued bool, err error)
	FeedbackSummary(ctx context.Context, tenant, kb string) (byKB, byDoc []store.FeedbackCount, err error)
	ReviewItems(ctx context.Context, f store.ReviewFilter) ([]store.ReviewItem, error)
	ResolveReview(ctx context.Context, tenant string, id int64, r store.Resolution) (store.ReviewItem, error)
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
		_, queued, err := r.AddFeedback(c.Request().Context(), principal(c).Tenant,
			store.Feedback{TurnID: id, ConversationID: conv.String(), Rating: rating, Reason: req.Reason, Comment: req.Comment})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]bool{"queued_for_review": queued})
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
		limit, err := intParam(c, "limit", 50, 1, 500)
		if err != nil {
			return err
		}
		before, err := intParam(c, "before", 0, 0, 1<<62)
		if err != nil {
			return err
		}
		items, err := r.ReviewItems(c.Request().Context(), store.ReviewFilter{Tenant: principal(c).Tenant, Status: status,
			Before: int64(before), Limit: limit})
		if err != nil {
			return err
		}
		if items == nil {
			items = []store.ReviewItem{}
		}
		return c.JSON(http.StatusOK, map[string]any{"items": items})
	}
}

// reviewLabels are the verdicts a reviewer may give.
func reviewLabels() []string {
	return []string{"correct", "incorrect", "incomplete", "should_handoff", "out_of_scope"}
}

type resolveRequest struct {
	Label           string `json:"label"`
	CorrectedAnswer string `json:"corrected_answer"`
}

func handleResolveReview(r Reviews) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return core.Errorf(core.CodeInvalid, "review item id must be a positive number")
		}
		var req resolveRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		ok := false
		for _, l := range reviewLabels() {
			ok = ok || l == req.Label
		}
		if !ok {
			return core.Errorf(core.CodeInvalid, "label must be one of %s", strings.Join(reviewLabels(), ", "))
		}
		if len(req.CorrectedAnswer) > 10000 {
			return core.Errorf(core.CodeInvalid, "corrected_answer is limited to 10000 characters")
		}
		p := principal(c)
		item, err := r.ResolveReview(c.Request().Context(), p.Tenant, id,
			store.Resolution{Label: req.Label, CorrectedAnswer: strings.TrimSpace(req.CorrectedAnswer), Actor: p.Actor()})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, item)
	}
}

// handleReviewExport returns resolved items as golden cases (JSONL), ready
// to append to the golden set: a corrected answer becomes the reference;
// "should_handoff" and "out_of_scope" become cases that must hand off.
func handleReviewExport(r Reviews) echo.HandlerFunc {
	return func(c echo.Context) error {
		items, err := r.ReviewItems(c.Request().Context(), store.ReviewFilter{Tenant: principal(c).Tenant, Status: "resolved", Limit: 1000})
		if err != nil {
			return err
		}
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		for _, it := range items {
			if gc, ok := GoldenCase(it); ok {
				if err := enc.Encode(gc); err != nil {
					return err
				}
			}
		}
		return c.Blob(http.StatusOK, "application/x-ndjson", []byte(b.String()))
	}
}

// GoldenCase turns a resolved review item into a golden-set case; items
// labelled correct without a correction carry the original answer.
func GoldenCase(it store.ReviewItem) (map[string]any, bool) {
	declines := it.Label == "should_handoff" || it.Label == "out_of_scope"
	ref := it.CorrectedAnswer
	if ref == "" && it.Label == "correct" {
		ref = it.Answer
	}
	if ref == "" && !declines {
		return nil, false
	}
	sources := []string{}
	if !declines {
		for _, cit := range it.Citations {
			sources = append(sources, cit.Document)
		}
	}
	return map[string]any{
		"id": "review-" + strconv.FormatInt(it.ID, 10), "question": it.Question, "reference_answer": ref,
		"required_facts": []string{}, "expected_sources": sources, "should_handoff": declines,
		"tags": []string{"reviewed", it.Reason, "kb:" + it.KB},
	}, true
}
