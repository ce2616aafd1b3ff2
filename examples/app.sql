-- The example application's database, created by `npm start` into .strongbox-demo/app.db.
PRAGMA journal_mode = WAL;
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, avatar BLOB);
CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER NOT NULL REFERENCES users(id), title TEXT NOT NULL, body TEXT, published_at TEXT);
CREATE INDEX posts_author ON posts(author);
INSERT INTO users (email, name, avatar) VALUES
  ('ada@example.com', 'Ada Lovelace', x'89504e470d0a1a0a'),
  ('zoë@example.com', 'Zoë 🚀', NULL),
  ('empty@example.com', '', x'');
INSERT INTO posts (author, title, body, published_at) VALUES
  (1, 'Hello, world', 'The first post.', '2026-11-01T09:00:00Z'),
  (2, 'Ünïcode everywhere', 'Emoji 🎉 and accents: àéîõü.', '2026-11-02T10:30:00Z'),
  (3, 'Draft', NULL, NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO posts (author, title, body, published_at) SELECT 1 + i % 3, 'Post ' || i, printf('%.*c', 200 + i % 300, 'x'), NULL FROM n;
