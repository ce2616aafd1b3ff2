-- The benchmark database: customers, orders, posts (text) and attachments (random bytes), sized by the
-- psql variables the harness passes. Deterministic: setseed() fixes random(); same variables, same rows.
SELECT setseed(0.42);
CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL, created timestamptz NOT NULL, profile jsonb);
INSERT INTO customers (name, email, created, profile)
  SELECT 'Customer ' || i || ' ' || substr(md5(i::text), 1, 8), 'user' || i || '@example.com', timestamptz '2020-01-01 00:00:00+00' + i * interval '37 seconds',
         jsonb_build_object('tier', i % 5, 'newsletter', i % 3 = 0, 'tags', jsonb_build_array('t' || (i % 17), 'g' || (i % 13)), 'score', round((random() * 1000)::numeric, 2))
  FROM generate_series(1, :customers) i;
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12,2) NOT NULL, status text NOT NULL, placed timestamptz NOT NULL, note text);
INSERT INTO orders (customer_id, total, status, placed, note)
  SELECT 1 + (random() * (:customers - 1))::bigint, round((random() * 500)::numeric, 2), (ARRAY['new','paid','shipped','returned'])[1 + i % 4],
         timestamptz '2021-01-01 00:00:00+00' + i * interval '11 seconds', CASE WHEN i % 7 = 0 THEN NULL ELSE 'deliver to door ' || (i % 100) END
  FROM generate_series(1, :orders) i;
CREATE TABLE posts (id bigserial PRIMARY KEY, title text NOT NULL, body text NOT NULL, published boolean NOT NULL);
INSERT INTO posts (title, body, published)
  SELECT 'Post number ' || i, (SELECT string_agg((ARRAY['lorem','ipsum','dolor','sit','amet','shop','order','garden','river','mountain','coffee','window','yellow','market','silver','bridge'])[1 + ((i * 31 + k * 7) % 16)] || ' ' || substr(md5((i * 1000 + k)::text), 1, 1 + k % 6), ' ') FROM generate_series(1, 60) k), i % 4 <> 0
  FROM generate_series(1, :posts) i;
CREATE TABLE attachments (id bigserial PRIMARY KEY, name text NOT NULL, data bytea NOT NULL);
INSERT INTO attachments (name, data)
  SELECT 'file-' || i || '.bin', (SELECT decode(string_agg(md5(random()::text), ''), 'hex') FROM generate_series(1, 256)) FROM generate_series(1, :attachments) i;
ANALYZE;
