package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// EvalRunRow is a stored evaluation run. Summary and Comparison are JSON
// documents the eval package defines; the store keeps them opaque.
type EvalRunRow struct {
	ID             int64
	Tenant         string
	KB             string
	Status         string
	Trigger        string
	GoldenPath     string
	GoldenHash     string
	ContentVersion int64
	PromptVersions map[string]string
	Model          string
	GitCommit      string
	Config         map[string]any
	Summary        json.RawMessage
	Comparison     json.RawMessage
	StartedAt      time.Time
	FinishedAt     *time.Time
	// AcceptedAt is when the run was accepted as the baseline, by AcceptedBy.
	AcceptedAt *time.Time
	AcceptedBy string
}

// EvalResultRow is one stored case result.
type EvalResultRow struct {
	CaseID      string
	Tags        []string
	Status      string
	Pass        bool
	Metrics     map[string]float64
	Failures    []string
	Observation json.RawMessage
}

const evalRunColumns = `id, tenant_id, kb, status, trigger, golden_path, golden_hash, content_version,
	prompt_versions, model, git_commit, config, summary, comparison, started_at, finished_at, accepted_at, accepted_by`

func scanEvalRun(row pgx.Row) (EvalRunRow, error) {
	var r EvalRunRow
	err := row.Scan(&r.ID, &r.Tenant, &r.KB, &r.Status, &r.Trigger, &r.GoldenPath, &r.GoldenHash, &r.ContentVersion,
		&r.PromptVersions, &r.Model, &r.GitCommit, &r.Config, &r.Summary, &r.Comparison, &r.StartedAt, &r.FinishedAt,
		&r.AcceptedAt, &r.AcceptedBy)
	return r, err
}

// CreateEvalRun records a run as running and returns its id. The run
// starts at r.StartedAt, or at the database's now() when that is zero.
func (s *Store) CreateEvalRun(ctx context.Context, r EvalRunRow) (int64, error) {
	var started *time.Time
	if !r.StartedAt.IsZero() {
		started = &r.StartedAt
	}
	var id int64
	err := s.as(r.Tenant).QueryRow(ctx, `
		INSERT INTO eval_runs (tenant_id, kb, status, trigger, golden_path, golden_hash, content_version,
		                       prompt_versions, model, git_commit, config, started_at)
		VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, now())) RETURNING id`,
		r.Tenant, r.KB, r.Trigger, r.GoldenPath, r.GoldenHash, r.ContentVersion,
		nonNil(r.PromptVersions), r.Model, r.GitCommit, nonNilAny(r.Config), started).Scan(&id)
	return id, translate(err, "create eval run")
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilAny(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// SaveEvalResult stores one case's result as soon as it is known and
// marks the run alive, so a crash leaves every finished case behind.
func (s *Store) SaveEvalResult(ctx context.Context, tenant string, runID int64, r EvalResultRow) error {
	return s.inTx(ctx, tenant, "save eval result", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO eval_results (run_id, case_id, tags, status, pass, metrics, failures, observation)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (run_id, case_id) DO UPDATE SET tags = EXCLUDED.tags, status = EXCLUDED.status,
			    pass = EXCLUDED.pass, metrics = EXCLUDED.metrics, failures = EXCLUDED.failures,
			    observation = EXCLUDED.observation`,
			runID, r.CaseID, nonNilSlice(r.Tags), r.Status, r.Pass, r.Metrics, nonNilSlice(r.Failures), r.Observation); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE eval_runs SET heartbeat_at = now() WHERE id = $1`, runID)
		return err
	})
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// FinishEvalRun closes a run, finished at the given time, with its final
// status, summary and comparison.
func (s *Store) FinishEvalRun(ctx context.Context, tenant string, runID int64, status string, finished time.Time,
	summary, comparison json.RawMessage) error {
	_, err := s.as(tenant).Exec(ctx, `
		UPDATE eval_runs SET status = $2, summary = $3, comparison = $4, finished_at = $5, heartbeat_at = now()
		WHERE id = $1`, runID, status, summary, comparison, finished)
	return translate(err, "finish eval run")
}

// AbandonStaleEvalRuns marks runs still "running" whose last sign of life is
// older than staleAfter as incomplete: their process died. It returns how
// many it marked.
func (s *Store) AbandonStaleEvalRuns(ctx context.Context, staleAfter time.Duration) (int64, error) {
	var n int64
	err := s.eachTenant(ctx, "abandon stale eval runs", func(tenant string, q querier) error {
		tag, err := q.Exec(ctx, `
			UPDATE eval_runs SET status = 'incomplete', finished_at = now()
			WHERE tenant_id = $1 AND status = 'running' AND heartbeat_at < now() - $2::interval`, tenant, staleAfter.String())
		n += tag.RowsAffected()
		return err
	})
	return n, err
}

// EvalRun reads the tenant's run with its results.
func (s *Store) EvalRun(ctx context.Context, tenant string, id int64) (EvalRunRow, []EvalResultRow, error) {
	run, err := scanEvalRun(s.as(tenant).QueryRow(ctx, `SELECT `+evalRunColumns+` FROM eval_runs WHERE tenant_id = $1 AND id = $2`, tenant, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return run, nil, core.Errorf(core.CodeNotFound, "eval run %d does not exist", id)
	}
	if err != nil {
		return run, nil, translate(err, "read eval run")
	}
	rows, err := s.as(tenant).Query(ctx, `
		SELECT case_id, tags, status, pass, metrics, failures, observation
		FROM eval_results WHERE run_id = $1 ORDER BY case_id`, id)
	if err != nil {
		return run, nil, translate(err, "read eval results")
	}
	results, err := pgx.CollectRows(rows, pgx.RowToStructByPos[EvalResultRow])
	return run, results, translate(err, "read eval results")
}

// EvalRunFilter selects runs to list.
type EvalRunFilter struct {
	Tenant string
	KB     string // "" for all
	Status string // "" for all
	Before int64  // only runs with a smaller id; 0 for no bound
	Limit  int
	// Oldest lists oldest first instead of newest first.
	Oldest bool
}

// EvalRuns lists runs, newest first, without their results.
func (s *Store) EvalRuns(ctx context.Context, f EvalRunFilter) ([]EvalRunRow, error) {
	order := "DESC"
	if f.Oldest {
		order = "ASC"
	}
	rows, err := s.as(f.Tenant).Query(ctx, `SELECT `+evalRunColumns+` FROM eval_runs
		WHERE tenant_id = $1 AND ($2 = '' OR kb = $2) AND ($3 = '' OR status = $3) AND ($4 = 0 OR id < $4)
		ORDER BY id `+order+` LIMIT $5`, f.Tenant, f.KB, f.Status, f.Before, max(f.Limit, 1))
	if err != nil {
		return nil, translate(err, "list eval runs")
	}
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EvalRunRow, error) { return scanEvalRun(r) })
	return runs, translate(err, "list eval runs")
}

