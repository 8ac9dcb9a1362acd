-- +goose Up

-- Why each question was asked. Evaluation turns were told apart by the
-- client id 'eval', a convention three packages had to share; the purpose
-- says it in the row.
ALTER TABLE turns ADD COLUMN purpose text NOT NULL DEFAULT 'support'
    CONSTRAINT turns_purpose_known CHECK (purpose IN ('support', 'evaluation'));
UPDATE turns SET purpose = 'evaluation' WHERE client_id = 'eval';

-- +goose Down
ALTER TABLE turns DROP COLUMN purpose;
