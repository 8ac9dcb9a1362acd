-- +goose Up

-- Whether a turn's tokens were counted by the tokenizer because the
-- provider reported none: a failed, cut or blocked generation is billed
-- too, from an estimate.
ALTER TABLE turns ADD COLUMN usage_estimated boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE turns DROP COLUMN usage_estimated;
