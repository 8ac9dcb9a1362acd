package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/riverqueue/river/rivertype"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/httpapi"
	"supportd/internal/jobs"
	"supportd/internal/store"
)

// EvalJobs queues evaluations from the API for the job workers (supportd
// serve or worker). Golden sets are named, never given as paths: the
// allowed ones are the .jsonl files beside SUPPORTD_EVAL_GOLDEN.
type EvalJobs struct {
	Store *store.Store
	// Golden is SUPPORTD_EVAL_GOLDEN, the set run when none is named.
	Golden string
}

var goldenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// golden resolves a golden set's name to its file; "" is the configured
// set.
func (j EvalJobs) golden(name string) (string, error) {
	configured := j.Golden
	if name == "" {
		return configured, nil
	}
	dir := filepath.Dir(configured)
	path := filepath.Join(dir, name+".jsonl")
	if goldenName.MatchString(name) {
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			return path, nil
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = goldenOf(f)
	}
	return "", core.Errorf(core.CodeInvalid, "golden must name one of the golden sets: %s", strings.Join(names, ", "))
}

// goldenOf is a golden set file's name as the API shows it.
func goldenOf(path string) string { return strings.TrimSuffix(filepath.Base(path), ".jsonl") }

// baselineSpec reads the API's baseline ("pinned", "none" or a run id).
func baselineSpec(s string) (string, error) {
	switch s {
	case "", "pinned":
		return eval.BaselinePinned, nil
	case "none":
		return eval.BaselineNone, nil
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return s, nil
	}
	return "", core.Errorf(core.CodeInvalid, `baseline must be "pinned", "none" or a run id`)
}

// StartEval implements httpapi.EvalJobs.
func (j EvalJobs) StartEval(ctx context.Context, s httpapi.EvalStart) (httpapi.EvalJob, error) {
	path, err := j.golden(s.Golden)
	if err != nil {
		return httpapi.EvalJob{}, err
	}
	baseline, err := baselineSpec(s.Baseline)
	if err != nil {
		return httpapi.EvalJob{}, err
	}
	if _, err := j.Store.KB(ctx, s.Tenant, s.KB); err != nil {
		return httpapi.EvalJob{}, err
	}
	args := jobs.EvalArgs{Tenant: s.Tenant, KB: s.KB, Golden: path, Baseline: baseline, Trigger: "api"}
	row, queued, err := jobs.QueueEvalJob(ctx, j.Store.Pool(), args)
	if err != nil {
		return httpapi.EvalJob{}, err
	}
	if !queued {
		// The same evaluation is waiting or running: its job answers.
		_, args, err = jobs.EvalJob(ctx, j.Store.Pool(), row.ID)
		if err != nil {
			return httpapi.EvalJob{}, err
		}
	}
	err = j.Store.Audit(ctx, store.AuditEntry{Tenant: s.Tenant, Actor: s.Actor, Action: "eval.queue", Target: s.KB,
		Details: map[string]any{"job_id": row.ID, "golden": goldenOf(path), "baseline": args.Baseline, "already_queued": !queued}})
	if err != nil {
		return httpapi.EvalJob{}, err
	}
	return evalJobOf(row, args), nil
}

// EvalJob implements httpapi.EvalJobs.
func (j EvalJobs) EvalJob(ctx context.Context, tenant string, id int64) (httpapi.EvalJob, error) {
	row, args, err := jobs.EvalJob(ctx, j.Store.Pool(), id)
	if errors.Is(err, jobs.ErrNoJob) || (err == nil && args.Tenant != tenant) {
		return httpapi.EvalJob{}, core.Errorf(core.CodeNotFound, "evaluation job %d does not exist", id)
	}
	if err != nil {
		return httpapi.EvalJob{}, err
	}
	return evalJobOf(row, args), nil
}

// evalOutput is what a finished evaluation job records.
type evalOutput struct {
	RunID int64 `json:"run_id"`
}

func evalJobOf(row *rivertype.JobRow, args jobs.EvalArgs) httpapi.EvalJob {
	job := httpapi.EvalJob{ID: row.ID, KB: args.KB, Golden: goldenOf(args.Golden), Baseline: args.Baseline,
		Attempts: row.Attempt, CreatedAt: row.CreatedAt, FinishedAt: row.FinalizedAt}
	if job.Baseline == eval.BaselineNone {
		job.Baseline = "none"
	}
	switch row.State {
	case rivertype.JobStateRunning:
		job.State = "running"
	case rivertype.JobStateCompleted:
		job.State = "finished"
		var out evalOutput
		if json.Unmarshal(row.Output(), &out) == nil && out.RunID > 0 {
			job.RunID = &out.RunID
		}
	case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		job.State = "failed"
	default:
		job.State = "queued"
	}
	return job
}
