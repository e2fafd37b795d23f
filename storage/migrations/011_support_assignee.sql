-- 011: the org setting `support_assignee` (an addition: docs/protocol.md §4):
-- the user a new support conversation starts assigned to, typically the org's
-- AI agent, so that it answers a contact's first message ("the AI answers first").
ALTER TABLE orgs ADD COLUMN support_assignee text;