// AcceptedEvalRun returns the run of kb accepted most recently; ok is
// false when none has been.
func (s *Store) AcceptedEvalRun(ctx context.Context, tenant, kb string) (run EvalRunRow, ok bool, err error) {
	run, err = scanEvalRun(s.as(tenant).QueryRow(ctx, `SELECT `+evalRunColumns+` FROM eval_runs
		WHERE tenant_id = $1 AND kb = $2 AND accepted_at IS NOT NULL ORDER BY accepted_at DESC, id DESC LIMIT 1`, tenant, kb))
	if errors.Is(err, pgx.ErrNoRows) {
		return run, false, nil
	}
	return run, err == nil, translate(err, "read accepted eval run")
}

// AcceptEvalRun makes the tenant's complete run the pinned baseline of its
// knowledge base, and audits it. An unknown run is core.CodeNotFound; a
// run that is not complete is core.CodeConflict.
func (s *Store) AcceptEvalRun(ctx context.Context, tenant string, id int64, actor string) (EvalRunRow, error) {
	var run EvalRunRow
	err := s.inTx(ctx, tenant, "accept eval run", func(tx pgx.Tx) error {
		var err error
		run, err = scanEvalRun(tx.QueryRow(ctx, `SELECT `+evalRunColumns+` FROM eval_runs
			WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenant, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return core.Errorf(core.CodeNotFound, "eval run %d does not exist", id)
		}
		if err != nil {
			return err
		}
		if run.Status != "complete" {
			return core.Errorf(core.CodeConflict, "eval run %d is %s: only a complete run can be the baseline", id, run.Status)
		}
		if run, err = scanEvalRun(tx.QueryRow(ctx, `UPDATE eval_runs SET accepted_at = now(), accepted_by = $2
			WHERE id = $1 RETURNING `+evalRunColumns, id, actor)); err != nil {
			return err
		}
		return audit(ctx, tx, AuditEntry{Tenant: tenant, Actor: actor, Action: "eval.accept", Target: strconv.FormatInt(id, 10),
			Details: map[string]any{"kb": run.KB}})
	})
	return run, err
}

// DocumentURIs is the set of source URIs in kb.
func (s *Store) DocumentURIs(ctx context.Context, kb KB) (map[string]bool, error) {
	hashes, err := s.DocumentHashes(ctx, kb)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(hashes))
	for uri := range hashes {
		out[uri] = true
	}
	return out, nil
}
