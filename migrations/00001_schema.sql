-- +goose Up

-- Provisioning creates the extension as a superuser; this line only matters
-- on a database where the application role may create it itself.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE tenants (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id, name) VALUES ('default', 'Default tenant');

-- A knowledge base's embedding model and dimension are part of its identity:
-- vectors of another model are never mixed into it.
CREATE TABLE knowledge_bases (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    embed_model     text NOT NULL,
    embed_dim       int NOT NULL CHECK (embed_dim BETWEEN 1 AND 2000),
    fts_config      regconfig NOT NULL DEFAULT 'english',
    -- Bumped by every document change; answer caches key on it.
    content_version bigint NOT NULL DEFAULT 0,
    -- BM25 corpus statistics, maintained with kb_terms at ingestion.
    chunk_count     bigint NOT NULL DEFAULT 0,
    lexeme_total    bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

CREATE TABLE documents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kb_id        bigint NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    source_uri   text NOT NULL CHECK (source_uri <> ''),
    title        text NOT NULL,
    content_hash text NOT NULL,
    metadata     jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kb_id, source_uri)
);
CREATE INDEX documents_metadata ON documents USING gin (metadata jsonb_path_ops);

-- Number of lexeme occurrences in a tsvector: the document length of BM25.
CREATE FUNCTION lexeme_count(tsvector) RETURNS int
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (SELECT coalesce(sum(coalesce(array_length(u.positions, 1), 1)), 0)::int FROM unnest($1) AS u);

-- The embedding column is dimension-less so knowledge bases of different
-- models share the table; each dimension in use gets its own partial HNSW
-- index on a typed cast (created by the store with the knowledge base).
CREATE TABLE chunks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kb_id       bigint NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal     int NOT NULL,
    heading     text NOT NULL DEFAULT '',
    text        text NOT NULL,
    token_count int NOT NULL,
    tsv         tsvector NOT NULL,
    lexemes     int NOT NULL,
    embed_dim   int NOT NULL,
    embedding   vector NOT NULL CHECK (vector_dims(embedding) = embed_dim),
    UNIQUE (document_id, ordinal)
);
CREATE INDEX chunks_kb ON chunks (kb_id);
CREATE INDEX chunks_tsv ON chunks USING gin (tsv);

-- Per knowledge base document frequency of each lexeme, for BM25's IDF.
CREATE TABLE kb_terms (
    kb_id  bigint NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    lexeme text NOT NULL,
    df     int NOT NULL,
    PRIMARY KEY (kb_id, lexeme)
);

CREATE TABLE conversations (
    id         uuid PRIMARY KEY,
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kb_id      bigint REFERENCES knowledge_bases (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per answered question: what was asked, what was said, on what
-- evidence, how sure we were and which stage of the chain answered.
CREATE TABLE turns (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kb_id           bigint REFERENCES knowledge_bases (id) ON DELETE SET NULL,
    question        text NOT NULL,
    answer          text NOT NULL,
    citations       jsonb NOT NULL DEFAULT '[]',
    confidence      real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    mode            text NOT NULL,
    degraded_reason text NOT NULL DEFAULT '',
    latency_ms      int NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX turns_conversation ON turns (conversation_id, id);
CREATE INDEX turns_tenant_created ON turns (tenant_id, created_at);

-- +goose Down
DROP TABLE turns;
DROP TABLE conversations;
DROP TABLE kb_terms;
DROP TABLE chunks;
DROP FUNCTION lexeme_count(tsvector);
DROP TABLE documents;
DROP TABLE knowledge_bases;
DROP TABLE tenants;
