-- By file prefix alone this would run before 73/2 and fail: events.kind does not exist yet.
CREATE INDEX events_kind_idx ON events (kind);
