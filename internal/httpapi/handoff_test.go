package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
)

func TestHandoffRequest(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	key := s.widgetKey(t, "https://help.example.com")
	origin := []string{"Origin", "https://help.example.com"}
	res := s.call(t, http.MethodPost, "/v1/chat", map[string]string{"kb": "demo", "question": weatherQuestion},
		append(bearer(key), origin...)...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var turn chatAnswer
	decodeStrict(t, res.body, &turn)
	path := "/v1/conversations/" + turn.ConversationID + "/handoff"

	cases := []struct {
		name       string
		path       string
		body       map[string]any
		wantStatus int
		wantCode   core.Code
	}{
		{"a display name is not a plain address", path, map[string]any{"turn_id": turn.TurnID, "email": "Visitor <v@example.com>"}, 400, core.CodeInvalid},
		{"not an address", path, map[string]any{"turn_id": turn.TurnID, "email": "v@"}, 400, core.CodeInvalid},
		{"no turn", path, map[string]any{"email": ""}, 400, core.CodeInvalid},
		{"not a conversation id", "/v1/conversations/42/handoff", map[string]any{"turn_id": turn.TurnID}, 400, core.CodeInvalid},
		{"another conversation's turn", "/v1/conversations/" + uuid.NewString() + "/handoff", map[string]any{"turn_id": turn.TurnID}, 404, core.CodeNotFound},
		{"unknown turn", path, map[string]any{"turn_id": turn.TurnID + 1000}, 404, core.CodeNotFound},
		{"unknown field", path, map[string]any{"turn_id": turn.TurnID, "phone": "1"}, 400, core.CodeInvalid},
		{"without an email", path, map[string]any{"turn_id": turn.TurnID}, 201, ""},
		{"with an email", path, map[string]any{"turn_id": turn.TurnID, "email": "v@example.com"}, 201, ""},
	}
	for _, tc := range cases {
		res := s.call(t, http.MethodPost, tc.path, tc.body, append(bearer(key), origin...)...)
		if tc.wantCode != "" {
			requireError(t, res, tc.wantStatus, tc.wantCode)
			continue
		}
		require.Equal(t, tc.wantStatus, res.status, "%s: %s", tc.name, res.body)
		require.Equal(t, "https://help.example.com", res.header.Get("Access-Control-Allow-Origin"))
	}
	rows := s.count(t, `SELECT count(*) FROM handoff_requests WHERE turn_id = $1`, turn.TurnID)
	require.Equal(t, 2, rows)
	var reason, status string
	require.NoError(t, dbtest.Owner(t, s.kit.Store).QueryRow(context.Background(),
		`SELECT reason, status FROM review_items WHERE turn_id = $1`, turn.TurnID).Scan(&reason, &status))
	require.Equal(t, "handoff_requested", reason)
	require.Equal(t, "pending", status)
}
