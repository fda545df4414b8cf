-- 013_answer_pending_index: two indexes for the answers (answerRowsSql in src/db/queries/transactions.ts).
--
-- The pending-replacement check asks, for each PENDING row, whether a POSTED row of the same
-- account and amount dated within days of it is stored. Through (account_id, date) alone each
-- probe read every row of a three-week window from the heap (~400 rows): measured at 50 000 rows,
-- 0.3 ms per pending row and 80% of a 12-month cash flow. On (account_id, amount, date) of the
-- POSTED rows it reads the one or two candidates.
CREATE INDEX transactions_posted_amount_idx ON transactions (account_id, amount, date) WHERE status = 'POSTED';

-- The answers select rows by their local calendar day (LOCAL_DAY in transactions.ts: a midnight-UTC
-- date as given, a timed one in São Paulo). Indexed as that exact expression, the day test is an
-- index range and ANALYZE keeps its statistics, so the planner expects a month's ~2 000 rows, not
-- ~20, and hashes the category corrections and rules instead of looping over them per row.
-- The expression must stay textually the same as LOCAL_DAY, or the planner will not use it.
CREATE INDEX transactions_account_local_day_idx ON transactions (account_id,
  (CASE WHEN (date AT TIME ZONE 'UTC')::time = '00:00' THEN (date AT TIME ZONE 'UTC')::date
    ELSE (date AT TIME ZONE 'America/Sao_Paulo')::date END));
