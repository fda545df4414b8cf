-- 014_webhook_event_job_id: the id of the processing job each stored delivery was given, so the
-- redrive asks pg-boss about that one job (boss.getJobById) instead of reading pg-boss's tables.
-- NULL for ignored events (no job) and for events stored before this migration: the redrive then
-- treats their job as lost and queues them once more, which processing absorbs (an event already
-- processed is claimed once: webhook_events.claimEventProcessed).
ALTER TABLE webhook_events ADD COLUMN job_id uuid;
