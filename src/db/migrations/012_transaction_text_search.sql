-- 012_transaction_text_search: a trigram index on the folded text a transaction search matches
-- (description and merchant, lower case, accents dropped: SEARCH_TEXT in src/db/queries/transactions.ts,
-- the very same expression). Without it a text filter reads every row of the person until it fills a
-- page: ~0.3-1.5 s at 50 000 rows for a word that is rare or absent.
--
-- pg_trgm ships with PostgreSQL (contrib; Debian's server package, the embedded server) and is a
-- trusted extension since PostgreSQL 13, so a database owner without superuser may create it. Where
-- it cannot be created the migration still succeeds and the search still answers, unindexed.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm unavailable (%): transaction text search stays unindexed', SQLERRM;
END $$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX transactions_search_text_trgm_idx ON transactions USING gin (
      (lower(translate(coalesce(description, '') || ' ' || coalesce(merchant_name, ''),
        'áàâãäåéèêëíìîïóòôõöúùûüçñÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑ', 'aaaaaaeeeeiiiiooooouuuucnaaaaaaeeeeiiiiooooouuuucn'))) gin_trgm_ops);
  END IF;
END $$;

-- Statistics on the new expression now, not at autovacuum's next visit: without them the planner
-- guesses how many rows a word matches and may pick the index for a common one, or skip it for a rare one.
ANALYZE transactions;
