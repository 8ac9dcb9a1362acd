package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// DriftQuestion is one asked question as drift detection sees it.
type DriftQuestion struct {
	Text       string
	TopDoc     string
	Mode       string
	Confidence float64
}

// DriftWindow selects questions of a knowledge base: by time (From, To) or,
// when Count > 0, the Count questions before the newest Skip ones.
// Evaluation traffic is never included.
type DriftWindow struct {
	Tenant   string
	KB       string
	From, To time.Time
	Count    int
	Skip     int
}

// DriftQuestions returns the window's questions, newest first, at most
// 100,000.
func (s *Store) DriftQuestions(ctx context.Context, w DriftWindow) ([]DriftQuestion, error) {
	q := `SELECT t.question, t.top_document, t.mode, t.confidence
		FROM turns t JOIN knowledge_bases k ON k.id = t.kb_id
		WHERE t.tenant_id = $1 AND k.name = $2 AND t.purpose <> 'evaluation'`
	var rows pgx.Rows
	var err error
	if w.Count > 0 {
		rows, err = s.as(w.Tenant).Query(ctx, q+` ORDER BY t.id DESC LIMIT $3 OFFSET $4`, w.Tenant, w.KB, w.Count, w.Skip)
	} else {
		rows, err = s.as(w.Tenant).Query(ctx, q+` AND t.created_at >= $3 AND t.created_at < $4 ORDER BY t.id DESC LIMIT 100000`,
			w.Tenant, w.KB, w.From, w.To)
	}
	if err != nil {
		return nil, translate(err, "read drift window")
	}
	qs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DriftQuestion])
	return qs, translate(err, "read drift window")
}

// DriftReportRow is a stored drift report; Report is the drift package's
// JSON.
type DriftReportRow struct {
	ID        int64           `json:"id"`
	KB        string          `json:"kb"`
	Alert     bool            `json:"alert"`
	Report    json.RawMessage `json:"report"`
	CreatedAt time.Time       `json:"created_at"`
}

// SaveDriftReport stores a report and returns its id.
func (s *Store) SaveDriftReport(ctx context.Context, tenant, kb string, alert bool, report json.RawMessage) (int64, error) {
	var id int64
	err := s.as(tenant).QueryRow(ctx, `INSERT INTO drift_reports (tenant_id, kb, alert, report) VALUES ($1, $2, $3, $4) RETURNING id`,
		tenant, kb, alert, report).Scan(&id)
	return id, translate(err, "save drift report")
}

// DriftReports lists the tenant's reports of kb ("" for all), newest first.
func (s *Store) DriftReports(ctx context.Context, tenant, kb string, limit int) ([]DriftReportRow, error) {
	rows, err := s.as(tenant).Query(ctx, `SELECT id, kb, alert, report, created_at FROM drift_reports
		WHERE tenant_id = $1 AND ($2 = '' OR kb = $2) ORDER BY id DESC LIMIT $3`, tenant, kb, max(limit, 1))
	if err != nil {
		return nil, translate(err, "list drift reports")
	}
	reports, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DriftReportRow])
	return reports, translate(err, "list drift reports")
}
