-- Back to migration 0011: no alerts.
DROP TABLE telemetry_alerts;
