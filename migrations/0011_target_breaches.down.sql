-- Back to migration 0010: no target breaches.
DROP TABLE target_breaches;
