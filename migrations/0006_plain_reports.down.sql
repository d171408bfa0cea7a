DROP FUNCTION steward_plain_reports(bigint[], integer[], float8[]);
