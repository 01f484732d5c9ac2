-- Old events are pruned (LIVECHAT_EVENT_RETENTION_HOURS): find them by age.
CREATE INDEX events_created ON events (created_at);
