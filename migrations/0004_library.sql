-- Authors and books. Every rule the API states is also a constraint here, so no writer
-- (a future admin tool, a manual fix) can store what the API would refuse.
CREATE TABLE authors (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    bio        text NOT NULL DEFAULT '' CHECK (char_length(bio) <= 10000),
    -- Who added the author; kept for clean-up of load-test data, not an access rule.
    owner_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX authors_owner_id_idx ON authors (owner_id);

CREATE TABLE books (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title          text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 500),
    author_id      bigint NOT NULL REFERENCES authors (id),
    -- The user who added the book; their account's deletion leaves the book, ownerless.
    owner_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Normalised ISBN-10 or ISBN-13 (digits, and a final X for ISBN-10); checksums are
    -- validated by the service.
    isbn           text CHECK (isbn ~ '^([0-9]{9}[0-9X]|[0-9]{13})$'),
    published_year integer CHECK (published_year BETWEEN 1 AND 2100),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT books_isbn_key UNIQUE (isbn)
);
-- `GET /books?author_id=` and `/authors/{id}/books` page by id within an author.
CREATE INDEX books_author_id_idx ON books (author_id, id);
CREATE INDEX books_owner_id_idx ON books (owner_id);
