-- A user's notifications newest first, keyset on (created_at, id): /notifications and GET /api/v1/notifications read
-- this index instead of sorting every row of the user. The unread count and the unread filter keep using
-- notifications_unread_idx (0001).
CREATE INDEX notifications_user_recent_idx ON notifications (user_id, created_at DESC, id DESC);
