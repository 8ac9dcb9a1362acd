package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/store"
)

// consolePageSize is how many rows a console list shows at once.
const consolePageSize = 50

// inboxData is one page of the handoff inbox.
type inboxData struct {
	Entries []store.InboxEntry
	Handled bool
	// Next continues the list; empty on the last page.
	Next string
}

func handleConsoleInbox(v *view, conv HandoffInbox) echo.HandlerFunc {
	return func(c echo.Context) error {
		before, err := intParam(c, "before", 0, 0, 1<<62)
		if err != nil {
			return err
		}
		handled := c.QueryParam("status") == "handled"
		entries, err := conv.Inbox(c.Request().Context(), store.InboxFilter{Tenant: sessionOf(c).Tenant, Handled: handled,
			Before: int64(before), Limit: consolePageSize + 1})
		if err != nil {
			return err
		}
		d := inboxData{Entries: entries, Handled: handled}
		if len(entries) > consolePageSize {
			d.Entries = entries[:consolePageSize]
			q := url.Values{"before": {strconv.FormatInt(d.Entries[consolePageSize-1].LastTurnID, 10)}}
			if handled {
				q.Set("status", "handled")
			}
			d.Next = consolePath + "?" + q.Encode()
		}
		return v.render(c, http.StatusOK, "inbox", page{Title: "Handoff inbox", Nav: "inbox", Data: d})
	}
}

func conversationID(c echo.Context) (string, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return "", core.Errorf(core.CodeInvalid, "a conversation id is a UUID")
	}
	return id.String(), nil
}

// conversationData is a conversation with its ratings per turn.
type conversationData struct {
	store.ConversationDetail
	FeedbackByTurn map[int64][]store.FeedbackNote
}

func handleConsoleConversation(v *view, conv HandoffInbox) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := conversationID(c)
		if err != nil {
			return err
		}
		cv, err := conv.ConversationDetail(c.Request().Context(), sessionOf(c).Tenant, id)
		if err != nil {
			return err
		}
		d := conversationData{ConversationDetail: cv, FeedbackByTurn: map[int64][]store.FeedbackNote{}}
		for _, f := range cv.Feedback {
			d.FeedbackByTurn[f.TurnID] = append(d.FeedbackByTurn[f.TurnID], f)
		}
		return v.render(c, http.StatusOK, "conversation", page{Title: "Conversation", Nav: "inbox",
			Notice: noticeOf(c), Data: d})
	}
}

func handleConsoleMarkHandled(conv HandoffInbox) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := conversationID(c)
		if err != nil {
			return err
		}
		s := sessionOf(c)
		if err := conv.MarkHandled(c.Request().Context(), s.Tenant, id, s.Actor()); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, consolePath+"/conversations/"+id+"?done=handled")
	}
}

// noticeOf turns the ?done= of a redirect after a change into a sentence.
func noticeOf(c echo.Context) string {
	return map[string]string{
		"handled":  "Marked handled.",
		"resolved": "Label saved.",
		"revoked":  "Key revoked.",
		"uploaded": "Uploaded.",
		"deleted":  "Deleted.",
		"started":  "Evaluation run started.",
	}[c.QueryParam("done")]
}
