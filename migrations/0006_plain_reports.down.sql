DROP FUNCTION steward_plain_reports(bigint[], integer[], timestamptz[]);
