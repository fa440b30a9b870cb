DROP TABLE ssl_expiry_events;
